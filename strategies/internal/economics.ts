/**
 * The one formula compactor uses to decide whether a compaction pays, shared by the cache-aware strategy
 * and the `economic` trigger.
 *
 * With provider caching a compaction has a one-time cost and a saving on this call and every later one:
 *
 * - one-time cost = `rewrittenTokens × (cacheWrite − cacheRead)` when the cache is warm (those tokens would
 *   have been read from the cache and are now written again), `0` when it is cold (they would have been
 *   written anyway), plus the summarizer's cost;
 * - saving on this call = `removedTokens × cacheWrite` when the cache is cold (the call writes the whole
 *   prompt anyway, now a shorter one), `0` when it is warm (the removed tokens would have been read, and the
 *   rewrite term already counts that);
 * - saving per later call = `removedTokens × cacheRead`: later calls are assumed to come within the cache
 *   lifetime and to read their prefix (the cheapest assumption, so the saving is never overstated);
 * - net saving = `savingNow + savingPerCall × remainingCalls − oneTimeCost`.
 *
 * All prices are dollars per million tokens, as in {@link PriceView}.
 *
 * @module
 */
import type { CacheView, PriceView, SummaryEstimate } from "../types.js";

/**
 * Prior size of a model-written summary, in provider tokens: Claude Code's own compaction summaries in the
 * recorded sessions (`../shared/transcripts/claude-code`, the `isCompactSummary` message after each
 * `compact_boundary`, and the `acompact` subagent's answer in marot-spotter) are 3,162–3,698 o200k tokens on
 * the three marot-spotter sessions (3.8–4.4k Claude tokens at the 1.2 prior ratio) and 2,883 o200k tokens
 * at the median of all 33 (p25 2,368, p75 3,579).
 */
export const summaryPriorTokens = 4000;

/** Tokens of the summarizer's own instructions, added to the span it reads (`buildSummaryPrompt`). */
export const summaryPromptTokens = 500;

/**
 * Expected dollars of a summary of `spanTokens` prompt tokens: the span (plus the summarizer's instructions) at
 * the summarizer's input price and the expected summary at its output price; `undefined` when its prices are
 * unknown.
 */
export function summaryCostUsd(estimate: SummaryEstimate, spanTokens: number): number | undefined {
  const prices = estimate.prices;
  if (prices === undefined) return undefined;
  return (
    ((Math.max(0, spanTokens) + summaryPromptTokens) * prices.input +
      estimate.expectedTokens * prices.output) /
    perMillion
  );
}

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
  /** Rewrite premium of the warm tail plus the summarizer. */
  oneTimeCostUsd: number;
  /** What this call saves by itself: the write of the removed tokens when the cache is cold, else `0`. */
  immediateSavingUsd: number;
  /** What each later call saves: the removed tokens at the cache-read price. */
  savingPerCallUsd: number;
  /** `immediateSavingUsd + savingPerCallUsd × remainingCalls`. */
  grossSavingUsd: number;
  /** `grossSavingUsd − oneTimeCostUsd`; the compaction pays when it is positive. */
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
  const oneTimeCostUsd =
    (rewritten * rewritePremium) / perMillion + Math.max(0, input.summarizerCostUsd ?? 0);
  const immediateSavingUsd = cacheWarm ? 0 : (removed * writePrice) / perMillion;
  const savingPerCallUsd = (removed * prices.cacheRead) / perMillion;
  const grossSavingUsd = immediateSavingUsd + savingPerCallUsd * Math.max(0, input.remainingCalls);
  return {
    oneTimeCostUsd,
    immediateSavingUsd,
    savingPerCallUsd,
    grossSavingUsd,
    netSavingUsd: grossSavingUsd - oneTimeCostUsd,
  };
}

/**
 * True when a compaction's net saving is positive and at least `multiple` times its one-time cost: with
 * `multiple = 3`, the projected saving would still cover the cost if the session made a quarter of the calls
 * it is expected to. `multiple = 0` is "net saving > 0".
 */
export function paysBack(economics: CompactionEconomics, multiple: number): boolean {
  return economics.netSavingUsd > 0 && economics.netSavingUsd >= multiple * economics.oneTimeCostUsd;
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

/** The inputs of {@link estimatedSpendUsd}. */
export interface SpendInput {
  /** Calls made before this one. */
  callIndex: number;
  /** Prompt tokens of this call (the view as it stands). */
  promptTokens: number;
  /** Tokens of the fixed prefix (system prompt, tools). */
  fixedTokens: number;
  prices: PriceView;
  /** Whether the session writes 1-hour cache entries. @default false */
  longCache?: boolean;
}

/**
 * What the session has spent on its prompts so far, estimated from what a strategy sees: every token of the
 * current prompt written to the cache once, and each call before this one reading a prompt that grew evenly
 * from the fixed prefix to the current size. Output tokens and the rewrites of the agent's own history are left
 * out, and after a compaction the prompt is the compacted one, so the estimate is low (on the recorded Claude
 * Code sessions about half of what no compaction spent by then): a budget taken as a share of it is cautious.
 */
export function estimatedSpendUsd(input: SpendInput): number {
  const { prices } = input;
  const prompt = Math.max(0, input.promptTokens);
  const fixed = Math.min(prompt, Math.max(0, input.fixedTokens));
  const writePrice = input.longCache ? prices.cacheWrite1h : prices.cacheWrite5m;
  const reads = Math.max(0, input.callIndex) * ((fixed + prompt) / 2) * prices.cacheRead;
  return (reads + prompt * writePrice) / perMillion;
}

/**
 * What a compaction costs on its own call beyond what not compacting would: its one-time cost less what the call
 * saves by itself (negative when the call is cheaper, as when the cache has expired anyway). It is the most a
 * session can regret the compaction by if it stops right after it.
 */
export function excessNowUsd(economics: CompactionEconomics): number {
  return economics.oneTimeCostUsd - economics.immediateSavingUsd;
}

/** Default cap of {@link expectedRemainingCalls}. */
export const defaultHorizonCap = 50;

/** How {@link expectedRemainingCalls} estimates the horizon when the context gives none. */
export interface HorizonOptions {
  /** Longest horizon, in calls. @default 50 */
  cap?: number;
  /** Calls still to come for each call made so far. @default 1 */
  ratio?: number;
}

/**
 * Calls the session is expected to make after this one: the context's own estimate when given, else
 * `ratio` times as many as it has made so far (`callIndex`, rounded down), capped at `cap`. A number for
 * `options` is the cap (with ratio 1). The estimate never looks at how long the session will really be.
 */
export function expectedRemainingCalls(
  context: { expectedRemainingCalls?: number; callIndex: number },
  options: number | HorizonOptions = {},
): number {
  if (context.expectedRemainingCalls !== undefined) return Math.max(0, context.expectedRemainingCalls);
  const { cap = defaultHorizonCap, ratio = 1 } = typeof options === "number" ? { cap: options } : options;
  return Math.min(Math.floor(Math.max(0, context.callIndex) * ratio), cap);
}
