/**
 * The savings log: typed events compactor emits for every call, compaction, budget decision and internal error.
 *
 * @module
 */
import type { ProviderFormat, Usage } from "../transcript/types.js";

/** Fields every event carries. */
export interface EventBase {
  /** Session id. */
  session: string;
  /** Milliseconds since the epoch. */
  time: number;
}

/** One API call, as billed. */
export interface CallEvent extends EventBase {
  type: "call";
  callIndex: number;
  provider: ProviderFormat;
  model: string;
  stream: boolean;
  /** Usage the provider reported, normalised. */
  usage: Usage;
  /** Prompt tokens billed: uncached + cache reads + cache writes. */
  promptTokens: number;
  /** Dollars the call cost at list prices; `null` when the model's price is unknown. */
  costUsd: number | null;
  /** Prompt tokens the uncompacted history would have sent (estimated, calibrated). */
  uncompactedPromptTokens: number;
  /** What the same call would have cost with the uncompacted history, cache included; `null` when unknown. */
  uncompactedCostUsd: number | null;
  /** Whether the view sent differed from the full history. */
  compacted: boolean;
  durationMs: number;
}

/** A compaction: a new checkpoint. */
export interface CompactionEvent extends EventBase {
  type: "compaction";
  callIndex: number;
  strategy: string;
  checkpointId: string;
  /** Prompt tokens of the view before and after (estimated, calibrated). */
  tokensBefore: number;
  tokensAfter: number;
  /** Messages of the full history the checkpoint covers. */
  coveredMessages: number;
  description: string;
  /** Dollars each later call saves while the checkpoint holds (cache reads of the removed tokens). */
  estimatedSavingPerCallUsd: number | null;
  /** Dollars of the one-time cache re-write the compaction causes. */
  estimatedRewriteCostUsd: number | null;
  summarizerModel?: string;
  summarizerCostUsd: number | null;
}

/** Something inside compactor failed; the user's call went on regardless. */
export interface ErrorEvent extends EventBase {
  type: "error";
  /** Where it happened. */
  phase: "strategy" | "invariant" | "store" | "summarizer" | "usage" | "budget" | "sink";
  message: string;
  /** Invariant violations, when phase is `invariant`. */
  violations?: Array<{ code: string; message: string; messageIndex?: number }>;
  /** What compactor did instead: `sent-original`, `continued-in-memory`, ... */
  fallback?: string;
}

/** A budget decision. */
export interface BudgetEvent extends EventBase {
  type: "budget";
  budget: string;
  action: "warn" | "compact" | "downgrade" | "refuse" | "reconcile";
  spentUsd: number;
  limitUsd?: number;
  spentTokens?: number;
  limitTokens?: number;
  /** For `downgrade`: the model asked for and the model used. */
  fromModel?: string;
  toModel?: string;
  message: string;
}

/**
 * A hidden recall turn of reversible offload: the model called `compactor_recall`, compactor answered and
 * continued the call itself. Its cost is spend (already in the session's totals), never a saving. With
 * `dropped`, the turn also called the agent's tools and its recall calls were taken out, unanswered and unpriced
 * here (the turn is the agent's call, priced by its `call` event).
 */
export interface RecallEvent extends EventBase {
  type: "recall";
  /** Index of the agent's call the turn belongs to. */
  callIndex: number;
  /** Offload ids asked for. */
  ids: string[];
  /** How each was answered. */
  answers: Array<"kept" | "unknown" | "unavailable" | "limit">;
  dropped: boolean;
  /** Usage of the hidden upstream call. */
  usage?: Usage;
  /** Dollars it cost; `null` when unpriced. */
  costUsd: number | null;
  durationMs?: number;
}

/** Any event. */
export type CompactorEvent = CallEvent | CompactionEvent | ErrorEvent | BudgetEvent | RecallEvent;

/** Receives events. Sinks must not throw; if one does, the error is reported on the others and ignored. */
export type EventSink = (event: CompactorEvent) => void;
