/**
 * Where session state lives. One small interface; the in-memory store is the default and Redis serves several
 * processes. Writes are deltas (new history messages, new ledger entries, the new meta) so that a call costs
 * O(new messages), not O(history).
 *
 * @module
 */
import type { Message, ProviderFormat, Usage } from "../transcript/types.js";

/** "The first `covered` messages of the history, whose rolling hash is `prefixHash`, are sent as `replacement`." */
export interface Checkpoint {
  id: string;
  /** How many messages of the full history it replaces. */
  covered: number;
  /** Rolling content hash of history messages `[0, covered)`; the checkpoint holds only while it matches. */
  prefixHash: string;
  /** Neutral messages sent in place of the covered ones. */
  replacement: Message[];
  strategy: string;
  /** Call at which it was made. */
  createdAtCall: number;
  tokensBefore: number;
  tokensAfter: number;
}

/** One call in the session's ledger. */
export interface LedgerEntry {
  callIndex: number;
  time: number;
  model: string;
  usage: Usage;
  promptTokens: number;
  costUsd: number | null;
  uncompactedPromptTokens: number;
  uncompactedCostUsd: number | null;
  /** Id of the checkpoint the call was sent through, if any. */
  checkpointId?: string;
  /** Summarizer dollars spent before this call (its compaction), if any. */
  summarizerCostUsd?: number;
}

/** Small, whole-replaced part of a session's state. */
export interface SessionMeta {
  id: string;
  provider?: ProviderFormat;
  model?: string;
  createdAt: number;
  updatedAt: number;
  lastCallAt?: number;
  /** Calls made so far. */
  calls: number;
  /** Active checkpoint, if any. Superseded checkpoints are kept in `pastCheckpoints` for audit. */
  checkpoint?: Checkpoint;
  /**
   * Checkpoints that still hold for another conversation of the session, kept whole (at most a few): one that a
   * request rewriting the history dropped (a side call or subagent sharing the session id), or one another process
   * made at the same instant. A later request whose history one of them fits goes on through it, so its cached
   * prefix is sent again byte for byte instead of being compacted anew.
   */
  alternateCheckpoints?: Checkpoint[];
  pastCheckpoints: Array<Omit<Checkpoint, "replacement">>;
  /** Serialised token calibration (see the tokens module). */
  calibration?: unknown;
  /** Serialised cache-model state of the uncompacted counterfactual. */
  shadowCache?: unknown;
  /** Usage of the last call. */
  lastUsage?: Usage;
  /** The last response, which the agent has not yet sent back as history. */
  lastResponse?: Message;
  /** Hidden recall round trips of reversible offload, when the session made any. */
  recall?: RecallTotals;
  /**
   * The hidden recall exchanges later requests carry again (reversible offload): kept with the session so that
   * another process (or this one after a restart) sends them again byte for byte, before the replies they led to,
   * until the next compaction. At most 32, the oldest dropped.
   */
  recallExchanges?: RecallExchange[];
  totals: SessionTotals;
}

/** One hidden recall exchange: the model's recall call and compactor's answer, in the provider's own format. */
export interface RecallExchange {
  /** Fingerprint of the reply the exchange led to (the entries go right before it). */
  anchor: string;
  /** The hidden entries, as sent (raw provider messages or items). */
  entries: unknown[];
  /** The checkpoint the call was sent through (none: uncompacted); the exchange rides until it changes. */
  checkpointId?: string;
}

/** The hidden recall round trips of a session (reversible offload). */
export interface RecallTotals {
  /** Hidden upstream calls made (each answered one or more recalls). */
  turns: number;
  /** Recall calls answered with the kept output. */
  answered: number;
  /** Recall calls answered "unknown id", "unavailable" or "limit reached". */
  unanswered: number;
  /** Recall calls taken out of a turn that also called the agent's tools. */
  dropped: number;
  /** Dollars the hidden turns cost (already counted in the session's spend, `totals.costUsd`). */
  costUsd: number;
}

/** Running totals of a session, kept in its meta so a report needs no ledger scan. */
export interface SessionTotals {
  calls: number;
  promptTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  uncompactedCostUsd: number;
  summarizerCostUsd: number;
  /** Calls whose price was unknown (left out of the dollar totals). */
  unpricedCalls: number;
  compactions: number;
}

/** Everything a store holds for one session. */
export interface SessionRecord {
  meta: SessionMeta;
  /** Full history as the agent sent it, in neutral form. Nothing is ever lost here. */
  history: Message[];
  /** Content hash of each history message, index-aligned. */
  historyHashes: string[];
  ledger: LedgerEntry[];
  /**
   * How many saves the store has applied to this session (stores that count them: both built-in ones). A
   * process compares it with the version its own copy was built from to learn that another process served the
   * session since (see {@link SessionStore.version}).
   */
  version?: number;
}

/** What a store answers to a save. */
export interface SaveResult {
  /** The session's version after this save. */
  version: number;
}

/** A change to persist. */
export interface SessionChange {
  meta: SessionMeta;
  /** History from index `from` on is replaced by `messages` (an append when `from` is the old length). */
  history?: { from: number; messages: Message[]; hashes: string[] };
  /** Entries appended to the ledger. */
  ledger?: LedgerEntry[];
  /**
   * What this writer added to `meta.totals` since its last save. When given, the store adds it to the stored
   * totals instead of taking `meta.totals` as they are, so that several processes writing one session add up
   * (a store that holds no totals yet takes `meta.totals`).
   */
  totalsDelta?: SessionTotals;
  /** Take `meta.totals` as they are, replacing the stored totals (a repair after the store lost writes). */
  replaceTotals?: boolean;
  /**
   * Compare-and-set: apply the change only if the stored version is this one (0: the session is not stored).
   * Otherwise nothing is written and `save` rejects with a `StoreVersionConflictError`: another writer saved
   * since, and the writer merges its change into the stored session before saving again. Stores that count
   * versions (both built-in ones) honour it; without it a save applies whatever the stored version.
   */
  ifVersion?: number;
}

/**
 * Session storage. Implementations must make `save` durable before resolving. A store of your own must keep the
 * rules the runtime relies on (README, "Custom session stores"): check it with `assertSessionStore` or
 * `sessionStoreContract` from `compactor/testing`.
 */
export interface SessionStore {
  /** Short name for messages: `memory`, `redis`. */
  readonly name: string;
  /** Most sessions the store keeps, when it is bounded; a runtime then keeps no more of them in memory. */
  readonly maxSessions?: number;
  load(sessionId: string): Promise<SessionRecord | undefined>;
  /** Applies a change; stores that count versions answer the new one. */
  // biome-ignore lint/suspicious/noConfusingVoidType: stores written before versions resolve to nothing.
  save(sessionId: string, change: SessionChange): Promise<SaveResult | void>;
  /**
   * The session's current version (0 when it is not stored), without loading it: one cheap read, which every
   * call makes so that a session several processes serve continues where the last one left it.
   */
  version?(sessionId: string): Promise<number>;
  /**
   * Remembers that the reply `responseId` (an OpenAI Responses id) belongs to `sessionId`, so that a later call
   * chained to it with `previous_response_id` (on any process sharing the store) continues that session.
   */
  linkResponse?(responseId: string, sessionId: string): Promise<void>;
  /** The session a reply id was linked to, if any. */
  responseSession?(responseId: string): Promise<string | undefined>;
  delete(sessionId: string): Promise<void>;
  /** Ids of the stored sessions. */
  list(): Promise<string[]>;
  /** Releases connections; the store is unusable afterwards. */
  dispose?(): Promise<void>;
}
