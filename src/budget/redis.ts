/**
 * A {@link BudgetLedger} in Redis, shared by every process (and the CLI) that points at the same Redis and
 * prefix. Reserve, settle and release are atomic Lua scripts (EVALSHA, EVAL when the server lacks the script),
 * so many processes cannot overspend together. Redis failures reject with a `StoreUnavailableError`.
 *
 * @module
 */
import type { Redis } from "ioredis";
import type { RedisClient } from "../redis-client.js";
import { InvalidOptionError } from "../errors.js";
import { StoreDataError } from "../store/errors.js";
import { redisConnection } from "../store/internal/redis-connection.js";
import { scanKeys } from "../store/internal/redis-scan.js";
import {
  recordScript,
  releaseScript,
  reserveScript,
  settleScript,
  statusScript,
} from "./internal/scripts.js";
import {
  type CheckedLimit,
  checkAmount,
  checkLedgerOptions,
  checkLimit,
  checkLimitId,
  checkLimits,
  checkReservationId,
  checkTime,
  compareIds,
  fromNanos,
  storedOrBare,
} from "./internal/validate.js";
import { budgetStatus, limitUsage, type WindowCounters, windowAt } from "./internal/window.js";
import type { BudgetLedger, BudgetLedgerOptions, BudgetLimit, LimitUsage } from "./types.js";

