/**
 * `cacheAware`: wraps another strategy and decides WHEN it may compact, so that compactions are rare, large
 * and pay for themselves under provider prompt caching (see `internal/economics.ts` for the formula).
 *
 * 1. Economic compaction. Once the prompt passes `minPromptTokens` (with a cold cache: `idleWatermark`), the
 *    inner strategy is dry-run (no model is called) with a target of `targetShare` of the prompt, to learn
 *    what it would remove. The compaction goes ahead only when it is large (it removes at least
 *    `minRemovedShare` of the prompt; `idleMinRemovedShare` when the cache has expired anyway) and its net
 *    saving over the expected remaining calls is at least `paybackMultiple` times its one-time cost:
 *
 *    `oneTime = rewritten × (cacheWrite − cacheRead) + summarizer`
 *    `net = savingNow + removed × cacheRead × remainingCalls − oneTime ≥ paybackMultiple × oneTime`
 *
 *    `cacheWrite` is the 1-hour write price when the session's cache lifetime (`context.cache.ttlMs`: the
 *    request's, the provider's report, the default) is over 5 minutes. When a model will write a summary,
 *    `summarizer` is priced at the summarizer model's own prices (`context.summaryEstimate`), and the summary's
 *    expected size beyond the dry run's extract is taken off `removed` and added to `rewritten`.
 *
 *    `rewritten` is the compacted view from its first changed message on (from its first message for
 *    Anthropic, whose cache entries sit at breakpoints: earlier ones have expired), less what the call writes
 *    anyway (the messages since the previous call); it is `0`, and `savingNow = removed × cacheWrite`, when
 *    the cache is cold. `remainingCalls` is `context.expectedRemainingCalls`, else `horizonRatio` × the calls made
 *    so far, capped at `maxHorizon`: a live strategy cannot know how long the session will be.
 * 2. The window. Above the high watermark (`highWatermarkRatio` of the context window) the prompt must
 *    shrink: the inner strategy is asked for the low watermark, and its compaction goes ahead, whatever share
 *    it removes, when its net saving is positive (so that a strategy that can only shave a little does not
 *    rewrite the cache on every call). Without prices only this rule applies.
 *
 * Budget pressure lowers every watermark and the removed share (to half at full pressure) and the payback
 * multiple (to 0).
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Message } from "../src/transcript/types.js";
import {
  type CacheAwareOptions,
  type CacheAwareSettings,
  checkCacheAwareOptions,
  watermarks,
} from "./cache-aware-options.js";
import {
  type CompactionEconomics,
  compactionEconomics,
  estimatedSpendUsd,
  excessNowUsd,
  expectedRemainingCalls,
  isCacheWarm,
  isLongCache,
  paysBack,
  summaryCostUsd,
  summaryPromptTokens,
} from "./internal/economics.js";
import { withHints } from "./internal/hints.js";
import { firstChangedIndex, newTokens, replacementTokens, tokensBetween } from "./internal/view.js";
import type { CompactionResult, Strategy, StrategyContext } from "./types.js";

export { type CacheAwareOptions, watermarks } from "./cache-aware-options.js";

function clamp01(value: number | undefined): number {
  return Math.min(1, Math.max(0, value ?? 0));
}

/** What the wrapper knows when it judges a dry run. */
interface Judgement {
  /** Share of the prompt the dry run removed. */
  share: number;
  /** Above the high watermark: the window calls for a compaction. */
  needed: boolean;
  /** Above the forced watermark: the window's compaction goes ahead whatever it costs on its own call. */
  forced: boolean;
  warm: boolean;
  pressure: number;
  remainingCalls: number;
  /** The session's estimated spend so far (`undefined` when prices are unknown). */
  spentUsd: number | undefined;
  settings: CacheAwareSettings;
  /** `undefined` when prices are unknown. */
  economics: CompactionEconomics | undefined;
}

/** Whether the dry run's compaction goes ahead; `null` when it does not, else the note for the event log. */
function judge(input: Judgement): string | null {
  const { share, needed, warm, pressure, settings, economics } = input;
  const minimumShare = warm ? settings.minRemovedShare : settings.idleMinRemovedShare;
  if (!needed && share < minimumShare * (1 - pressure / 2)) return null;
  if (economics === undefined) return " (cache-aware: above the high watermark)";
  const multiple = needed ? 0 : settings.paybackMultiple * (1 - pressure);
  if (!paysBack(economics, multiple)) return null;
  // Stopping right after the compaction must not cost more than `maxRegret` of what the session spent so far,
  // unless the prompt is so near the window that it cannot wait.
  if (!input.forced && excessNowUsd(economics) > settings.maxRegret * (input.spentUsd ?? 0)) return null;
  const why = needed ? "above the high watermark" : `${Math.round(share * 100)}% of the prompt`;
  return ` (cache-aware: ${why}, ${warm ? "warm" : "cold"} cache, projected net saving $${economics.netSavingUsd.toFixed(4)} over ${input.remainingCalls} calls, one-time cost $${economics.oneTimeCostUsd.toFixed(4)})`;
}

/**
 * What the dry run cannot see of the summary a model will write: how many tokens larger it will be than the
 * dry run's extractive stand-in (it rides in every later prompt, so it is taken off the removed tokens and
 * added to the rewritten ones), and what the summarizer call will cost. Both from `context.summaryEstimate`
 * (the summarizer model's own prices, the session's summaries so far; `withCompaction` and the bench always
 * give it). Without it, the dry run's summary size is trusted and the summary is priced at
 * `summarizerPriceRatio` of the session model's prices. Nothing when no model will be called (no summarizer:
 * the strategy writes the free extract the dry run measured).
 */
