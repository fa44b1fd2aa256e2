/**
 * One lazily opened ioredis connection, shared by the Redis session store and the Redis budget ledger.
 * `ioredis` is imported on first use only, so users who never touch Redis never load it. A dead Redis fails
 * fast: no offline queue (a command sent while disconnected fails at once), a short connect timeout and a
 * command timeout, and every failure is a {@link StoreUnavailableError} carrying the cause.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Redis, RedisOptions } from "ioredis";
import type { RedisClient } from "../../redis-client.js";
import { CompactorError, InvalidOptionError } from "../../errors.js";
import { StoreUnavailableError } from "../errors.js";

/** How to reach Redis; see the public options of the Redis store and ledger. */
export interface RedisConnectionOptions {
  url?: string | undefined;
  client?: RedisClient | undefined;
  connectTimeoutMs?: number | undefined;
  commandTimeoutMs?: number | undefined;
}

/** A Lua script run with EVALSHA, falling back to EVAL when the server does not know it yet. */
export interface LuaScript {
  source: string;
  sha1: string;
}

/** A lazily connected client. */
export interface RedisConnection {
  /** Runs `action` on the connected client; Redis failures become {@link StoreUnavailableError}. */
  run<T>(operation: string, action: (client: Redis) => Promise<T>): Promise<T>;
  /** Runs a Lua script (EVALSHA, EVAL on NOSCRIPT). */
  evalScript(
    client: Redis,
    script: LuaScript,
    keys: string[],
    args: Array<string | number>,
  ): Promise<unknown>;
  /** Quits the connection if this module created it; a supplied client is left open. */
  dispose(): Promise<void>;
}

/** Prepares a Lua script (its SHA1 is computed once). */
export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

/** Validates the options and returns a connection that opens on first use. */
export function redisConnection(options: RedisConnectionOptions): RedisConnection {
  const { url, client: suppliedClient, connectTimeoutMs = 2000, commandTimeoutMs = 5000 } = options;
  if (url !== undefined && suppliedClient !== undefined) {
    throw new InvalidOptionError("url", "absent when `client` is given (pass one or the other)", url);
  }
  if (url !== undefined && (typeof url !== "string" || !/^rediss?:\/\//.test(url))) {
    throw new InvalidOptionError("url", 'a "redis://" or "rediss://" URL', url);
  }
  for (const [field, value] of [
    ["connectTimeoutMs", connectTimeoutMs],
    ["commandTimeoutMs", commandTimeoutMs],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidOptionError(field, "a positive integer of milliseconds", value);
    }
  }
  let client = suppliedClient as Redis | undefined; // an ioredis client (see RedisClient)
  let connecting: Promise<Redis> | undefined;
  let disposed = false;

  const open = async (): Promise<Redis> => {
    if (!client) {
      const { Redis: RedisClient } = await import("ioredis");
      const clientOptions: RedisOptions = {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: connectTimeoutMs,
        commandTimeout: commandTimeoutMs,
        retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      };
      client = url === undefined ? new RedisClient(clientOptions) : new RedisClient(url, clientOptions);
      // Without a listener ioredis prints every connection error; failures reach callers as rejections.
      client.on("error", () => {});
    }
    if (client.status === "wait") await client.connect();
    return client;
  };

  const connected = async (): Promise<Redis> => {
    if (connecting) return connecting;
    if (client && client.status !== "wait") return client;
    connecting = open().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    async run(operation, action) {
      if (disposed) throw new CompactorError(`Cannot ${operation}: the Redis connection was disposed`);
      try {
        return await action(await connected());
      } catch (error) {
        throw toStoreError(operation, error);
      }
    },
    async evalScript(redis, script, keys, args) {
      try {
        return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return redis.eval(script.source, keys.length, ...keys, ...args);
      }
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await connecting?.catch(() => {});
      if (suppliedClient || !client) return;
      const created = client;
      if (created.status === "ready") {
        await created.quit().catch(() => created.disconnect());
      } else {
        created.disconnect();
      }
    },
  };
}

/** Maps a failure to compactor's errors: our own pass through, Redis error replies and connection failures wrap. */
function toStoreError(operation: string, error: unknown): Error {
  if (CompactorError.isInstance(error)) return error;
  if (error instanceof Error && error.name === "ReplyError") {
    return new CompactorError(`Redis refused to ${operation}: ${error.message}`, { cause: error });
  }
  return new StoreUnavailableError("redis", operation, { cause: error });
}