/** Options of {@link redisBudgetLedger}. */
export interface RedisBudgetLedgerOptions extends BudgetLedgerOptions {
  /**
   * Where Redis is, as a `redis://` or `rediss://` URL. Pass either `url` or `client`, not both.
   * @default "redis://127.0.0.1:6379" (ioredis's default) when neither is given
   */
  url?: string;
  /** An ioredis client of your own; used as it is and never closed by {@link BudgetLedger.dispose}. */
  client?: RedisClient;
  /**
   * Prefix of every key; ledgers with the same Redis and prefix share budgets. Put a hash tag in it
   * (`"{compactor}:"`) for Redis Cluster: a reservation touches several limits' keys in one script.
   * @default "compactor:"
   */
  prefix?: string;
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

/** One window entry as the scripts answer it. */
type EntryReply = [string, string, number, number, number, number, string | null];

/** Creates a Redis budget ledger. ioredis is loaded and the connection opened on first use. */
export function redisBudgetLedger(options: RedisBudgetLedgerOptions = {}): BudgetLedger {
  const { reservationTtlMs, retentionMs, now } = checkLedgerOptions(options);
  const { prefix = "compactor:" } = options;
  if (typeof prefix !== "string") throw new InvalidOptionError("prefix", "a string", prefix);
  const connection = redisConnection(options);
  const limitKey = (limitId: string) => `${prefix}budget:limit:${limitId}`;
  const windowKey = (limitId: string, start: number | null) =>
    `${prefix}budget:window:${limitId}:${start ?? "all"}`;
  const reservationKey = (reservationId: string) => `${prefix}budget:reservation:${reservationId}`;
  const run = <T>(operation: string, action: (client: Redis) => Promise<unknown>) =>
    connection.run(operation, action) as Promise<T>;
  const readLimit = (client: Redis, limitId: string) =>
    client
      .get(limitKey(limitId))
      .then((text) => (text === null ? undefined : parseLimit(limitKey(limitId), text)));

  return {
    name: "redis",
    async reserve(requested, amount, reservationId) {
      const limits = checkLimits(requested);
      const wanted = checkAmount(amount, "amount");
      checkReservationId(reservationId);
      const time = now();
      const expiresAt = time + reservationTtlMs;
      const keys = [reservationKey(reservationId)];
      const args: Array<string | number> = [
        reservationId,
        wanted.nanos,
        wanted.tokens,
        time,
        expiresAt,
        retentionMs,
      ];
      for (const limit of limits) {
        const window = windowAt(limit.windowMs, time);
        keys.push(windowKey(limit.id, window.start), limitKey(limit.id));
        const dropAt = window.end === null || limit.windowMs === null ? 0 : window.end + limit.windowMs;
        args.push(limit.maxNanos ?? -1, limit.maxTokens ?? -1, dropAt, limit.id, window.start ?? "all");
        args.push(JSON.stringify(limit.definition));
      }
      const reply = await run<[string, ...unknown[]]>("reserve budget", (client) =>
        connection.evalScript(client, reserveScript, keys, args),
      );
      if (reply[0] === "refused") {
        const [, index, exceeded, entry] = reply as [string, number, "usd" | "tokens", EntryReply];
        const limit = limits[index - 1] as CheckedLimit;
        return {
          ok: false,
          reservationId,
          limit: limit.definition,
          exceeded,
          requestedUsd: fromNanos(wanted.nanos),
          requestedTokens: wanted.tokens,
          ...toUsage(entry, limit),
        };
      }
      const entries = reply[1] as EntryReply[];
      const usages = entries.map((entry, index) => toUsage(entry, limits[index] as CheckedLimit));
      return { ok: true, reservationId, expiresAt, repeated: reply[0] === "repeated", limits: usages };
    },
    async settle(reservationId, actual) {
      checkReservationId(reservationId);
      const amount = checkAmount(actual, "actual");
      const args = [reservationId, amount.nanos, amount.tokens, now(), retentionMs];
      const reply = await run<[string, string?, string?, EntryReply[]?]>("settle budget", (client) =>
        connection.evalScript(client, settleScript, [reservationKey(reservationId)], args),
      );
      const [status, nanos, tokens, entries] = reply;
      if (status === "unknown") return { status: "unknown", usd: 0, tokens: 0, limits: [] };
      return {
        status: status === "settled" ? "settled" : "already-settled",
        usd: fromNanos(Number(nanos)),
        tokens: Number(tokens),
        limits: (entries ?? []).map((entry) => toUsage(entry, definitionOf(entry))),
      };
    },
    async record(requested, amount, reservationId, at) {
      const limits = checkLimits(requested);
      const spent = checkAmount(amount, "amount");
      checkReservationId(reservationId);
      const time = now();
      const when = checkTime(at, time);
      const keys = [reservationKey(reservationId)];
      const args: Array<string | number> = [reservationId, spent.nanos, spent.tokens, time, retentionMs];
      for (const limit of limits) {
        const window = windowAt(limit.windowMs, when);
        keys.push(windowKey(limit.id, window.start), limitKey(limit.id));
        const dropAt = window.end === null || limit.windowMs === null ? 0 : window.end + limit.windowMs;
        args.push(dropAt, limit.id, window.start ?? "all", JSON.stringify(limit.definition));
      }
      const reply = await run<[string, EntryReply[]]>("record budget spend", (client) =>
        connection.evalScript(client, recordScript, keys, args),
      );
      return {
        status: reply[0] === "repeated" ? "repeated" : "recorded",
        limits: reply[1].map((entry, index) =>
          toUsage(entry, definitionOf(entry) ?? (limits[index] as CheckedLimit)),
        ),
      };
    },
    async release(reservationId) {
      checkReservationId(reservationId);
      const reply = await run<number>("release budget", (client) =>
        connection.evalScript(
          client,
          releaseScript,
          [reservationKey(reservationId)],
          [reservationId, now(), retentionMs],
        ),
      );
      return reply === 1;
    },
    async status(limit) {
      const time = now();
      return run("read budget status", async (client) => {
        const stored = typeof limit === "string" ? await readLimit(client, limit) : undefined;
        const checked =
          typeof limit === "string"
            ? storedOrBare(limit, stored && checkLimit(stored, "stored limit"))
            : checkLimit(limit, "limit");
        const window = windowAt(checked.windowMs, time);
        const reply = (await connection.evalScript(
          client,
          statusScript,
          [windowKey(checked.id, window.start)],
          [time],
        )) as number[];
        const counters = countersOf(reply);
        return budgetStatus(
          limitUsage(checked.id, window, counters, checked),
          typeof limit === "string" ? stored : checked.definition,
        );
      });
    },
    async setLimit(limit) {
      const checked = checkLimit(limit, "limit");
      await run("store budget limit", (client) =>
        client.set(limitKey(checked.id), JSON.stringify(checked.definition)),
      );
    },
    async getLimit(limitId) {
      checkLimitId(limitId);
      return run<BudgetLimit | undefined>("read budget limit", (client) => readLimit(client, limitId));
    },
    async listLimits() {
      return run<BudgetLimit[]>("list budget limits", async (client) => {
        const ordered = await scanKeys(client, limitKey(""));
        const texts = ordered.length === 0 ? [] : await client.mget(...ordered);
        return texts
          .flatMap((text, index) =>
            text === null ? [] : [parseLimit(ordered[index] ?? "budget limit", text)],
          )
          .sort(compareIds);
      });
    },
    dispose: () => connection.dispose(),
  };
}

function countersOf(values: readonly number[]): WindowCounters {
  const [spentNanos = 0, reservedNanos = 0, spentTokens = 0, reservedTokens = 0] = values.map(Number);
  return { spentNanos, reservedNanos, spentTokens, reservedTokens };
}

/** Converts a script's window entry to the reported usage. */
function toUsage(
  entry: EntryReply,
  limit: Pick<CheckedLimit, "maxNanos" | "maxTokens" | "windowMs"> | undefined,
): LimitUsage {
  const [limitId, start, ...rest] = entry;
  const windowStart = start === "all" ? null : Number(start);
  const windowEnd = windowStart === null || !limit?.windowMs ? null : windowStart + limit.windowMs;
  return limitUsage(
    limitId,
    { start: windowStart, end: windowEnd },
    countersOf(rest.slice(0, 4) as number[]),
    limit,
  );
}

/** The limit definition a settle entry carries, if it is still stored. */
function definitionOf(entry: EntryReply): CheckedLimit | undefined {
  const text = entry[6];
  return text ? checkLimit(parseLimit(`limit ${entry[0]}`, text), "stored limit") : undefined;
}

function parseLimit(key: string, text: string): BudgetLimit {
  try {
    return checkLimit(JSON.parse(text) as BudgetLimit, key).definition;
  } catch (error) {
    throw new StoreDataError(key, "a budget limit as JSON", { cause: error });
  }
}
