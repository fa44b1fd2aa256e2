/**
 * The amount a budget reserves before a call: the calibrated prompt (times a safety margin) and the output cap,
 * priced on the model at the dearer of plain input and a 5-minute cache write, so that the reservation is an
 * upper bound of what the call can cost in the usual case.
 *
 * @module
 */
import { emptyUsage } from "../usage/index.js";
import { costOfCall } from "../pricing/index.js";
import type { Usage } from "../transcript/types.js";
import type { BudgetAmount } from "./types.js";

/** Prices a call's usage in dollars, `null` when the model has no price. */
export type PriceCall = (model: string, usage: Usage) => number | null;

/** Prices with the default price table ({@link costOfCall}). */
export const defaultPriceCall: PriceCall = (model, usage) => {
  const cost = costOfCall(model, usage);
  return cost.known ? cost.costUsd : null;
};

/** Inputs of {@link estimateCall}. */
export interface EstimateInput {
  model: string;
  /** Calibrated prompt tokens. */
  promptTokens: number;
  /** Of those, tokens expected to be read from the provider's cache (priced at the cache-read rate). */
  cachedPromptTokens?: number | undefined;
  /** The request's output cap, if it has one. */
  maxOutputTokens?: number | undefined;
  /** Output tokens assumed when the request sets no cap. */
  defaultOutputTokens: number;
  /** Multiplies the prompt estimate. */
  promptMargin: number;
  price: PriceCall;
}

/** An estimate; `priced` is false when the model has no price (the dollars are then 0). */
export interface CallEstimate extends BudgetAmount {
  priced: boolean;
}

function usageOf(fields: Partial<Usage>): Usage {
  return { ...emptyUsage(), ...fields };
}

/** The reservation of one call. */
export function estimateCall(input: EstimateInput): CallEstimate {
  const prompt = Math.max(0, Math.ceil(input.promptTokens * input.promptMargin));
  const output = Math.max(0, Math.round(input.maxOutputTokens ?? input.defaultOutputTokens));
  const cached = Math.min(prompt, Math.max(0, Math.round(input.cachedPromptTokens ?? 0)));
  const rest = prompt - cached;
  const plain = input.price(
    input.model,
    usageOf({ inputTokens: rest, cacheReadTokens: cached, outputTokens: output }),
  );
  const written = input.price(
    input.model,
    usageOf({ cacheWrite5mTokens: rest, cacheReadTokens: cached, outputTokens: output }),
  );
  const tokens = prompt + output;
  if (plain === null && written === null) return { usd: 0, tokens, priced: false };
  return { usd: Math.max(plain ?? 0, written ?? 0), tokens, priced: true };
}
