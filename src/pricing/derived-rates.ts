/**
 * Rates a price source does not state, derived from each provider's documented cache multipliers.
 *
 * @module
 */

import type { PriceRates, RateName } from "./types.js";

/**
 * Anthropic's documented prompt-caching multipliers of the input price: 5-minute write 1.25×, 1-hour
 * write 2×, read 0.1× (docs.anthropic.com, prompt caching). They hold for Claude on every host
 * (Anthropic API, Bedrock, Vertex).
 */
export const anthropicCacheMultipliers = { cacheRead: 0.1, cacheWrite5m: 1.25, cacheWrite1h: 2 } as const;

/**
 * How missing cache rates are derived: `anthropic` uses {@link anthropicCacheMultipliers}; `no-premium`
 * (OpenAI before GPT-5.6, Google, DeepSeek, ...) bills a cache write as plain input, a 1-hour write like a
 * 5-minute one, and a read with no known discount at the input price.
 */
export type CacheStyle = "anthropic" | "no-premium";

/** The cache style of a model: Anthropic's multipliers for Claude wherever it is hosted. */
export function cacheStyleOf(provider: string, model: string): CacheStyle {
  return provider === "anthropic" || /(?:^|[/.])claude-/.test(model) ? "anthropic" : "no-premium";
}

/** Rates as read from a source: input and output are required, cache rates may be missing. */
export type PartialRates = Pick<PriceRates, "input" | "output"> &
  Partial<Pick<PriceRates, "cacheRead" | "cacheWrite5m" | "cacheWrite1h">>;

/** Fills the missing cache rates of `rates` and names the ones it derived. */
export function completeRates(
  rates: PartialRates,
  style: CacheStyle,
): { rates: PriceRates; derived: RateName[] } {
  const derived: RateName[] = [];
  const take = (name: RateName, value: number | undefined, fallback: () => number): number => {
    if (value !== undefined) return value;
    derived.push(name);
    return fallback();
  };
  const anthropic = style === "anthropic";
  const cacheRead = take("cacheRead", rates.cacheRead, () =>
    anthropic ? rates.input * anthropicCacheMultipliers.cacheRead : rates.input,
  );
  const cacheWrite5m = take("cacheWrite5m", rates.cacheWrite5m, () =>
    anthropic ? rates.input * anthropicCacheMultipliers.cacheWrite5m : rates.input,
  );
  const cacheWrite1h = take("cacheWrite1h", rates.cacheWrite1h, () =>
    anthropic ? rates.input * anthropicCacheMultipliers.cacheWrite1h : cacheWrite5m,
  );
  return {
    rates: { input: rates.input, output: rates.output, cacheRead, cacheWrite5m, cacheWrite1h },
    derived,
  };
}
