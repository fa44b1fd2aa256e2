/**
 * The cost of one call from a {@link ModelPrice} and the call's {@link Usage}.
 *
 * @module
 */

import { InvalidOptionError } from "../errors.js";
import type { Usage } from "../transcript/types.js";
import type { CallCost, CostBreakdown, ModelPrice, PriceRates } from "./types.js";

const tokenFields = [
  "inputTokens",
  "cacheReadTokens",
  "cacheWrite5mTokens",
  "cacheWrite1hTokens",
  "outputTokens",
  "reasoningTokens",
] as const;

/**
 * Checks that every token count of `usage` is a finite number, 0 or more.
 *
 * @throws InvalidOptionError naming the field, e.g. `usage.inputTokens`.
 */
export function validateUsage(usage: Usage): void {
  if (typeof usage !== "object" || usage === null) {
    throw new InvalidOptionError("usage", "an object of token counts", usage);
  }
  for (const field of tokenFields) {
    const value: unknown = usage[field];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new InvalidOptionError(`usage.${field}`, "a finite number of tokens, 0 or more", value);
    }
  }
}

/** All prompt tokens of a call: uncached, read from and written to the cache. */
export function promptTokensOf(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

/**
 * The rates that apply to a request of `promptTokens`: the highest long-context tier whose threshold the
 * prompt exceeds (all-or-nothing), else the base rates.
 */
export function ratesForPrompt(
  price: ModelPrice,
  promptTokens: number,
): { rates: PriceRates; tierAboveInputTokens: number | null } {
  let chosen: { rates: PriceRates; tierAboveInputTokens: number | null } = {
    rates: price,
    tierAboveInputTokens: null,
  };
  for (const tier of price.tiers ?? []) {
    if (promptTokens > tier.aboveInputTokens)
      chosen = { rates: tier, tierAboveInputTokens: tier.aboveInputTokens };
  }
  return chosen;
}

/** A call whose model has no price. */
export function unknownCost(model: string): CallCost {
  return {
    known: false,
    costUsd: null,
    breakdown: null,
    model,
    pricedAs: null,
    priceSource: null,
    tierAboveInputTokens: null,
  };
}

/**
 * Prices a call.
 *
 * @param uncached - Price it as if nothing had been cached: every prompt token at the input rate (the
 *   counterfactual of prompt caching). The tier is chosen from the same prompt size either way.
 */
export function priceCall(
  model: string,
  price: ModelPrice | undefined,
  usage: Usage,
  uncached: boolean,
): CallCost {
  validateUsage(usage);
  if (price === undefined) return unknownCost(model);
  const promptTokens = promptTokensOf(usage);
  const { rates, tierAboveInputTokens } = ratesForPrompt(price, promptTokens);
  const perToken = (tokens: number, rate: number): number => (tokens * rate) / 1_000_000;
  const breakdown: CostBreakdown = uncached
    ? {
        input: perToken(promptTokens, rates.input),
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        output: perToken(usage.outputTokens, rates.output),
      }
    : {
        input: perToken(usage.inputTokens, rates.input),
        cacheRead: perToken(usage.cacheReadTokens, rates.cacheRead),
        cacheWrite5m: perToken(usage.cacheWrite5mTokens, rates.cacheWrite5m),
        cacheWrite1h: perToken(usage.cacheWrite1hTokens, rates.cacheWrite1h),
        output: perToken(usage.outputTokens, rates.output),
      };
  const costUsd =
    breakdown.input +
    breakdown.cacheRead +
    breakdown.cacheWrite5m +
    breakdown.cacheWrite1h +
    breakdown.output;
  return {
    known: true,
    costUsd,
    breakdown,
    model,
    pricedAs: price.model,
    priceSource: price.source,
    tierAboveInputTokens,
  };
}
