/**
 * A {@link SessionStore} in Redis, for several processes (and the CLI) to share sessions. Per session: a string
 * with the meta (JSON), a list of history messages, a list of their hashes, a list of ledger entries (all
 * JSON), a hash of the running totals, to which every writer adds its own calls and dollars, and a version
 * counter that every save increments (a process reads it before each call to learn that another one served the
 * session). `save` is one Lua script, so meta, history, ledger and version change together or not at all.
 * Reply ids of the Responses API are linked to their session under `<prefix>response:<id>`.
 *
 * @module
 */
import type { RedisClient } from "../redis-client.js";
import { InvalidOptionError } from "../errors.js";
import type { Message } from "../transcript/types.js";
import { StoreConflictError, StoreDataError, StoreVersionConflictError } from "./errors.js";
import { redisConnection } from "./internal/redis-connection.js";
import { scanKeys } from "./internal/redis-scan.js";
import { saveSessionScript, totalsFields } from "./internal/save-script.js";
import type {
  LedgerEntry,
  SessionChange,
  SessionMeta,
  SessionRecord,
  SessionStore,
  SessionTotals,
} from "./types.js";

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * Where Redis is, as a `redis://` or `rediss://` URL (`redis://user:password@host:6379/0`). Pass either
   * `url` or `client`, not both.
   * @default "redis://127.0.0.1:6379" (ioredis's default) when neither `url` nor `client` is given
   */
  url?: string;
  /**
   * An ioredis client of your own. The store uses it as it is and never closes it ({@link SessionStore.dispose}
   * leaves it open). Give it `enableOfflineQueue: false` and a `commandTimeout` so that a dead Redis fails fast.
   */
  client?: RedisClient;
  /**
   * Prefix of every key. Put a hash tag in it (`"{compactor}:"`) to keep all keys in one Redis Cluster slot.
   * @default "compactor:"
   */
  prefix?: string;
  /**
   * Expire a session this many milliseconds after its last save; `0` keeps sessions until deleted.
   * @default 0
   */
  sessionTtlMs?: number;
  /**
   * Give up connecting after this many milliseconds.
   * @default 2000
   */
  connectTimeoutMs?: number;
  /**
   * Fail a command that has no answer after this many milliseconds.
   * @default 5000
   */
  commandTimeoutMs?: number;
}

/** Creates a Redis store. ioredis is loaded and the connection opened on first use. */
export function redisStore(options: RedisStoreOptions = {}): SessionStore {
  const { prefix = "compactor:", sessionTtlMs = 0 } = options;
  if (typeof prefix !== "string") throw new InvalidOptionError("prefix", "a string", prefix);
  if (!Number.isInteger(sessionTtlMs) || sessionTtlMs < 0) {
    throw new InvalidOptionError("sessionTtlMs", "a non-negative integer of milliseconds", sessionTtlMs);
  }
  const connection = redisConnection(options);
  const keysOf = (sessionId: string) => {
    checkSessionId(sessionId);
    const base = `${prefix}session:${sessionId}`;
    return {
      meta: `${base}:meta`,
      history: `${base}:history`,
      hashes: `${base}:hashes`,
      ledger: `${base}:ledger`,
      totals: `${base}:totals`,
      version: `${base}:version`,
    };
  };
  const responseKey = (responseId: string) => {
    if (typeof responseId !== "string" || responseId.length === 0) {
      throw new InvalidOptionError("responseId", "a non-empty string", responseId);
    }
    return `${prefix}response:${responseId}`;
  };

  return {
    name: "redis",
    async load(sessionId) {
      const keys = keysOf(sessionId);
      const replies = await connection.run(`load session "${sessionId}"`, (client) =>
        client
          .multi()
          .get(keys.meta)
          .lrange(keys.history, 0, -1)
          .lrange(keys.hashes, 0, -1)
          .lrange(keys.ledger, 0, -1)
          .hgetall(keys.totals)
          .get(keys.version)
          .exec(),
      );
      if (!replies) throw new StoreDataError(keys.meta, "readable (the transaction was aborted)");
      const [meta, history, hashes, ledger, totals, version] = replies.map(([error, value]) => {
        if (error) throw error;
        return value;
      });
      if (meta === null || meta === undefined) return undefined;
      const record: SessionRecord = {
        meta: parseJson<SessionMeta>(keys.meta, meta as string),
        history: (history as string[]).map((text, index) =>
          parseJson<Message>(`${keys.history}[${index}]`, text),
        ),
        historyHashes: hashes as string[],
        ledger: (ledger as string[]).map((text, index) =>
          parseJson<LedgerEntry>(`${keys.ledger}[${index}]`, text),
        ),
        version: versionOf(version),
      };
      record.meta.totals = storedTotals(record.meta.totals, totals as Record<string, string> | null);
      if (record.historyHashes.length !== record.history.length) {
        throw new StoreDataError(
          keys.hashes,
          `a list as long as the history (${record.history.length} messages, ${record.historyHashes.length} hashes)`,
        );
      }
      return record;
    },
    async save(sessionId, change) {
      const keys = keysOf(sessionId);
      const args = saveArguments(change, sessionTtlMs);
      const reply = await connection.run(`save session "${sessionId}"`, (client) =>
        connection.evalScript(
          client,
          saveSessionScript,
          [keys.meta, keys.history, keys.hashes, keys.ledger, keys.totals, keys.version],
          args,
        ),
      );
      const [applied, length, version] = reply as [number, number, number];
      if (applied === 2) throw new StoreVersionConflictError(sessionId, change.ifVersion ?? -1, Number(version));
      if (applied !== 1) throw new StoreConflictError(sessionId, change.history?.from ?? 0, length);
      return { version: Number(version) };
    },
    async version(sessionId) {
      const key = keysOf(sessionId).version;
      const value = await connection.run(`read the version of session "${sessionId}"`, (client) => client.get(key));
      return versionOf(value);
    },
    async linkResponse(responseId, sessionId) {
      checkSessionId(sessionId);
      const key = responseKey(responseId);
      await connection.run(`link response "${responseId}"`, (client) =>
        client.set(key, sessionId, "PX", sessionTtlMs > 0 ? sessionTtlMs : responseLinkTtlMs),
      );
    },
    async responseSession(responseId) {
      const key = responseKey(responseId);
      const value = await connection.run(`find the session of response "${responseId}"`, (client) => client.get(key));
      return typeof value === "string" && value.length > 0 ? value : undefined;
    },
    async delete(sessionId) {
      const keys = keysOf(sessionId);
      await connection.run(`delete session "${sessionId}"`, (client) =>
        client.del(keys.meta, keys.history, keys.hashes, keys.ledger, keys.totals, keys.version),
      );
    },
    async list() {
      const start = `${prefix}session:`;
      const keys = await connection.run("list sessions", (client) => scanKeys(client, start, ":meta"));
      return keys.map((key) => key.slice(start.length, -":meta".length));
    },
    dispose: () => connection.dispose(),
  };
}

