/**
 * compactor: keeps long-running LLM agent sessions affordable.
 *
 * - {@link withCompaction} wraps an `Anthropic` or `OpenAI` client: sessions, compaction, pricing, events.
 * - Strategies and triggers decide what to send; the cache model and prices decide whether it pays.
 * - Importers, {@link buildReport} and {@link runBench} work on recorded sessions.
 *
 * @module
 */

export {
  allOf,
  anyOf,
  type CacheAwareOptions,
  cacheAware,
  contextShare,
  costPerCall,
  createSdkSummarizer,
  type DefaultStrategyOptions,
  defaultStrategy,
  economic,
  extractiveSummary,
  type FactSummaryOptions,
  factSummary,
  firstOf,
  type LosslessOptions,
  losslessRemovals,
  type ObservationMaskingOptions,
  observationMasking,
  pipeline,
  type SummarizeOptions,
  strategyByName,
  summarize,
  type TruncateOptions,
  tokenThreshold,
  truncate,
  whenCacheCold,
} from "../strategies/index.js";
export type {
  CompactionResult,
  Strategy,
  StrategyContext,
  Summarizer,
  SummaryResult,
  Trigger,
  TriggerContext,
} from "../strategies/types.js";
export {
  type BudgetAction,
  type BudgetExceededDetails,
  BudgetExceededError,
  type BudgetGate,
  type BudgetGateOptions,
  type BudgetLedger,
  type BudgetLimit,
  type BudgetOption,
  type BudgetStatus,
  BudgetUnavailableError,
  budgetGate,
  defaultBudgetActions,
  type MemoryBudgetLedgerOptions,
  memoryBudgetLedger,
  type RedisBudgetLedgerOptions,
  redisBudgetLedger,
  sessionLimitId,
  teamLimitId,
} from "./budget/index.js";
export {
  type CacheSimulator,
  type CacheSimulatorOptions,
  createCacheSimulator,
  type PromptSegment,
  placeBreakpoints,
} from "./cache/index.js";
export * from "./errors.js";
export { diagnosticsChannelSink, EVENTS_CHANNEL, jsonlFileSink } from "./events/sinks.js";
export type {
  BudgetEvent,
  CallEvent,
  CompactionEvent,
  CompactorEvent,
  ErrorEvent,
  EventSink,
} from "./events/types.js";
export {
  detectFormat,
  type ImportPathOptions,
  type ImportPathResult,
  importPath,
  importPathWithSkips,
  importTranscript,
  parseTranscriptText,
  registerImporter,
  type SkippedFile,
  type SkipReason,
  TranscriptReadError,
} from "./importers/index.js";
export {
  type CallCost,
  cheaperSibling,
  contextWindowOf,
  costOfCall,
  createPriceTable,
  getModelPrice,
  listKnownModels,
  type ModelPrice,
  type ModelPriceInput,
  type PriceTable,
  type PriceTableOptions,
  setDefaultPriceTable,
  summarizerModelFor,
  uncachedCostOfCall,
} from "./pricing/index.js";
export {
  type BenchOptions,
  type BenchReport,
  type BenchResult,
  type BenchSummary,
  runBench,
} from "./replay/bench.js";
export { catalog as benchCatalog } from "./replay/catalog.js";
export { type ReplayOptions, type ReplayResult, replayTranscript } from "./replay/replay.js";
export type { StrategySpec } from "./replay/strategy-specs.js";
export { buildReport, type Report, reportSession, type SessionReport } from "./report/report.js";
export { generateSampleSession, sampleSessions } from "./samples/generate.js";
export type { SessionSummary } from "./session/session-report.js";
export {
  type RedisStoreOptions,
  redisStore,
  StoreConflictError,
  StoreDataError,
  StoreUnavailableError,
} from "./store/index.js";
export { type MemoryStoreOptions, memoryStore } from "./store/memory.js";
export type {
  Checkpoint,
  LedgerEntry,
  SessionChange,
  SessionMeta,
  SessionRecord,
  SessionStore,
  SessionTotals,
} from "./store/types.js";
export { createCalibration, createTokenEstimator, type TokenEstimator } from "./tokens/index.js";
export type * from "./transcript/types.js";
export { type CompactionOptions, sessionReport, withCompaction } from "./with-compaction.js";
export { SESSION_HEADER } from "./wrapper/contract.js";
