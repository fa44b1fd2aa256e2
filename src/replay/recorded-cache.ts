/**
 * What a transcript's recorded usage says about the prompt cache it ran with, so that a replay starts from the
 * same cache state as the recorded session did:
 *
 * - the cache lifetime: Claude Code (2.1 and later) writes with `"ttl": "1h"`, visible in the usage's
 *   `cache_creation.ephemeral_1h_input_tokens`; a replay with 5-minute entries would re-write the prompt after
 *   every idle gap the real session survived;
 * - a warm start: a session's first call often reads from the cache already (the system prompt and tools
 *   cached by an earlier session, or the parent's whole conversation for a subagent or Claude Code's
 *   compaction call). The replay warms its simulator with the same prefix just before the first call.
 *
 * @module
 */
import type { CacheSimulator, CacheTtl, PromptSegment } from "../cache/index.js";
import type { Transcript } from "../transcript/types.js";

/** The lifetime most of the transcript's recorded cache writes used; `"5m"` when none were recorded. */
export function recordedTtl(transcript: Transcript): CacheTtl {
  let fiveMinutes = 0;
  let oneHour = 0;
  for (const call of transcript.calls) {
    fiveMinutes += call.usage?.cacheWrite5mTokens ?? 0;
    oneHour += call.usage?.cacheWrite1hTokens ?? 0;
  }
  return oneHour > fiveMinutes ? "1h" : "5m";
}

/** Prompt tokens the transcript's first call read from the cache (0 when not recorded). */
export function recordedWarmTokens(transcript: Transcript): number {
  return transcript.calls[0]?.usage?.cacheReadTokens ?? 0;
}

/**
 * The fixed prefix (system prompt, tools, and what the log did not keep) as cache segments, with a breakpoint
 * at its end. When the first call read fewer tokens than the prefix holds, the prefix is split there: what
 * was read is the part earlier sessions had cached (typically the system prompt and tools), and the warm-up
 * can then hold exactly that part.
 */
export function fixedSegments(tokens: number, warmTokens: number, ttl: CacheTtl): PromptSegment[] {
  if (tokens <= 0) return [];
  if (warmTokens <= 0 || warmTokens >= tokens) return [{ hash: "fixed", tokens, breakpoint: ttl }];
  return [
    { hash: "fixed:cached", tokens: warmTokens },
    { hash: "fixed:rest", tokens: tokens - warmTokens, breakpoint: ttl },
  ];
}

/**
 * The leading segments of a prompt whose total is closest to `warmTokens` (at least one segment), with a
 * breakpoint of lifetime `ttl` on the last: the prefix the cache held before the first call.
 */
export function warmPrefix(
  segments: readonly PromptSegment[],
  warmTokens: number,
  ttl: CacheTtl,
): PromptSegment[] {
  if (warmTokens <= 0 || segments.length === 0) return [];
  let best = 1;
  let bestGap = Number.POSITIVE_INFINITY;
  let total = 0;
  for (const [index, segment] of segments.entries()) {
    total += segment.tokens;
    const gap = Math.abs(total - warmTokens);
    if (gap < bestGap) {
      bestGap = gap;
      best = index + 1;
    }
    if (total > warmTokens) break;
  }
  const prefix = segments.slice(0, best);
  const last = prefix[best - 1] as PromptSegment;
  prefix[best - 1] = { ...last, breakpoint: ttl };
  return prefix;
}

/**
 * Warms `simulator` with the prefix of the first call's prompt that the recorded session found cached, one
 * second before that call. Returns the number of tokens warmed (0 when the first call read nothing).
 */
export function warmFromRecord(
  simulator: CacheSimulator,
  segments: readonly PromptSegment[],
  warmTokens: number,
  ttl: CacheTtl,
  firstCallAt: number,
): number {
  const prefix = warmPrefix(segments, warmTokens, ttl);
  if (prefix.length === 0) return 0;
  simulator.call(prefix, firstCallAt - 1000);
  return prefix.reduce((sum, segment) => sum + segment.tokens, 0);
}
