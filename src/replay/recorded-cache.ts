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
import type { CallStep } from "./transcript-steps.js";

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

/** Where the replay's fixed prefix is cut, from the recorded usage. */
export interface FixedCuts {
  /** Tokens the first call read from the cache (cached by earlier sessions). */
  warmTokens: number;
  /**
   * Tokens of the prefix that survives a rewrite of the history ({@link recordedFixedTokens}): the system prompt
   * and tools. The rest of the fixed prefix is context the agent injects at the head of the conversation (Claude
   * Code's CLAUDE.md and reminders, not kept in its log), which the agent writes again after each of its own
   * compactions; it is keyed by `epoch` (how many times the recorded history was rewritten) so that the cache
   * model re-writes it there, as the recorded session did.
   */
  stableTokens?: number;
  /** How many times the recorded history was rewritten before this call. @default 0 */
  epoch?: number;
}

/**
 * The fixed prefix (system prompt, tools, and what the log did not keep) as cache segments, with a breakpoint
 * at its end. The prefix is cut where the recorded usage says the cache held part of it: at the tokens the
 * first call read (what earlier sessions had cached, so the warm-up can hold exactly that part) and at the
 * stable prefix that survives a history rewrite (with a breakpoint, where agents put one after the tools).
 */
export function fixedSegments(tokens: number, cuts: FixedCuts, ttl: CacheTtl): PromptSegment[] {
  if (tokens <= 0) return [];
  const stable =
    cuts.stableTokens !== undefined && cuts.stableTokens > 0 && cuts.stableTokens < tokens
      ? cuts.stableTokens
      : undefined;
  const points = new Set<number>([0, tokens]);
  if (cuts.warmTokens > 0 && cuts.warmTokens < tokens) points.add(cuts.warmTokens);
  if (stable !== undefined) points.add(stable);
  const sorted = [...points].sort((left, right) => left - right);
  const segments: PromptSegment[] = [];
  for (let index = 0; index + 1 < sorted.length; index++) {
    const start = sorted[index] as number;
    const end = sorted[index + 1] as number;
    const injected = stable !== undefined && start >= stable;
    const segment: PromptSegment = {
      hash: injected ? `fixed:${start}:epoch-${cuts.epoch ?? 0}` : `fixed:${start}`,
      tokens: end - start,
    };
    if (end === tokens || end === stable) segment.breakpoint = ttl;
    segments.push(segment);
  }
  return segments;
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

/**
 * The size of the prompt prefix that no history change touches (system prompt and tools, including what the log
 * did not keep), as the recorded usage states it: the tokens read from the cache at calls that shared no
 * message with the previous prompt (after a provider-side compaction) or lost the cache for no reason the
 * cache model knows (see {@link CallStep.evictedTo}). Such a call can only have read the fixed prefix. The
 * median over those calls; `undefined` when the log has none (most short sessions).
 */
export function recordedFixedTokens(
  transcript: Transcript,
  steps: readonly Pick<CallStep, "common" | "evictedTo">[],
): number | undefined {
  const reads: number[] = [];
  steps.forEach((step, index) => {
    if (index === 0 || (step.common !== 0 && step.evictedTo === undefined)) return;
    const read = transcript.calls[index]?.usage?.cacheReadTokens ?? 0;
    if (read > 0) reads.push(read);
  });
  if (reads.length === 0) return undefined;
  reads.sort((left, right) => left - right);
  return reads[Math.floor((reads.length - 1) / 2)];
}
