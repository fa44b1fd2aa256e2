/**
 * The options of the cache-aware wrapper, their defaults and validation, and the watermarks they give for a
 * context.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { StrategyContext } from "./types.js";

/** Options of `cacheAware`. */
export interface CacheAwareOptions {
  /**
   * Prompt tokens above which the window calls for a compaction whatever it saves (any positive net saving
   * will do, and the inner strategy is asked for the low watermark).
   * @default `highWatermarkRatio` of the context window, or 100,000 when it is unknown (a guess, used only when the
   * prices are unknown too: with prices and no window, the economics alone decide)
   */
  highWatermark?: number;
  /**
   * Prompt tokens a compaction above the high watermark should get down to (ignored when not below it).
   * @default `highWatermark × lowWatermarkRatio / highWatermarkRatio` (40% of the window with the default ratios)
   */
  lowWatermark?: number;
  /** @default 0.6 */
  highWatermarkRatio?: number;
  /**
   * Prompt tokens above which the window's compaction goes ahead whatever it costs on its own call. Between the
   * high watermark and this one, a compaction with a warm cache is also held by `maxRegret` (it waits for the
   * cache to expire, or for the session's spend to make its rewrite small), since the prompt still fits.
   * @default `forcedWatermarkRatio` of the context window (`highWatermark × forcedWatermarkRatio /
   * highWatermarkRatio` when a `highWatermark` is given); with neither a known window nor a `highWatermark`,
   * none (`Infinity`: no compaction is forced on the 100,000-token guess). Never below the high watermark.
   */
  forcedWatermark?: number;
  /** @default 0.85 */
  forcedWatermarkRatio?: number;
  /** @default 0.4 */
  lowWatermarkRatio?: number;
  /**
   * Prompt tokens from which an economic compaction is considered at all while the cache is warm: smaller
   * prompts cost too little for a compaction to be worth its loss of context.
   * @default 20,000
   */
  minPromptTokens?: number;
  /**
   * Prompt tokens from which an economic compaction is considered when the cache has expired anyway (idle
   * longer than its lifetime), so that rewriting the prompt costs nothing extra.
   * @default `minPromptTokens`
   */
  idleWatermark?: number;
  /**
   * Smallest share of the prompt an economic compaction must remove while the cache is warm: compactions
   * are rare and large, never a little on every call.
   * @default 0.4
   */
  minRemovedShare?: number;
  /**
   * Smallest share of the prompt an economic compaction must remove when the cache has expired.
   * @default 0.25
   */
  idleMinRemovedShare?: number;
  /**
   * Share of the current prompt the inner strategy is asked to get down to (the `targetTokens` hint) for an
   * economic compaction.
   * @default 0.5
   */
  targetShare?: number;
  /**
   * How many times a compaction's projected net saving must exceed its one-time cost (cache rewrite plus
   * summarizer) below the high watermark: a margin for the unknown length of the session (with 3, the
   * compaction still breaks even if the session makes a quarter of the calls expected).
   * @default 3
   */
  paybackMultiple?: number;
  /**
   * Calls expected after this one for each call made so far, when the context gives no
   * `expectedRemainingCalls`: half of "as many again", since a session may stop at any time.
   * @default 0.5
   */
  horizonRatio?: number;
  /** Longest horizon, in calls, when the remaining calls are estimated. @default 50 */
  maxHorizon?: number;
  /**
   * Most an economic compaction may cost on its own call beyond not compacting (its cache rewrite and summary
   * less what the call itself saves), as a share of the session's estimated spend so far (`estimatedSpendUsd`
   * in `internal/economics.ts`: a low estimate). It bounds what the session regrets if it stops right after the
   * compaction, before the saving has paid for it. Compactions with a cold cache cost nothing extra and pass;
   * the window's compactions are held by it only below the forced watermark (`forcedWatermark`). Off by default here;
   * `defaultStrategy()` sets it (`defaultMaxRegret`).
   * @default Infinity
   */
  maxRegret?: number;
  /**
   * Summarizer price as a share of the session model's price, used only when the context gives no
   * `summaryEstimate` (a strategy run outside `withCompaction` and the bench, which give the summarizer's own
   * prices and expected summary size): `((span + 500) × input + max(drySummary, 1000) × output) × share`.
   * @default 0.25
   */
  summarizerPriceRatio?: number;
}

/** The options with their defaults, validated. */
export interface CacheAwareSettings {
  minRemovedShare: number;
  idleMinRemovedShare: number;
  targetShare: number;
  paybackMultiple: number;
  horizonRatio: number;
  maxHorizon: number;
  maxRegret: number;
  summarizerPriceRatio: number;
}

const unknownWindowHigh = 100_000;

function check(
  field: string,
  value: number | undefined,
  expected: string,
  ok: (value: number) => boolean,
): void {
  if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && ok(value))) {
    throw new InvalidOptionError(field, expected, value);
  }
}

