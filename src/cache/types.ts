/**
 * Types of the prompt-cache model. The model never sees text: a prompt is a list of {@link PromptSegment}s
 * in the order the provider renders them (tools, system, then message blocks), each with a stable content
 * hash and a token count. That keeps it independent of any tokenizer and fast enough to replay thousands of
 * sessions.
 *
 * @module
 */
import type { Usage } from "../transcript/types.js";

/** Lifetime of an Anthropic cache entry written at a breakpoint. */
export type CacheTtl = "5m" | "1h";

/** One block of a prompt, as the cache model sees it. */
export interface PromptSegment {
  /**
   * Content hash of this block, stable across calls: the same block sent again must have the same hash.
   * It should include what the provider renders around the block (its role, whether it starts a message),
   * so that equal text in a different place does not match.
   */
  hash: string;
  /** Tokens of this block as the provider counts them (or an estimate). */
  tokens: number;
  /** A `cache_control` breakpoint on this block, with its lifetime. Absent: no breakpoint. */
  breakpoint?: CacheTtl;
}

/**
 * The prompt part of a call's usage: exactly the prompt fields of the neutral {@link Usage}, all disjoint.
 * Their sum is the prompt's total tokens.
 */
export type PromptUsage = Pick<
  Usage,
  "inputTokens" | "cacheReadTokens" | "cacheWrite5mTokens" | "cacheWrite1hTokens"
>;

/** Something legal for the simulator but wrong or risky for the provider (the API would reject the call). */
export interface CacheWarning {
  /** Stable code: `too-many-breakpoints`, `ttl-order`. */
  code: "too-many-breakpoints" | "ttl-order";
  message: string;
  /** Zero-based index of the call (since the simulator was created) that raised it. */
  call: number;
}

/** One live cache entry, serialised: `[prefixKey, createdAt, lastUsedAt, ttlMs]`. */
export type SerializedCacheEntry = [key: number, createdAt: number, lastUsedAt: number, ttlMs: number];

/** Everything a simulator remembers between calls, as plain JSON. */
export interface CacheSimulatorState {
  version: 1;
  provider: "anthropic" | "openai";
  /** Timestamp of the latest call, in milliseconds; `0` before any call with a timestamp. */
  clock: number;
  /** Number of calls made so far. */
  calls: number;
  entries: SerializedCacheEntry[];
}

/** The common face of every simulator. */
export interface CacheSimulator {
  readonly provider: "anthropic" | "openai";
  /** The model whose rules apply (minimum cacheable length and the like). */
  readonly model: string;
  /**
   * Predicts how the provider bills the prompt of one call and updates the cache as the call would.
   * @param segments The prompt, in rendering order.
   * @param timestamp Milliseconds since the epoch when the call was made. When omitted, no time is taken
   *   to have passed since the previous call.
   * @param unchangedBefore Optional hint: the caller guarantees that `segments[0..unchangedBefore)` have the
   *   same hashes as the segments at those indices in the previous call (tokens and breakpoints may differ),
   *   so they are not compared again. Omit it when unsure; the result is the same either way.
   */
  call(segments: readonly PromptSegment[], timestamp?: number, unchangedBefore?: number): PromptUsage;
  /** Warnings raised so far, oldest first (at most 100 are kept). */
  readonly warnings: readonly CacheWarning[];
  /** The simulator's memory as JSON; pass it back as `state` to {@link CacheSimulator} factories to resume. */
  snapshot(): CacheSimulatorState;
  /** Forgets every entry, the clock and the warnings. */
  reset(): void;
}
