/**
 * `cacheAware`: wraps another strategy and decides WHEN it may compact, so that compactions are rare, large
 * and pay for themselves under provider prompt caching.
 *
 * 1. Watermarks. Nothing happens until the prompt passes the high watermark; then the inner strategy is asked
 *    to get down to the low watermark (passed as the `targetTokens` hint), so one compaction buys many calls.
 * 2. Idle moments. When the cache has expired anyway (`now − lastCallAt > ttlMs`), rewriting the prompt costs
 *    nothing extra, so compaction already starts at the lower idle watermark.
 * 3. Economics. The inner strategy is dry-run (no model is called) to learn what it would remove, and the
 *    compaction goes ahead only if the net saving is positive:
 *
 *    `net = removedTokens × P × remainingCalls − rewrittenTokens × (cacheWrite − cacheRead) − summarizerCost`
 *
 *    where `P` is the cache-read price when the cache is warm (the removed tokens would be read from the cache
 *    on every later call) and the input price when it is cold; the rewrite term is `0` when the cache is cold.
 *    `rewrittenTokens` are the tokens of the compacted view from its first changed message on, less those the
 *    call writes anyway (past the previous call's warm prefix). `remainingCalls` is
 *    `context.expectedRemainingCalls`, else the calls made so far, capped at `maxHorizon`. The summarizer's
 *    cost is estimated when the dry run wrote a summary. Without prices, only the watermarks decide.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Message } from "../src/transcript/types.js";
import {
  compactionEconomics,
  defaultHorizonCap,
  expectedRemainingCalls,
  isCacheWarm,
  isLongCache,
} from "./internal/economics.js";
import { isDryRun, withHints } from "./internal/hints.js";
import { firstChangedIndex, replacementTokens, tokensBetween } from "./internal/view.js";
import type { CompactionResult, Strategy, StrategyContext } from "./types.js";

/** Options of {@link cacheAware}. */
export interface CacheAwareOptions {
  /** Prompt tokens above which compaction starts. @default `highWatermarkRatio` of the context window, or 100,000 when it is unknown */
  highWatermark?: number;
  /**
   * Prompt tokens a compaction should get down to (ignored when not below the high watermark).
   * @default `highWatermark × lowWatermarkRatio / highWatermarkRatio` (40% of the window with the default ratios)
   */
  lowWatermark?: number;
  /** Prompt tokens above which compaction starts when the cache has expired. @default halfway between the low and high watermarks */
  idleWatermark?: number;
  /** @default 0.6 */
  highWatermarkRatio?: number;
  /** @default 0.4 */
  lowWatermarkRatio?: number;
  /** Longest horizon, in calls, when the remaining calls are estimated from the calls made so far. @default 50 */
  maxHorizon?: number;
  /**
   * Summarizer price as a share of the session model's price, to estimate a summary's cost
   * (`(removedTokens × input + 1000 × output) × share`).
   * @default 0.25
   */
  summarizerPriceRatio?: number;
}

const unknownWindowHigh = 100_000;

function positive(field: string, value: number | undefined, upTo = Number.POSITIVE_INFINITY): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0 && value <= upTo)) {
    throw new InvalidOptionError(field, upTo === 1 ? "a number in (0, 1]" : "a positive number", value);
  }
}

/** The watermarks, in tokens, for a context (pressure lowers them all). */
export function watermarks(
  options: CacheAwareOptions,
  context: Pick<StrategyContext, "contextWindow" | "pressure">,
): { high: number; low: number; idle: number } {
  const { highWatermarkRatio = 0.6, lowWatermarkRatio = 0.4 } = options;
  const window = context.contextWindow;
  const high = options.highWatermark ?? (window ? window * highWatermarkRatio : unknownWindowHigh);
  const derivedLow = (high * lowWatermarkRatio) / highWatermarkRatio;
  // An explicit low watermark above a high one derived from a small window gives way to the derived one.
  const low =
    options.lowWatermark !== undefined && options.lowWatermark < high ? options.lowWatermark : derivedLow;
  const idle = options.idleWatermark ?? (low + high) / 2;
  const scale = 1 - Math.min(1, Math.max(0, context.pressure ?? 0)) / 2;
  return { high: high * scale, low: low * scale, idle: idle * scale };
}