/**
 * How long a reply id stays linked to its session when sessions do not expire: 30 days, as long as OpenAI
 * keeps a stored response by default.
 */
const responseLinkTtlMs = 30 * 86_400_000;

function versionOf(value: unknown): number {
  const version = Number(value ?? 0);
  return Number.isSafeInteger(version) && version >= 0 ? version : 0;
}

/** Flattens a change into the save script's arguments, validating its shape. */
function saveArguments(change: SessionChange, ttlMs: number): Array<string | number> {
  if (
    typeof change !== "object" ||
    change === null ||
    typeof change.meta !== "object" ||
    change.meta === null
  ) {
    throw new InvalidOptionError("change.meta", "an object", change?.meta);
  }
  const history = change.history;
  let from = -1;
  let messages: string[] = [];
  let hashes: string[] = [];
  if (history) {
    if (!Number.isInteger(history.from) || history.from < 0) {
      throw new InvalidOptionError("change.history.from", "a non-negative integer", history.from);
    }
    if (!Array.isArray(history.messages) || !Array.isArray(history.hashes)) {
      throw new InvalidOptionError("change.history", "`messages` and `hashes` arrays", history);
    }
    if (history.hashes.length !== history.messages.length) {
      throw new InvalidOptionError(
        "change.history.hashes",
        `one hash per message (${history.messages.length})`,
        history.hashes.length,
      );
    }
    from = history.from;
    messages = history.messages.map((message) => JSON.stringify(message));
    hashes = history.hashes;
  }
  if (change.ledger !== undefined && !Array.isArray(change.ledger)) {
    throw new InvalidOptionError("change.ledger", "an array of ledger entries", change.ledger);
  }
  const ledger = (change.ledger ?? []).map((entry) => JSON.stringify(entry));
  const totals = change.meta.totals as SessionTotals | undefined;
  const delta = change.totalsDelta;
  const mode = !totals ? "none" : change.replaceTotals ? "set" : delta ? "add" : "set";
  const ifVersion = change.ifVersion;
  if (ifVersion !== undefined && (!Number.isSafeInteger(ifVersion) || ifVersion < 0)) {
    throw new InvalidOptionError("change.ifVersion", "a non-negative integer (a session version)", ifVersion);
  }
  const numbers = (source: SessionTotals | undefined) =>
    totalsFields.map((field) => {
      const value = source?.[field] ?? 0;
      return Number.isFinite(value) ? String(value) : "0";
    });
  return [
    JSON.stringify(change.meta),
    from,
    messages.length,
    ttlMs,
    mode,
    ifVersion ?? -1,
    ...numbers(delta),
    ...numbers(totals),
    ...messages,
    ...hashes,
    ...ledger,
  ];
}

/** The totals kept in their own hash (added to by every writer), over those in the meta when present. */
function storedTotals(fromMeta: SessionTotals, hash: Record<string, string> | null): SessionTotals {
  if (!hash || Object.keys(hash).length === 0) return fromMeta;
  const totals = { ...fromMeta };
  for (const field of totalsFields) {
    const value = Number(hash[field]);
    if (hash[field] !== undefined && Number.isFinite(value)) totals[field] = value;
  }
  return totals;
}

function parseJson<T>(key: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new StoreDataError(key, "valid JSON", { cause: error });
  }
}

function checkSessionId(sessionId: string): void {
  if (typeof sessionId !== "string" || sessionId.length === 0) {
    throw new InvalidOptionError("sessionId", "a non-empty string", sessionId);
  }
}
