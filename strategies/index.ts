/**
 * Compaction strategies and triggers.
 *
 * @module
 */
export { type CacheAwareOptions, cacheAware, watermarks } from "./cache-aware.js";
export type { Watermarks } from "./cache-aware-options.js";
export { type DefaultStrategyOptions, defaultFactCharacters, defaultStrategy } from "./default.js";
export {
  type FactSummaryOptions,
  factSummary,
  factsHeading,
  renderFacts,
  splitFacts,
} from "./fact-summary.js";
export { always, guardedStrategy } from "./guard.js";
export {
  type CompactionEconomics,
  type CompactionEconomicsInput,
  compactionEconomics,
  expectedRemainingCalls,
  type HorizonOptions,
  isCacheWarm,
  isLongCache,
  paysBack,
  summaryCostUsd,
  summaryPriorTokens,
} from "./internal/economics.js";
export { type ExtractiveOptions, extractiveSummary } from "./internal/extractive.js";
export {
  type CompactionHints,
  type HintedContext,
  isDryRun,
  targetTokensOf,
  withHints,
} from "./internal/hints.js";
export { lastThinkingToolTurn } from "./internal/tool-loop.js";
export { applyCompaction } from "./internal/view.js";
export {
  type LosslessOptions,
  losslessRemovals,
  type SupersededReason,
  supersededPlaceholder,
} from "./lossless.js";
export {
  defaultPlaceholder,
  isMaskedObservation,
  type MaskedResultInfo,
  maskMarker,
  type ObservationMaskingOptions,
  observationMasking,
} from "./observation-masking.js";
export { isNativeCompactionMessage, type NativeCompactionOptions, nativeCompaction } from "./native.js";
export {
  isOffloading,
  type OffloadOptions,
  offload,
  offloadId,
  recallHint,
  recallIdsIn,
  recallToolDefinition,
  recallToolName,
} from "./offload.js";
export { combineSummaries, composeResults, pipeline } from "./pipeline.js";
export {
  type CacheAwareByNameOptions,
  noCompaction,
  type StrategyName,
  type StrategyOptionsByName,
  strategyByName,
  strategyNames,
} from "./registry.js";
export { type SummarizeOptions, summarize, summaryTextAt } from "./summarize.js";
export {
  type AnthropicLikeClient,
  createSdkSummarizer,
  type OpenAILikeClient,
  type SdkRequestOptions,
  type SdkSummarizerOptions,
} from "./summarizer.js";
export {
  buildSummaryPrompt,
  type SummaryPromptOptions,
  summarySections,
  summarySystemPrompt,
} from "./summary-prompt.js";
export { firstOf, whenCacheCold } from "./timing.js";
export {
  allOf,
  anyOf,
  type ContextShareOptions,
  contextShare,
  costPerCall,
  type EconomicOptions,
  economic,
  tokenThreshold,
} from "./triggers.js";
export { type TruncateOptions, truncate } from "./truncate.js";
export type * from "./types.js";
