/**
 * The default strategy: cache-aware compaction of a pipeline that masks old tool results first and
 * summarizes old turns only if the prompt is still above the target.
 *
 * The cache-aware wrapper decides from the prices and the cache state: nothing below 20,000 prompt tokens;
 * above that, a compaction goes ahead only when it removes at least 40% of the prompt (25% when the cache has
 * expired anyway) and its projected net saving, over half as many calls again as the session has made
 * (at most 50), is at least 4 times its one-time cost (cache rewrite plus summarizer). Past 60% of the model's
 * context window the window decides. On the 93 recorded sessions of `../shared/transcripts` this costs more
 * than no compaction on one (2.3%, Anthropic prices: it compacts five calls before the recorded agent compacts
 * its own context) and on none under OpenAI caching or without caching (`benchmarks/strategies/cache-effect.ts`).
 *
 * @module
 */
import { type CacheAwareOptions, cacheAware } from "./cache-aware.js";
import { type ObservationMaskingOptions, observationMasking } from "./observation-masking.js";
import { pipeline } from "./pipeline.js";
import { type SummarizeOptions, summarize } from "./summarize.js";
import type { Strategy } from "./types.js";

/** Options of {@link defaultStrategy}, one object per part. */
export interface DefaultStrategyOptions {
  /** @default the defaults of {@link observationMasking} */
  masking?: ObservationMaskingOptions;
  /** @default the defaults of {@link summarize} */
  summarize?: SummarizeOptions;
  /** @default the defaults of {@link cacheAware} */
  cacheAware?: CacheAwareOptions;
}

/**
 * `cacheAware(pipeline(observationMasking(), summarize()))`, each part with its own defaults unless
 * `options` says otherwise.
 */
export function defaultStrategy(options: DefaultStrategyOptions = {}): Strategy {
  return cacheAware(
    pipeline(observationMasking(options.masking), summarize(options.summarize)),
    options.cacheAware,
  );
}
