/**
 * The default store: sessions in this process's memory, bounded by an LRU.
 *
 * @module
 */
import { LRUCache } from "lru-cache";
import { InvalidOptionError } from "../errors.js";
import { StoreConflictError, StoreVersionConflictError } from "./errors.js";
import type { SessionChange, SessionRecord, SessionStore, SessionTotals } from "./types.js";

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Sessions kept at most; the least recently used is evicted beyond that (with a `CompactorEvictionWarning`,
   * since its history is then gone).
   * @default 1000
   */
  maxSessions?: number;
  /**
   * Evict sessions idle longer than this many milliseconds; `0` keeps them until evicted by size.
   * @default 0
   */
  idleTtlMs?: number;
}

function addTotals(stored: SessionTotals, delta: SessionTotals): SessionTotals {
  const sum = { ...stored };
  for (const key of Object.keys(delta) as Array<keyof SessionTotals>) sum[key] = (sum[key] ?? 0) + delta[key];
  return sum;
}

/** Creates an in-memory store. */
export function memoryStore(options: MemoryStoreOptions = {}): SessionStore {
  const { maxSessions = 1000, idleTtlMs = 0 } = options;
  if (!Number.isInteger(maxSessions) || maxSessions < 1) {
    throw new InvalidOptionError("maxSessions", "a positive integer", maxSessions);
  }
  if (!Number.isInteger(idleTtlMs) || idleTtlMs < 0) {
    throw new InvalidOptionError("idleTtlMs", "a non-negative integer of milliseconds", idleTtlMs);
  }
  const sessions = new LRUCache<string, SessionRecord>({
    max: maxSessions,
    ...(idleTtlMs > 0 ? { ttl: idleTtlMs, updateAgeOnGet: true } : {}),
    dispose: (_record, sessionId, reason) => {
      if (reason === "evict" || reason === "expire") {
        process.emitWarning(
          `compactor: the in-memory store dropped session "${sessionId}" (${reason === "evict" ? `more than ${maxSessions} sessions` : "idle past its TTL"}); its history is gone. Raise maxSessions or use a persistent store.`,
          "CompactorEvictionWarning",
        );
      }
    },
  });

  /** Reply ids of the Responses API and their sessions, as many as sessions (least recently used dropped). */
  const responses = new LRUCache<string, string>({ max: maxSessions * 64 });

  return {
    name: "memory",
    maxSessions,
    async load(sessionId) {
      return sessions.get(sessionId);
    },
    async version(sessionId) {
      return sessions.peek(sessionId)?.version ?? 0;
    },
    async linkResponse(responseId, sessionId) {
      responses.set(responseId, sessionId);
    },
    async responseSession(responseId) {
      return responses.get(responseId);
    },
    async save(sessionId, change: SessionChange) {
      let record = sessions.get(sessionId);
      if (change.ifVersion !== undefined && (record?.version ?? 0) !== change.ifVersion) {
        throw new StoreVersionConflictError(sessionId, change.ifVersion, record?.version ?? 0);
      }
      // A change whose history starts past the stored end was made on history this store does not hold (the
      // session was evicted meanwhile): refused before anything is written, so the runtime writes it whole.
      const storedLength = record?.history.length ?? 0;
      if (change.history && change.history.from > storedLength) {
        throw new StoreConflictError(sessionId, change.history.from, storedLength);
      }
      const stored = record?.meta.totals;
      if (!record) {
        record = { meta: change.meta, history: [], historyHashes: [], ledger: [], version: 0 };
        sessions.set(sessionId, record);
      }
      record.version = (record.version ?? 0) + 1;
      // Totals add up over writers (two clients on one session); the meta is copied so that the caller's own
      // object is never changed by the store.
      record.meta = {
        ...change.meta,
        totals:
          change.totalsDelta && stored && !change.replaceTotals
            ? addTotals(stored, change.totalsDelta)
            : { ...change.meta.totals },
      };
      if (change.history) {
        const { from, messages, hashes } = change.history;
        if (from < record.history.length) {
          record.history.length = from;
          record.historyHashes.length = from;
        }
        for (const message of messages) record.history.push(message);
        for (const hash of hashes) record.historyHashes.push(hash);
      }
      if (change.ledger) for (const entry of change.ledger) record.ledger.push(entry);
      return { version: record.version };
    },
    async delete(sessionId) {
      sessions.delete(sessionId);
    },
    async list() {
      return [...sessions.keys()];
    },
  };
}
