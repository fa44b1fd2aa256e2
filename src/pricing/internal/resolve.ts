/**
 * Building a {@link ModelPrice} from its parts: a price-data entry, a correction, a user override.
 *
 * @module
 */

import type { ModelInfo, Provider } from "@pydantic/genai-prices";
import { correctionFor, correctionRatesApply } from "../corrections.js";
import { cacheStyleOf, completeRates } from "../derived-rates.js";
import type { ValidOverride } from "../overrides.js";
import { familyOf } from "../siblings.js";
import type { ModelPrice, PriceTier, RateName } from "../types.js";
import { pricesAt } from "./genai-lookup.js";
import { normaliseGenaiPrices } from "./normalise.js";

const cacheRates = ["cacheRead", "cacheWrite5m", "cacheWrite1h"] as const;

/**
 * Which price of a price-data model applies at `at`: `correction` when a correction's rates apply, else
 * `entry<n>` naming the data's conditional price entry. Cheap; used as part of the cache key.
 */
export function genaiVariantAt(
  provider: Provider,
  model: ModelInfo,
  at: Date,
  applyCorrections: boolean,
): string {
  const correction = applyCorrections ? correctionFor(provider.id, model.id) : undefined;
  if (correction !== undefined && correctionRatesApply(correction, at)) return "correction";
  return `entry${pricesAt(model, at).index}`;
}

/**
 * The price of a price-data model at `at`, with its correction applied, or `undefined` when the entry
 * has no token prices (embeddings, audio-only models).
 */
export function priceFromGenai(
  provider: Provider,
  model: ModelInfo,
  at: Date,
  applyCorrections: boolean,
): ModelPrice | undefined {
  const style = cacheStyleOf(provider.id, model.id);
  const correction = applyCorrections ? correctionFor(provider.id, model.id) : undefined;
  const contextWindow = correction?.contextWindow ?? model.context_window;
  const family = familyOf(model.id);
  const common = {
    model: model.id,
    provider: provider.id,
    ...(family === undefined ? {} : { family }),
    ...(contextWindow === undefined ? {} : { contextWindow }),
  };
  if (correction?.rates !== undefined && correctionRatesApply(correction, at)) {
    const { rates, derived } = completeRates(correction.rates, style);
    return { ...common, ...rates, derived, source: "corrections" };
  }
  // The rates are the data's (a correction may still have supplied the context window).
  const normalised = normaliseGenaiPrices(pricesAt(model, at).prices, style);
  return normalised === undefined ? undefined : { ...common, ...normalised, source: "genai-prices" };
}

function tierFromInput(
  tier: NonNullable<ValidOverride["tiers"]>[number],
  style: ReturnType<typeof cacheStyleOf>,
): PriceTier {
  return { aboveInputTokens: tier.aboveInputTokens, ...completeRates(tier, style).rates };
}

/**
 * Applies a user override to a base price (or builds a price from the override alone when `base` is
 * `undefined`; the caller has checked that it then has `input` and `output`). Cache rates the override
 * does not give keep the data's value when the data stated it, and are derived again from the new input
 * price when they had been derived.
 */
export function applyOverride(
  base: ModelPrice | undefined,
  key: string,
  override: ValidOverride,
): ModelPrice {
  const provider = override.provider ?? base?.provider ?? "custom";
  const model = base?.model ?? key;
  const style = cacheStyleOf(provider, model);
  const input = override.input ?? base?.input;
  const output = override.output ?? base?.output;
  if (input === undefined || output === undefined) {
    throw new Error(`Price override of ${key} has no input or output price and no base price`);
  }
  const given: Partial<Record<RateName, number>> = {};
  for (const rate of cacheRates) {
    const value =
      override[rate] ?? (base !== undefined && !base.derived.includes(rate) ? base[rate] : undefined);
    if (value !== undefined) given[rate] = value;
  }
  const { rates, derived } = completeRates({ ...given, input, output }, style);
  const tiers =
    override.tiers === undefined ? base?.tiers : override.tiers.map((tier) => tierFromInput(tier, style));
  const contextWindow = override.contextWindow ?? base?.contextWindow;
  const family = override.family ?? base?.family ?? familyOf(model);
  return {
    model,
    provider,
    ...rates,
    ...(tiers === undefined || tiers.length === 0 ? {} : { tiers }),
    ...(contextWindow === undefined ? {} : { contextWindow }),
    ...(family === undefined ? {} : { family }),
    derived,
    source: "override",
  };
}

/** Freezes a price and its arrays so that cached records cannot be changed by a caller. */
export function freezePrice(price: ModelPrice): ModelPrice {
  for (const tier of price.tiers ?? []) Object.freeze(tier);
  if (price.tiers !== undefined) Object.freeze(price.tiers);
  Object.freeze(price.derived);
  return Object.freeze(price);
}
