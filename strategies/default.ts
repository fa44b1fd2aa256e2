/**
 * The default strategy: cache-aware compaction of a pipeline that masks old tool results first and
 * summarizes old turns only if the prompt is still above the target.
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

/** `cacheAware(pipeline(observationMasking(), summarize()))`. */
export function defaultStrategy(options: DefaultStrategyOptions = {}): Strategy {
  return cacheAware(
    pipeline(observationMasking(options.masking), summarize(options.summarize)),
    options.cacheAware,
  );
}
