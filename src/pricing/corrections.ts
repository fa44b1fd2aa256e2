/**
 * A small, documented table of facts that the bundled `@pydantic/genai-prices` data (0.1.x) states
 * differently from the providers' own pages, or does not state at all. Each entry names its source.
 * Everything else comes from genai-prices; users can still override any of it.
 *
 * @module
 */

import type { PriceRates } from "./types.js";

/** One correction of the price data, keyed by the data's provider id and model id. */
export interface PriceCorrection {
  /** Provider id in the price data (`deepseek`, `openai`, `google`, ...). */
  provider: string;
  /** Model id in the price data (`deepseek-chat`). */
  model: string;
  /** Rates that replace the data's (flat; tiers are dropped). Missing cache rates are derived. */
  rates?: Pick<PriceRates, "input" | "output"> & Partial<PriceRates>;
  /** The rates apply to calls made on or after this UTC date (`YYYY-MM-DD`). */
  since?: string;
  /** Context window in tokens, used when the data has none or a stale one. */
  contextWindow?: number;
  /** Where the corrected fact was read. */
  source: string;
}

const deepSeekV32 = {
  rates: { input: 0.28, cacheRead: 0.028, output: 0.42 },
  since: "2025-09-29",
  contextWindow: 128_000,
  source:
    "api-docs.deepseek.com/quick_start/pricing: V3.2 prices from 2025-09-29 (cache miss $0.28, hit $0.028, " +
    "output $0.42, 128K context, off-peak discounts ended); genai-prices 0.1.8 still lists V3's prices",
} as const;

/** The corrections compactor applies on top of the bundled price data. */
export const priceCorrections: readonly PriceCorrection[] = [
  { provider: "deepseek", model: "deepseek-chat", ...deepSeekV32 },
  { provider: "deepseek", model: "deepseek-reasoner", ...deepSeekV32 },
  ...["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"].map((model) => ({
    provider: "openai",
    model,
    contextWindow: 1_047_576,
    source: "platform.openai.com/docs/models/gpt-4.1: 1,047,576-token context (genai-prices rounds to 1M)",
  })),
  ...["gemini-3-pro-preview", "gemini-3.1-pro-preview", "gemini-2.5-pro"].map((model) => ({
    provider: "google",
    model,
    contextWindow: 1_048_576,
    source:
      "ai.google.dev/gemini-api/docs/models: 1,048,576 input tokens (genai-prices has no context window)",
  })),
];

const byModel = new Map(priceCorrections.map((correction) => [correctionKey(correction), correction]));

function correctionKey(entry: { provider: string; model: string }): string {
  return `${entry.provider}:${entry.model}`;
}

/** The correction of a price-data model, if there is one. */
export function correctionFor(provider: string, model: string): PriceCorrection | undefined {
  return byModel.get(correctionKey({ provider, model }));
}

/** Whether a correction's rates apply at `at`. */
export function correctionRatesApply(correction: PriceCorrection, at: Date): boolean {
  if (correction.rates === undefined) return false;
  return correction.since === undefined || at.getTime() >= Date.parse(`${correction.since}T00:00:00Z`);
}
