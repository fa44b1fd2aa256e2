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
  type CompactionEconomics,
  compactionEconomics,
  expectedRemainingCalls,
  isCacheWarm,
  isLongCache,
  paysBack,
} from "./internal/economics.js";
import { withHints } from "./internal/hints.js";
import { firstChangedIndex, replacementTokens, tokensBetween } from "./internal/view.js";
import type { CompactionResult, Strategy, StrategyContext } from "./types.js";
import {
  type CacheAwareOptions,
  type CacheAwareSettings,
  checkCacheAwareOptions,
  watermarks,
} from "./cache-aware-options.js";

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
  warm: boolean;
  pressure: number;
  remainingCalls: number;
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
  const why = needed ? "above the high watermark" : `${Math.round(share * 100)}% of the prompt`;
  return ` (cache-aware: ${why}, ${warm ? "warm" : "cold"} cache, projected net saving $${economics.netSavingUsd.toFixed(4)} over ${input.remainingCalls} calls, one-time cost $${economics.oneTimeCostUsd.toFixed(4)})`;
}

/**
 * Tokens this call writes to the cache even without a compaction: what came after the previous call's
 * prompt (from the start of the last assistant run, the previous response, on), and no more than the part
 * past the previous call's warm prefix when that is known. (A provider that reports no cache writes, such as
 * OpenAI, reports a warm prefix that misses what the previous call added, hence the first bound.)
 */
function newTokens(messages: readonly Message[], context: StrategyContext): number {
  let start = messages.length;
  while (start > 0 && messages[start - 1]?.role !== "assistant") start--;
  while (start > 0 && messages[start - 1]?.role === "assistant") start--;
  const appended = tokensBetween(context.tokens, start, messages.length);
  const warmPrefix = context.cache?.warmPrefixTokens;
  return warmPrefix === undefined
    ? appended
    : Math.min(appended, Math.max(0, context.tokens.total - warmPrefix));
}

/** The prices-and-cache verdict on a dry run (`undefined` economics when prices are unknown). */
function economicsOf(
  messages: readonly Message[],
  context: StrategyContext,
  dry: CompactionResult,
  remainingCalls: number,
  summarizerPriceRatio: number,
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
      .reduce((sum, count) => sum + count, 0) + tokensBetween(tokens, dry.keepFrom, messages.length);
  const writtenAnyway = newTokens(messages, context);
  const summarizerCostUsd = dry.summary
    ? ((dry.removed.tokens * prices.input + 1000 * prices.output) / 1_000_000) * summarizerPriceRatio
    : 0;
  return compactionEconomics({
    removedTokens: dry.removed.tokens,
    rewrittenTokens: Math.max(0, newTail - writtenAnyway),
    prices,
    cacheWarm: isCacheWarm(context.cache),
    longCache: isLongCache(context.cache),
    remainingCalls,
    summarizerCostUsd,
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
      const needed = total > marks.high;
      // Below the window's high watermark only the economics can call for a compaction.
      if (!needed && (context.prices === undefined || total <= (warm ? marks.floor : marks.idle)))
        return null;
      const remainingCalls = expectedRemainingCalls(context, { cap: maxHorizon, ratio: horizonRatio });
      if (!needed && warm && remainingCalls === 0) return null;

      const target = needed ? Math.min(marks.low, total * targetShare) : total * targetShare;
      const dry = await inner.compact(messages, withHints(context, { targetTokens: target, dryRun: true }));
      if (dry === null || dry.removed.tokens <= 0) return null;
      const note = judge({
        share: dry.removed.tokens / total,
        needed,
        warm,
        pressure,
        remainingCalls,
        settings,
        economics: economicsOf(messages, context, dry, remainingCalls, summarizerPriceRatio),
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
