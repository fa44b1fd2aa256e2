/**
 * Turns a genai-prices price entry (`input_mtok`, `cache_write_1h_mtok`, ... each flat or tiered) into
 * compactor's {@link ModelPrice}: five rates, all-or-nothing long-context tiers, derived rates named.
 *
 * @module
 */

import type { ModelPrice as GenaiModelPrice } from "@pydantic/genai-prices";
import { type CacheStyle, completeRates, type PartialRates } from "../derived-rates.js";
import type { PriceRates, PriceTier, RateName } from "../types.js";

/** The genai-prices key of each of compactor's rates. */
const genaiKeys: Record<RateName, string> = {
  input: "input_mtok",
  output: "output_mtok",
  cacheRead: "cache_read_mtok",
  cacheWrite5m: "cache_write_mtok",
  cacheWrite1h: "cache_write_1h_mtok",
};
const rateNames = Object.keys(genaiKeys) as RateName[];

type GenaiValue = GenaiModelPrice[string];

function tiersOf(value: GenaiValue): Array<{ start: number; price: number }> {
  return typeof value === "object" && value !== null ? value.tiers : [];
}

/** A field's price for prompts just above `threshold` (`null`: the base price). */
function valueAt(value: GenaiValue, threshold: number | null): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return value;
  let price = value.base;
  if (threshold === null) return price;
  for (const tier of [...value.tiers].sort((left, right) => left.start - right.start)) {
    if (tier.start <= threshold) price = tier.price;
  }
  return price;
}

/** The rates of an entry for one threshold, or `undefined` when input or output is missing. */
function ratesAt(prices: GenaiModelPrice, threshold: number | null): PartialRates | undefined {
  const found: Partial<Record<RateName, number>> = {};
  for (const name of rateNames) {
    const value = valueAt(prices[genaiKeys[name]], threshold);
    if (value !== undefined) found[name] = value;
  }
  const { input, output } = found;
  if (input === undefined || output === undefined) return undefined;
  return { ...found, input, output };
}

/** The normalised part of a price that comes from one price entry. */
export interface NormalisedRates extends PriceRates {
  tiers?: PriceTier[];
  derived: RateName[];
}

/**
 * Normalises one genai-prices entry. Returns `undefined` when the entry has no token input or output
 * price (embeddings, audio-only models, free placeholders): such a model cannot price a chat call.
 */
export function normaliseGenaiPrices(
  prices: GenaiModelPrice,
  style: CacheStyle,
): NormalisedRates | undefined {
  const base = ratesAt(prices, null);
  if (base === undefined) return undefined;
  const completed = completeRates(base, style);
  const thresholds = [
    ...new Set(rateNames.flatMap((name) => tiersOf(prices[genaiKeys[name]]).map((tier) => tier.start))),
  ].sort((left, right) => left - right);
  const tiers: PriceTier[] = [];
  for (const threshold of thresholds) {
    const rates = ratesAt(prices, threshold);
    if (rates === undefined) continue;
    tiers.push({ aboveInputTokens: threshold, ...completeRates(rates, style).rates });
  }
  return tiers.length > 0
    ? { ...completed.rates, tiers, derived: completed.derived }
    : { ...completed.rates, derived: completed.derived };
}