function summaryAdjustment(
  messages: readonly Message[],
  context: StrategyContext,
  dry: CompactionResult,
  summarizerPriceRatio: number,
): { extraTokens: number; costUsd: number } {
  if (dry.summary === undefined || context.summarize === undefined) return { extraTokens: 0, costUsd: 0 };
  const counts = replacementTokens(context.tokens, messages, dry.replacement);
  let drySummaryTokens = 0;
  dry.replacement.forEach((message, index) => {
    if (message !== messages[index] && message.content.some((block) => block.type === "summary"))
      drySummaryTokens += counts[index] ?? 0;
  });
  const estimate = context.summaryEstimate;
  // The summarizer reads the span the summary replaces: what the dry run removed plus its own summary.
  const span = dry.removed.tokens + drySummaryTokens;
  const prices = context.prices;
  const ratioCost = (output: number): number =>
    prices
      ? (((span + summaryPromptTokens) * prices.input + output * prices.output) / 1_000_000) *
        summarizerPriceRatio
      : 0;
  // Without an estimate (a strategy run outside withCompaction and the bench), the dry run's size is trusted.
  if (estimate === undefined) return { extraTokens: 0, costUsd: ratioCost(Math.max(drySummaryTokens, 1000)) };
  return {
    extraTokens: Math.max(0, estimate.expectedTokens - drySummaryTokens),
    costUsd: summaryCostUsd(estimate, span) ?? ratioCost(estimate.expectedTokens),
  };
}

/** The prices-and-cache verdict on a dry run (`undefined` economics when prices are unknown). */
function economicsOf(
  messages: readonly Message[],
  context: StrategyContext,
  dry: CompactionResult,
  remainingCalls: number,
  summary: { extraTokens: number; costUsd: number },
): CompactionEconomics | undefined {
  const { tokens, prices } = context;
  if (!prices) return undefined;
  // Anthropic (Claude, whatever the wire format) caches at breakpoints: once the prompt changes, the entries
  // of earlier messages have long expired (only the system prompt and tools, outside the messages, stay
  // warm), so the whole compacted view is written again. Automatic prefix caching (OpenAI) re-writes from the
  // first changed message on.
  const breakpointCache = context.provider === "anthropic" || /claude/i.test(context.model);
  const first = breakpointCache ? 0 : firstChangedIndex(messages, dry);
  const newTail =
    replacementTokens(tokens, messages, dry.replacement)
      .slice(first)
      .reduce((sum, count) => sum + count, 0) +
    tokensBetween(tokens, dry.keepFrom, messages.length) +
    summary.extraTokens;
  const writtenAnyway = newTokens(messages, context);
  return compactionEconomics({
    removedTokens: dry.removed.tokens - summary.extraTokens,
    rewrittenTokens: Math.max(0, newTail - writtenAnyway),
    prices,
    cacheWarm: isCacheWarm(context.cache),
    longCache: isLongCache(context.cache),
    remainingCalls,
    summarizerCostUsd: summary.costUsd,
  });
}

/** Creates the cache-aware wrapper around `inner`. */
export function cacheAware(inner: Strategy, options: CacheAwareOptions = {}): Strategy {
  if (typeof inner?.compact !== "function") throw new InvalidOptionError("inner", "a strategy", inner);
  const settings = checkCacheAwareOptions(options);
  const { maxHorizon, horizonRatio, summarizerPriceRatio, targetShare } = settings;

  return {
    name: `cache-aware(${inner.name})`,
    weighsCache: true,
    async compact(messages: readonly Message[], context: StrategyContext): Promise<CompactionResult | null> {
      const { total } = context.tokens;
      const pressure = clamp01(context.pressure);
      const marks = watermarks(options, context);
      const warm = isCacheWarm(context.cache);
      // A window guessed (none known, no high watermark given) never overrides the prices: with prices, only the
      // economics decide; without, the guess is all there is.
      const guessed =
        context.contextWindow === undefined &&
        options.highWatermark === undefined &&
        context.prices !== undefined;
      const needed = !guessed && total > marks.high;
      const forced = needed && total > marks.forced;
      // Below the window's high watermark only the economics can call for a compaction.
      if (!needed && (context.prices === undefined || total <= (warm ? marks.floor : marks.idle)))
        return null;
      const remainingCalls = expectedRemainingCalls(context, { cap: maxHorizon, ratio: horizonRatio });
      if (!needed && warm && remainingCalls === 0) return null;

      const target = needed ? Math.min(marks.low, total * targetShare) : total * targetShare;
      const dry = await inner.compact(messages, withHints(context, { targetTokens: target, dryRun: true }));
      if (dry === null || dry.removed.tokens <= 0) return null;
      const summary = summaryAdjustment(messages, context, dry, summarizerPriceRatio);
      const removed = dry.removed.tokens - summary.extraTokens;
      if (removed <= 0) return null;
      const note = judge({
        share: removed / total,
        needed,
        forced,
        warm,
        pressure,
        remainingCalls,
        spentUsd: context.prices
          ? estimatedSpendUsd({
              callIndex: context.callIndex,
              promptTokens: total,
              fixedTokens: context.tokens.fixed,
              prices: context.prices,
              longCache: isLongCache(context.cache),
            })
          : undefined,
        settings,
        economics: economicsOf(messages, context, dry, remainingCalls, summary),
      });
      if (note === null) return null;

      // A dry run that called no model is exactly what the real run would do.
      const result =
        dry.summary === undefined || context.dryRun === true
          ? dry
          : await inner.compact(messages, withHints(context, { targetTokens: target, dryRun: false }));
      if (result === null || result.removed.tokens <= 0) return null;
      return {
        ...result,
        removed: { ...result.removed, description: `${result.removed.description}${note}` },
      };
    },
  };
}
