/**
 * The compaction interfaces. A {@link Strategy} rewrites the oldest part of a conversation; a {@link Trigger}
 * says when to ask it. Both are small on purpose: the session, the cache model and the invariant check live
 * around them, not inside.
 *
 * A strategy's result has one shape, and that shape is what makes compaction cache-friendly: the messages
 * `[0, keepFrom)` of the view are replaced by `replacement`, and every message from `keepFrom` on is sent
 * verbatim. The wrapper turns that into a checkpoint ("these messages, by content hash, are replaced by this"),
 * so later calls send the same replacement byte for byte and the provider's prompt cache keeps hitting.
 *
 * @module
 */
import type { Message, ProviderFormat, ToolDefinition, Usage } from "../src/transcript/types.js";

/** Token counts the strategy may rely on (estimated with o200k, then calibrated to the provider's counts). */
export interface TokenView {
  /** Tokens of each message of the view, index-aligned with the messages. */
  readonly perMessage: readonly number[];
  /** Tokens of the system prompt and tool definitions (the part no strategy removes). */
  readonly fixed: number;
  /** Total prompt tokens of the view: `fixed` plus every message. */
  readonly total: number;
  /** Counts messages that are not in the view (a replacement being built). */
  count(messages: readonly Message[]): number;
}

/** Prices in dollars per million tokens, as the strategy sees them. */
export interface PriceView {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

/** What the strategy knows of the provider's prompt cache for this session. */
export interface CacheView {
  /** Milliseconds since the epoch of this call. */
  now: number;
  /** Time of the previous call of the session, if any. */
  lastCallAt?: number;
  /**
   * Lifetime of the cache entries this session writes, in milliseconds: the request's own (Anthropic
   * `cache_control.ttl`, OpenAI `prompt_cache_retention`), else what the provider reported writing on the
   * previous call (Anthropic `cache_creation.ephemeral_1h_input_tokens` against `ephemeral_5m_input_tokens`),
   * else the provider's default (5 minutes; 30 for OpenAI's explicit GPT-5.6+ breakpoints).
   */
  ttlMs: number;
  /** Where `ttlMs` came from. */
  ttlSource?: "request" | "reported" | "default";
  /** Prompt tokens the previous call read from or wrote to the cache (the warm prefix), if known. */
  warmPrefixTokens?: number;
}

/** A summary written by a model (or the extractive fallback), with what it cost. */
export interface SummaryResult {
  text: string;
  /** Model that wrote it; `"extractive"` for the deterministic fallback. */
  model: string;
  usage?: Usage;
  /** Dollars the summarizer call cost; `0` for the fallback. `null` when the model's price is unknown. */
  costUsd: number | null;
}

/**
 * What the next model-written summary is expected to cost and weigh: the summarizer model and its prices, and
 * the summary's size learnt from the session's summaries so far (a prior of `summaryPriorTokens`, 4,000 tokens,
 * counting as one summary). The summary rides in every later prompt, so its size matters beyond its own cost.
 */
export interface SummaryEstimate {
  /** Model expected to write it: the model of the session's last summary, else pricing's `summarizerModelFor`. */
  model: string;
  /** Its prices, when known. */
  prices?: PriceView;
  /** Expected output tokens of the summary. */
  expectedTokens: number;
  /** Model-written summaries of this session the estimate has learnt from (0: the prior alone). */
  observed: number;
}

/** Asks a model for a summary of messages, extending a previous summary when there is one. */
export type Summarizer = (request: {
  messages: readonly Message[];
  previousSummary?: string;
  signal?: AbortSignal;
}) => Promise<SummaryResult>;

/** What a provider-native compaction returned. */
export interface NativeCompactionResult {
  /**
   * What is sent in place of the compacted span on every later call, byte for byte: the provider's own
   * compaction block or item, and the messages the provider keeps beside it (Anthropic: the task; OpenAI
   * Responses: the user messages `/responses/compact` returns).
   */
  replacement: Message[];
  /**
   * The compaction call as a summary: its readable text (Anthropic's block `content`; OpenAI's item is
   * encrypted, so a description), the session model that wrote it, its usage and its cost: spend like a summary.
   */
  summary: SummaryResult;
}

/**
 * Asks the provider to compact a span of the conversation (Anthropic on-demand compaction, OpenAI
 * `POST /responses/compact`). Present in the context only where the request's API offers it and compactor can
 * reach the provider with the caller's own credentials.
 */
export interface NativeCompactor {
  /** `"anthropic-compaction"` or `"openai-responses-compact"`. */
  readonly kind: string;
  /** Compacts `span` (the view's first messages, as the provider will see them); rejects on any failure. */
  compact(span: readonly Message[], options?: { signal?: AbortSignal }): Promise<NativeCompactionResult>;
}

/** Everything a strategy is told about the call it may compact. */
export interface StrategyContext {
  provider: ProviderFormat;
  model: string;
  /** Zero-based index of this call in the session. */
  callIndex: number;
  tokens: TokenView;
  tools?: readonly ToolDefinition[];
  /** Prices of `model`, when known. */
  prices?: PriceView;
  /** The model's context window in tokens, when known. */
  contextWindow?: number;
  cache?: CacheView;
  /** How many more calls the session is expected to make (a strategy's horizon for savings). */
  expectedRemainingCalls?: number;
  /** Present when a summarizing model can be called; strategies fall back when it is absent or fails. */
  summarize?: Summarizer;
  /** What a summary by `summarize` is expected to cost and weigh; present with `summarize`. */
  summaryEstimate?: SummaryEstimate;
  /** Provider-native compaction, where the request's API offers it (see `nativeCompaction`). */
  native?: NativeCompactor;
  /** Raised by a budget that is close to its limit: compact harder (lower targets), from 0 (none) to 1. */
  pressure?: number;
  signal?: AbortSignal;
  /**
   * Prompt tokens the strategy should get down to, set by a wrapping strategy (the cache-aware wrapper passes
   * its target). A strategy that can choose how much to remove (truncate, summarize) removes just enough to
   * reach it, and nothing when the prompt is already below it; one that cannot (masking) may ignore it.
   * Read it with `targetTokensOf(context)`, which ignores values that are not finite numbers.
   * @default undefined: the strategy's own target
   */
  targetTokens?: number;
  /**
   * Set by a wrapping strategy that only wants to measure what a compaction would remove: the strategy must
   * call no model (summarize uses its free extractive fallback) and have no side effects; its result may be
   * discarded. Read it with `isDryRun(context)`.
   * @default false
   */
  dryRun?: boolean;
}

/** A compaction the strategy proposes. */
export interface CompactionResult {
  /** Messages `[0, keepFrom)` of the view are replaced; later messages are kept verbatim. */
  keepFrom: number;
  /** What is sent in place of the messages before `keepFrom`. */
  replacement: Message[];
  /** Human-readable account of what was removed, for the event log. */
  removed: RemovedSummary;
  /** Summarizer spend, to be counted against the savings. */
  summary?: SummaryResult;
}

/** What a compaction took out. */
export interface RemovedSummary {
  /** Messages dropped or rewritten. */
  messages: number;
  /** Tool results replaced by a placeholder. */
  toolResults?: number;
  /** Estimated tokens removed (before minus after). */
  tokens: number;
  /** Free text: "12 tool results masked", "turns 3-40 summarized". */
  description: string;
}

/**
 * A compaction strategy: given the view about to be sent, propose a rewrite of its oldest part, or `null`
 * to send it as it is. It must not mutate its input.
 */
export interface Strategy {
  /** Stable name used in events, reports and the CLI. */
  readonly name: string;
  /**
   * True when the strategy weighs the prompt cache itself and decides on every call whether a compaction pays
   * (`cacheAware`, and so `defaultStrategy()`). `withCompaction` asks such a strategy on every call when no
   * trigger is given; any other strategy given without a trigger is wrapped in `cacheAware` (see
   * `guardedStrategy`), since asking it on every call would compact on every call and re-write the cache.
   * @default false
   */
  readonly weighsCache?: boolean;
  compact(
    messages: readonly Message[],
    context: StrategyContext,
  ): CompactionResult | null | Promise<CompactionResult | null>;
}

/** Everything a trigger is told. */
export interface TriggerContext extends StrategyContext {
  /** Prompt tokens of the view as it would be sent now. */
  promptTokens: number;
}

/** Decides whether to ask the strategy to compact this call. */
export interface Trigger {
  readonly name: string;
  shouldCompact(context: TriggerContext): boolean;
}
