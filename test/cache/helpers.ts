/**
 * Small builders for cache-model tests.
 *
 * @module
 */
import type { CacheTtl, PromptSegment } from "../../src/cache/index.js";

/** A segment named `name` (its hash) with `tokens` tokens and an optional breakpoint. */
export function segment(name: string, tokens: number, breakpoint?: CacheTtl): PromptSegment {
  return breakpoint === undefined ? { hash: name, tokens } : { hash: name, tokens, breakpoint };
}

/** `count` segments named `${prefix}0..` of `tokens` tokens each, without breakpoints. */
export function blocks(prefix: string, count: number, tokens: number): PromptSegment[] {
  return Array.from({ length: count }, (_, index) => segment(`${prefix}${index}`, tokens));
}

/** A copy of `segments` with a breakpoint on the last one. */
export function withLastBreakpoint(
  segments: readonly PromptSegment[],
  ttl: CacheTtl = "5m",
): PromptSegment[] {
  const copy = segments.map((item) => ({ ...item }));
  const last = copy[copy.length - 1];
  if (last !== undefined) last.breakpoint = ttl;
  return copy;
}

/** Sum of the prompt fields of a usage. */
export function promptTotal(usage: {
  inputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

export const minute = 60_000;
