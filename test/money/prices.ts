/**
 * An independent price oracle for the money tests: a handful of list prices written down here by hand (dollars
 * per million tokens, from the providers' pricing pages as quoted in ../shared/ECONOMICS.md) and a pricing
 * function of its own. It shares no code with compactor's pricing or usage normalisation, so a bug there cannot
 * hide by being on both sides of an assertion.
 */
import type { ServerUsage } from "../../src/testing/index.js";

/** Dollars per million tokens. */
export interface OraclePrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

/** List prices (no long-context tier applies to prompts this small). */
export const oraclePrices: Record<string, OraclePrice> = {
  // Anthropic: reads 0.1×, 5-minute writes 1.25×, 1-hour writes 2× the input price.
  "claude-sonnet-4-6": { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 },
  "claude-opus-4-6": { input: 5, output: 25, cacheRead: 0.5, cacheWrite5m: 6.25, cacheWrite1h: 10 },
  "claude-opus-4-5": { input: 5, output: 25, cacheRead: 0.5, cacheWrite5m: 6.25, cacheWrite1h: 10 },
  // Sonnet 4 and 4.5: the same base rates (their >200k tier is not needed: no recorded prompt reaches it).
  "claude-sonnet-4": { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 },
  "claude-sonnet-4-5": { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheRead: 0.1, cacheWrite5m: 1.25, cacheWrite1h: 2 },
  // OpenAI GPT-5: cached input 0.1×; writes cost the plain input price.
  "gpt-5": { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite5m: 1.25, cacheWrite1h: 1.25 },
  "gpt-5-mini": { input: 0.25, output: 2, cacheRead: 0.025, cacheWrite5m: 0.25, cacheWrite1h: 0.25 },
};

/** The list price of `model` from the table above; throws for a model the oracle does not know. */
export function oraclePrice(model: string): OraclePrice {
  const price = oraclePrices[model];
  if (price === undefined) throw new Error(`the test oracle has no price for ${model}`);
  return price;
}

/**
 * Dollars of one call from disjoint token counts (uncached input, cache reads, 5m and 1h writes, output; reasoning
 * tokens are part of the output).
 */
export function oracleCost(
  model: string,
  tokens: {
    inputTokens: number;
    cacheReadTokens: number;
    cacheWrite5mTokens: number;
    cacheWrite1hTokens: number;
    outputTokens: number;
  },
): number {
  const price = oraclePrice(model);
  return (
    (tokens.inputTokens * price.input +
      tokens.cacheReadTokens * price.cacheRead +
      tokens.cacheWrite5mTokens * price.cacheWrite5m +
      tokens.cacheWrite1hTokens * price.cacheWrite1h +
      tokens.outputTokens * price.output) /
    1_000_000
  );
}

/** Dollars of a call as the test server counted it. */
export function serverCallCost(model: string, usage: ServerUsage | undefined): number {
  if (usage === undefined) throw new Error("the server recorded no usage for this call");
  return oracleCost(model, usage);
}

/** `actual` equals `expected` to a relative 1e-9 (floating-point sums in a different order). */
export function sameDollars(actual: number | null | undefined, expected: number): boolean {
  if (actual === null || actual === undefined) return false;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}