/** Validates `options` and fills in the defaults of the numbers the wrapper uses directly. */
export function checkCacheAwareOptions(options: CacheAwareOptions): CacheAwareSettings {
  for (const field of [
    "highWatermark",
    "lowWatermark",
    "forcedWatermark",
    "minPromptTokens",
    "idleWatermark",
  ] as const) {
    check(field, options[field], "a positive number", (value) => value > 0);
  }
  for (const field of [
    "highWatermarkRatio",
    "lowWatermarkRatio",
    "forcedWatermarkRatio",
    "minRemovedShare",
    "idleMinRemovedShare",
    "targetShare",
  ] as const) {
    check(field, options[field], "a number in (0, 1]", (value) => value > 0 && value <= 1);
  }
  check("paybackMultiple", options.paybackMultiple, "a non-negative number", (value) => value >= 0);
  const regret = options.maxRegret;
  if (regret !== undefined && !(typeof regret === "number" && regret >= 0)) {
    throw new InvalidOptionError("maxRegret", "a non-negative number (Infinity: no bound)", regret);
  }
  check("horizonRatio", options.horizonRatio, "a positive number", (value) => value > 0);
  check("summarizerPriceRatio", options.summarizerPriceRatio, "a positive number", (value) => value > 0);
  check(
    "maxHorizon",
    options.maxHorizon,
    "a positive integer",
    (value) => Number.isInteger(value) && value >= 1,
  );
  if ((options.lowWatermarkRatio ?? 0.4) >= (options.highWatermarkRatio ?? 0.6)) {
    throw new InvalidOptionError("lowWatermarkRatio", "below highWatermarkRatio", options.lowWatermarkRatio);
  }
  if ((options.forcedWatermarkRatio ?? 0.85) < (options.highWatermarkRatio ?? 0.6)) {
    throw new InvalidOptionError(
      "forcedWatermarkRatio",
      "at least highWatermarkRatio",
      options.forcedWatermarkRatio,
    );
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
    minRemovedShare: options.minRemovedShare ?? 0.4,
    idleMinRemovedShare: options.idleMinRemovedShare ?? 0.25,
    targetShare: options.targetShare ?? 0.5,
    paybackMultiple: options.paybackMultiple ?? 4,
    horizonRatio: options.horizonRatio ?? 0.5,
    maxHorizon: options.maxHorizon ?? 50,
    maxRegret: options.maxRegret ?? Number.POSITIVE_INFINITY,
    summarizerPriceRatio: options.summarizerPriceRatio ?? 0.25,
  };
}

/** The watermarks, in tokens, for a context. */
export interface Watermarks {
  /** The window calls for a compaction above this. */
  high: number;
  /** Target of a compaction above `high`. */
  low: number;
  /** Above this (never below `high`) the window's compaction goes ahead whatever it costs on its own call. */
  forced: number;
  /** Economic compactions are considered above this while the cache is warm. */
  floor: number;
  /** Economic compactions are considered above this when the cache has expired. */
  idle: number;
}

/** The watermarks for a context (pressure lowers them all, to half at full pressure). */
export function watermarks(
  options: CacheAwareOptions,
  context: Pick<StrategyContext, "contextWindow" | "pressure">,
): Watermarks {
  const {
    highWatermarkRatio = 0.6,
    lowWatermarkRatio = 0.4,
    forcedWatermarkRatio = 0.85,
    minPromptTokens = 20_000,
  } = options;
  const window = context.contextWindow;
  const high = options.highWatermark ?? (window ? window * highWatermarkRatio : unknownWindowHigh);
  // Without a known window nor a high watermark of the caller's, the 100,000-token high watermark is a guess: a
  // compaction there is held by `maxRegret` like any other, and nothing is forced on a guess.
  const forced = Math.max(
    high,
    options.forcedWatermark ??
      (window
        ? options.highWatermark === undefined
          ? window * forcedWatermarkRatio
          : (high * forcedWatermarkRatio) / highWatermarkRatio
        : options.highWatermark === undefined
          ? Number.POSITIVE_INFINITY
          : (high * forcedWatermarkRatio) / highWatermarkRatio),
  );
  const derivedLow = (high * lowWatermarkRatio) / highWatermarkRatio;
  // An explicit low watermark above a high one derived from a small window gives way to the derived one.
  const low =
    options.lowWatermark !== undefined && options.lowWatermark < high ? options.lowWatermark : derivedLow;
  const idle = options.idleWatermark ?? minPromptTokens;
  const scale = 1 - Math.min(1, Math.max(0, context.pressure ?? 0)) / 2;
  return {
    high: high * scale,
    low: low * scale,
    forced: forced * scale,
    floor: minPromptTokens * scale,
    idle: idle * scale,
  };
}
