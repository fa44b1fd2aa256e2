/**
 * compactor: keeps long-running LLM agent sessions affordable.
 *
 * - {@link withCompaction} wraps an `Anthropic` or `OpenAI` client: sessions, compaction, pricing, events.
 * - Strategies and triggers decide what to send; the cache model and prices decide whether it pays.
 * - Importers, {@link buildReport} and {@link runBench} work on recorded sessions.
 *
 * @module
 */
export * from "./errors.js";
export type * from "./transcript/types.js";
export {
  type CompactionOptions,
  type CompactorFetchOptions,
  compactorFetch,
  sessionReport,
  withCompaction,
} from "./with-compaction.js";
export type { SessionSummary } from "./session/session-report.js";
export { SESSION_HEADER } from "./wrapper/contract.js";
export type { BudgetEvent, CallEvent, CompactionEvent, CompactorEvent, ErrorEvent, EventSink, RecallEvent } from "./events/types.js";
export type { RecallOptions } from "./session/recall.js";
export { diagnosticsChannelSink, EVENTS_CHANNEL, flushEventLogs, jsonlFileSink } from "./events/sinks.js";
export {
  instrumentOpenTelemetry,
  type OpenTelemetryInstrumentation,
  type OpenTelemetryOptions,
  openTelemetrySink,
  type OtelMeterProvider,
  type OtelTracerProvider,
} from "./otel/index.js";
export { memoryStore, type MemoryStoreOptions } from "./store/memory.js";
export type { RedisClient } from "./redis-client.js";
export {
  type RedisStoreOptions,
  redisStore,
  StoreConflictError,
  StoreDataError,
  StoreUnavailableError,
  StoreVersionConflictError,
} from "./store/index.js";
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
export type { Checkpoint, LedgerEntry, RecallExchange, RecallTotals, SaveResult, SessionChange, SessionMeta, SessionRecord, SessionStore, SessionTotals } from "./store/types.js";
export {
  cheaperSibling,
  contextWindowOf,
  costOfCall,
  createPriceTable,
  getModelPrice,
  listKnownModels,
  setDefaultPriceTable,
  summarizerModelFor,
  uncachedCostOfCall,
  type CallCost,
  type ModelPrice,
  type ModelPriceInput,
  type PriceTable,
  type PriceTableOptions,
} from "./pricing/index.js";
export {
  allOf,
  anyOf,
  cacheAware,
  type CacheAwareOptions,
  contextShare,
  costPerCall,
  createSdkSummarizer,
  defaultStrategy,
  type DefaultStrategyOptions,
  economic,
  extractiveSummary,
  factSummary,
  type FactSummaryOptions,
  firstOf,
  guardedStrategy,
  isDryRun,
  losslessRemovals,
  type LosslessOptions,
  nativeCompaction,
  type NativeCompactionOptions,
  observationMasking,
  type ObservationMaskingOptions,
  offload,
  type OffloadOptions,
  recallToolName,
  pipeline,
  strategyByName,
  summarize,
  type SummarizeOptions,
  targetTokensOf,
  tokenThreshold,
  truncate,
  type TruncateOptions,
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
export { createCacheSimulator, type CacheSimulator, type CacheSimulatorOptions, type PromptSegment, placeBreakpoints } from "./cache/index.js";
export {
  countO200kTokens,
  createCalibration,
  createTokenEstimator,
  getDefaultTokenEstimator,
  type TokenEstimator,
  type TokenEstimatorOptions,
} from "./tokens/index.js";
export { defaultTokenCounter, type TokenCounter } from "./session/token-counter.js";
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
export { buildReport, projectOf, reportSession, type Report, type ReportTotals, type SessionReport } from "./report/report.js";
export { defaultLogFolders, type LogFolder } from "./report/default-folders.js";
export { filterByDate, parseDay, reportByPeriod, type PeriodReport, type ReportPeriod } from "./report/views.js";
export { runBench, type BenchOptions, type BenchReport, type BenchResult, type BenchSummary } from "./replay/bench.js";
export { replayTranscript, type ReplayOptions, type ReplayResult } from "./replay/replay.js";
export { catalog as benchCatalog } from "./replay/catalog.js";
export type { StrategySpec } from "./replay/strategy-specs.js";
export { generateSampleSession, sampleSessions } from "./samples/generate.js";
export {
  AGENT_USAGE_HEADER,
  type AgentUsage,
  type CompactorProxy,
  type DashboardBudget,
  type DashboardBudgets,
  type DashboardSession,
  type DashboardSummary,
  type DashboardTotals,
  DEFAULT_UPSTREAMS,
  maxListedSessions,
  maxRememberedReplies,
  PROXY_TOKEN_HEADER,
  type ProxyOptions,
  type ProxySession,
  type SessionSource,
  startProxy,
} from "./proxy/index.js";
