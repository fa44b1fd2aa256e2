/**
 * A session as the runtime holds it in memory between calls: the stored record plus what is cheap to keep
 * but wasteful to recompute (token counts per message, the raw form of the checkpoint's replacement).
 *
 * @module
 */
import type { CacheSimulator, PromptSegment } from "../cache/index.js";
import type { LedgerEntry, SessionMeta, SessionRecord, SessionTotals } from "../store/types.js";
import type { Message } from "../transcript/types.js";

/** In-memory state of one session. */
export interface LiveSession {
  id: string;
  meta: SessionMeta;
  history: Message[];
  historyHashes: string[];
  /** Estimated (uncalibrated) tokens of each history message, index-aligned. */
  historyTokens: number[];
  /** Raw provider messages of the active checkpoint's replacement, built once per checkpoint. */
  rawReplacement?: {
    checkpointId: string;
    messages: unknown[];
    tokens: number[];
    /** The replacement holds a provider's compaction block (sent with the beta that reads it). */
    native: boolean;
  };
  /** A copy of the raw message list of the last request, index-aligned with `historyHashes`. */
  lastRaw?: unknown[];
  /** Simulator of the provider's cache over the full history (the counterfactual). */
  shadowCache?: CacheSimulator;
  /**
   * First history index whose message changed since the shadow segments were last synced (see
   * shadow-cache.ts); undefined when nothing changed. Kept by the runtime's history sync.
   */
  shadowDirtyFrom?: number;
  /** Running sums of `historyTokens` (`prefix[i]`: messages `0..i`), kept by the runtime. */
  historySum?: { hashes: string[]; prefix: number[] };
  /** First history index changed since `historySum` was last updated. */
  historySumDirtyFrom?: number;
  /** The counterfactual's prompt segments, kept between calls and updated where the history changed. */
  shadowSegments?: ShadowSegments;
  /** First history index not yet persisted; undefined when the store is up to date. */
  dirtyFrom?: number;
  /** Serialises prepare/settle steps of this session. */
  queue: Promise<void>;
  /** Ledger entries not yet persisted. */
  pendingLedger: LedgerEntry[];
  /**
   * The store's version of the session this copy matches (it was loaded at it, or saved it last), when known.
   * A newer stored version means another process served the session since: the copy is refreshed before the
   * next call (resilience/shared-session).
   */
  storedVersion?: number;
  /** Resolves once the session's latest call has handed its outcome to the queue (Anthropic threads wait on it). */
  lastCall?: Promise<void>;
}

/** The counterfactual's persistent segments (one per history message, after the fixed parts). */
export interface ShadowSegments {
  /**
   * A slot for the fixed parts, then one segment per history message (no breakpoint), tokens calibrated
   * with `ratio`.
   */
  segments: PromptSegment[];
  /** Sum of the messages' tokens. */
  messageTokens: number;
  /** `calibration.scale(1)` the tokens were scaled with. */
  ratio: number;
  /** Whether the simulator's last prompt started with the fixed segment. */
  withFixed: boolean | undefined;
  /** Messages whose hashes are unchanged since the simulator's last call. */
  simulatedUnchanged: number;
}

/** A fresh session's meta. */
/** Session totals with nothing counted yet. */
export function emptyTotals(): SessionTotals {
  return {
    calls: 0,
    promptTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    uncompactedCostUsd: 0,
    summarizerCostUsd: 0,
    unpricedCalls: 0,
    compactions: 0,
  };
}

export function newMeta(id: string, now: number): SessionMeta {
  return {
    id,
    createdAt: now,
    updatedAt: now,
    calls: 0,
    pastCheckpoints: [],
    totals: emptyTotals(),
  };
}

/** Builds the live form of a stored (or new) session. */
export function liveFrom(
  id: string,
  record: SessionRecord | undefined,
  count: (message: Message) => number,
): LiveSession {
  const now = Date.now();
  const history = record ? [...record.history] : [];
  return {
    id,
    meta: record ? structuredClone(record.meta) : newMeta(id, now),
    history,
    historyHashes: record ? [...record.historyHashes] : [],
    historyTokens: history.map(count),
    queue: Promise.resolve(),
    pendingLedger: [],
    ...(record?.version !== undefined ? { storedVersion: record.version } : {}),
  };
}

/** Runs `task` after every earlier task of the session; the queue survives a failed task. */
export function enqueue<T>(session: LiveSession, task: () => Promise<T>): Promise<T> {
  const run = session.queue.then(task, task);
  session.queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}