/** Creates the cache-aware wrapper around `inner`. */
export function cacheAware(inner: Strategy, options: CacheAwareOptions = {}): Strategy {
  if (typeof inner?.compact !== "function") throw new InvalidOptionError("inner", "a strategy", inner);
  const { maxHorizon = defaultHorizonCap, summarizerPriceRatio = 0.25 } = options;
  positive("highWatermark", options.highWatermark);
  positive("lowWatermark", options.lowWatermark);
  positive("idleWatermark", options.idleWatermark);
  positive("highWatermarkRatio", options.highWatermarkRatio, 1);
  positive("lowWatermarkRatio", options.lowWatermarkRatio, 1);
  positive("summarizerPriceRatio", summarizerPriceRatio);
  if (!Number.isInteger(maxHorizon) || maxHorizon < 1) {
    throw new InvalidOptionError("maxHorizon", "a positive integer", maxHorizon);
  }
  if ((options.lowWatermarkRatio ?? 0.4) >= (options.highWatermarkRatio ?? 0.6)) {
    throw new InvalidOptionError("lowWatermarkRatio", "below highWatermarkRatio", options.lowWatermarkRatio);
  }
  if (options.lowWatermark !== undefined && options.highWatermark !== undefined) {
    if (options.lowWatermark >= options.highWatermark) {
      throw new InvalidOptionError(
        "lowWatermark",
        `below highWatermark (${options.highWatermark})`,
        options.lowWatermark,
      );
    }
  }

  return {
    name: `cache-aware(${inner.name})`,
    async compact(messages: readonly Message[], context: StrategyContext): Promise<CompactionResult | null> {
      const { tokens } = context;
      const { high, low, idle } = watermarks(options, context);
      const warm = isCacheWarm(context.cache);
      if (tokens.total <= (warm ? high : idle)) return null;

      const dry = await inner.compact(messages, withHints(context, { targetTokens: low, dryRun: true }));
      if (dry === null || dry.removed.tokens <= 0) return null;

      let verdict = "";
      if (context.prices) {
        const first = firstChangedIndex(messages, dry);
        const newTail =
          replacementTokens(tokens, messages, dry.replacement)
            .slice(first)
            .reduce((sum, count) => sum + count, 0) + tokensBetween(tokens, dry.keepFrom, messages.length);
        const warmPrefix = context.cache?.warmPrefixTokens;
        const writtenAnyway = warmPrefix === undefined ? 0 : Math.max(0, tokens.total - warmPrefix);
        const summarizerCostUsd = dry.summary
          ? ((dry.removed.tokens * context.prices.input + 1000 * context.prices.output) / 1_000_000) *
            summarizerPriceRatio
          : 0;
        const remainingCalls = expectedRemainingCalls(context, maxHorizon);
        const economics = compactionEconomics({
          removedTokens: dry.removed.tokens,
          rewrittenTokens: Math.max(0, newTail - writtenAnyway),
          prices: context.prices,
          cacheWarm: warm,
          longCache: isLongCache(context.cache),
          remainingCalls,
          summarizerCostUsd,
        });
        if (economics.netSavingUsd <= 0) return null;
        verdict = ` (cache-aware: ${warm ? "warm" : "cold"} cache, projected net saving $${economics.netSavingUsd.toFixed(4)} over ${remainingCalls} calls)`;
      }

      // A dry run that called no model is exactly what the real run would do.
      const result =
        dry.summary === undefined || isDryRun(context)
          ? dry
          : await inner.compact(messages, withHints(context, { targetTokens: low, dryRun: false }));
      if (result === null || result.removed.tokens <= 0) return null;
      return { ...result, removed: { ...result.removed, description: result.removed.description + verdict } };
    },
  };
}
