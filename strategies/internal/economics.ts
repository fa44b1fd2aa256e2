/**
 * The one formula compactor uses to decide whether a compaction pays, shared by the cache-aware strategy
 * and the `economic` trigger.
 *
 * With provider caching a compaction has a one-time cost and a per-call saving:
 *
 * - one-time cost = `rewrittenTokens × (cacheWrite − cacheRead)` when the cache is warm (those tokens would
 *   have been read from the cache and are now written again), `0` when it is cold (they would have been
 *   written anyway), plus the summarizer's cost;
 * - saving per later call = `removedTokens × cacheRead` when the cache is warm (the removed tokens would
 *   otherwise be read from the cache on each call), `removedTokens × input` when it is cold (the cadence seen
 *   now, calls further apart than the cache lifetime, is the best guess for the calls to come);
 * - net saving = `savingPerCall × remainingCalls − oneTimeCost`.
 *
 * All prices are dollars per million tokens, as in {@link PriceView}.
 *
 * @module
 */
import type { CacheView, PriceView } from "../types.js";

/** The inputs of {@link compactionEconomics}. */
export interface CompactionEconomicsInput {
  /** Prompt tokens the compaction removes (before minus after). */
  removedTokens: number;
  /** Prompt tokens written to the cache again because they follow the first changed message. */
  rewrittenTokens: number;
  prices: PriceView;
  /** Whether the provider's cache still holds this session's prefix. */
  cacheWarm: boolean;
  /** Calls expected after this one. */
  remainingCalls: number;
  /** Expected dollars of the summarizer call, if the compaction writes a summary. @default 0 */
  summarizerCostUsd?: number;
  /** Whether the session writes 1-hour cache entries (priced `cacheWrite1h`) rather than 5-minute ones. @default false */
  longCache?: boolean;
}

/** The outcome of {@link compactionEconomics}, in dollars. */
export interface CompactionEconomics {
  oneTimeCostUsd: number;
  savingPerCallUsd: number;
  /** `savingPerCallUsd × remainingCalls − oneTimeCostUsd`; the compaction pays when it is positive. */
  netSavingUsd: number;
}

const perMillion = 1_000_000;

/** Applies the formula of this module. */
export function compactionEconomics(input: CompactionEconomicsInput): CompactionEconomics {
  const { prices, cacheWarm } = input;
  const removed = Math.max(0, input.removedTokens);
  const rewritten = Math.max(0, input.rewrittenTokens);
  const writePrice = input.longCache ? prices.cacheWrite1h : prices.cacheWrite5m;
  const rewritePremium = cacheWarm ? Math.max(0, writePrice - prices.cacheRead) : 0;
  const oneTimeCostUsd = (rewritten * rewritePremium) / perMillion + (input.summarizerCostUsd ?? 0);
  const savingPerCallUsd = (removed * (cacheWarm ? prices.cacheRead : prices.input)) / perMillion;
  const netSavingUsd = savingPerCallUsd * Math.max(0, input.remainingCalls) - oneTimeCostUsd;
  return { oneTimeCostUsd, savingPerCallUsd, netSavingUsd };
}

/**
 * Whether the cache still holds the session's prefix: a previous call exists and was less than the cache
 * lifetime ago. Without a {@link CacheView} the cache is assumed warm (the conservative choice: it makes
 * rewrites cost something).
 */
export function isCacheWarm(cache: CacheView | undefined): boolean {
  if (cache === undefined) return true;
  if (cache.lastCallAt === undefined) return false;
  return cache.now - cache.lastCallAt <= cache.ttlMs;
}

/** True when the session's cache entries live longer than 5 minutes (priced as 1-hour writes). */
export function isLongCache(cache: CacheView | undefined): boolean {
  return cache !== undefined && cache.ttlMs > 5 * 60_000;
}

/** Default cap of {@link expectedRemainingCalls}. */
export const defaultHorizonCap = 50;

/**
 * Calls the session is expected to make after this one: the context's own estimate when given, else as many
 * as it has made so far (`callIndex`), capped at `cap`.
 */
export function expectedRemainingCalls(
  context: { expectedRemainingCalls?: number; callIndex: number },
  cap: number = defaultHorizonCap,
): number {
  if (context.expectedRemainingCalls !== undefined) return Math.max(0, context.expectedRemainingCalls);
  return Math.min(Math.max(0, context.callIndex), cap);
}
