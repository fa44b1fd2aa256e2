/**
 * Session stores: in memory (the default) and Redis (shared by several processes).
 *
 * @module
 */
export { StoreConflictError, StoreDataError, StoreUnavailableError, StoreVersionConflictError } from "./errors.js";
export { type MemoryStoreOptions, memoryStore } from "./memory.js";
export { type RedisStoreOptions, redisStore } from "./redis.js";
export type {
  Checkpoint,
  LedgerEntry,
  RecallExchange,
  SaveResult,
  SessionChange,
  SessionMeta,
  SessionRecord,
  SessionStore,
  SessionTotals,
} from "./types.js";
