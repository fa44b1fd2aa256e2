/**
 * Checks of the ledger's inputs, shared by every ledger, and their conversion to the exact units ledgers count
 * in: integer nanodollars (so sums never drift) and integer tokens.
 *
 * @module
 */
import { InvalidOptionError } from "../../errors.js";
import type { BudgetAmount, BudgetLedgerOptions, BudgetLimit } from "../types.js";

/** Nanodollars per dollar. */
export const nanosPerUsd = 1e9;

/** A limit in ledger units. */
export interface CheckedLimit {
  definition: BudgetLimit;
  id: string;
  /** Maximum in nanodollars, or `null`. */
  maxNanos: number | null;
  maxTokens: number | null;
  windowMs: number | null;
}

/** An amount in ledger units. */
export interface CheckedAmount {
  nanos: number;
  tokens: number;
}

/** Ledger options with defaults applied. */
export interface CheckedLedgerOptions {
  reservationTtlMs: number;
  retentionMs: number;
  now: () => number;
}

/** Dollars to integer nanodollars. */
export function toNanos(usd: number): number {
  return Math.round(usd * nanosPerUsd);
}

/** Integer nanodollars to dollars. */
export function fromNanos(nanos: number): number {
  return nanos / nanosPerUsd;
}

/** Validates a limit; `field` names it in errors (`limits[1]`). */
export function checkLimit(limit: BudgetLimit, field: string): CheckedLimit {
  if (typeof limit !== "object" || limit === null)
    throw new InvalidOptionError(field, "a budget limit object", limit);
  if (typeof limit.id !== "string" || limit.id.length === 0) {
    throw new InvalidOptionError(`${field}.id`, "a non-empty string", limit.id);
  }
  if (limit.maxUsd !== undefined && !(Number.isFinite(limit.maxUsd) && limit.maxUsd >= 0)) {
    throw new InvalidOptionError(`${field}.maxUsd`, "a non-negative number of dollars", limit.maxUsd);
  }
  if (limit.maxTokens !== undefined && !(Number.isSafeInteger(limit.maxTokens) && limit.maxTokens >= 0)) {
    throw new InvalidOptionError(`${field}.maxTokens`, "a non-negative integer", limit.maxTokens);
  }
  if (limit.windowMs !== undefined && !(Number.isSafeInteger(limit.windowMs) && limit.windowMs > 0)) {
    throw new InvalidOptionError(`${field}.windowMs`, "a positive integer of milliseconds", limit.windowMs);
  }
  const definition: BudgetLimit = { id: limit.id };
  if (limit.maxUsd !== undefined) definition.maxUsd = limit.maxUsd;
  if (limit.maxTokens !== undefined) definition.maxTokens = limit.maxTokens;
  if (limit.windowMs !== undefined) definition.windowMs = limit.windowMs;
  return {
    definition,
    id: limit.id,
    maxNanos: limit.maxUsd === undefined ? null : toNanos(limit.maxUsd),
    maxTokens: limit.maxTokens ?? null,
    windowMs: limit.windowMs ?? null,
  };
}

/** Validates the limits of one reservation: at least one, ids unique. */
export function checkLimits(limits: readonly BudgetLimit[]): CheckedLimit[] {
  if (!Array.isArray(limits) || limits.length === 0) {
    throw new InvalidOptionError("limits", "a non-empty array of budget limits", limits);
  }
  const checked = limits.map((limit, index) => checkLimit(limit, `limits[${index}]`));
  const seen = new Set<string>();
  checked.forEach((limit, index) => {
    if (seen.has(limit.id))
      throw new InvalidOptionError(`limits[${index}].id`, "an id not given twice", limit.id);
    seen.add(limit.id);
  });
  return checked;
}

/** Validates an amount; `field` names it in errors (`amount`, `actual`). */
export function checkAmount(amount: BudgetAmount, field: string): CheckedAmount {
  if (typeof amount !== "object" || amount === null) {
    throw new InvalidOptionError(field, "an object `{ usd, tokens }`", amount);
  }
  if (!(Number.isFinite(amount.usd) && amount.usd >= 0)) {
    throw new InvalidOptionError(`${field}.usd`, "a non-negative number of dollars", amount.usd);
  }
  if (!(Number.isSafeInteger(amount.tokens) && amount.tokens >= 0)) {
    throw new InvalidOptionError(`${field}.tokens`, "a non-negative integer", amount.tokens);
  }
  return { nanos: toNanos(amount.usd), tokens: amount.tokens };
}

/** Validates a reservation id. */
export function checkReservationId(reservationId: string): void {
  if (typeof reservationId !== "string" || reservationId.length === 0) {
    throw new InvalidOptionError("reservationId", "a non-empty string", reservationId);
  }
}

/** Validates an optional moment (epoch ms); answers it, or `fallback` when absent. */
export function checkTime(at: number | undefined, fallback: number): number {
  if (at === undefined) return fallback;
  if (!(Number.isSafeInteger(at) && at >= 0)) {
    throw new InvalidOptionError("at", "an integer of epoch milliseconds", at);
  }
  return at;
}

/** Validates a limit id. */
export function checkLimitId(limitId: string): void {
  if (typeof limitId !== "string" || limitId.length === 0) {
    throw new InvalidOptionError("limitId", "a non-empty string", limitId);
  }
}

/** Applies the defaults of {@link BudgetLedgerOptions} and validates them. */
export function checkLedgerOptions(options: BudgetLedgerOptions): CheckedLedgerOptions {
  const { reservationTtlMs = 600_000, retentionMs = 86_400_000, now = Date.now } = options;
  if (!(Number.isSafeInteger(reservationTtlMs) && reservationTtlMs > 0)) {
    throw new InvalidOptionError("reservationTtlMs", "a positive integer of milliseconds", reservationTtlMs);
  }
  if (!(Number.isSafeInteger(retentionMs) && retentionMs >= reservationTtlMs)) {
    throw new InvalidOptionError(
      "retentionMs",
      `an integer of milliseconds >= reservationTtlMs (${reservationTtlMs})`,
      retentionMs,
    );
  }
  if (typeof now !== "function")
    throw new InvalidOptionError("now", "a function returning epoch milliseconds", now);
  return { reservationTtlMs, retentionMs, now };
}

/** A limit asked for by id: its stored definition, or a bare all-time limit without maxima. */
export function storedOrBare(limitId: string, stored: CheckedLimit | undefined): CheckedLimit {
  checkLimitId(limitId);
  return stored ?? checkLimit({ id: limitId }, "limit");
}

/** Orders limits by id. */
export function compareIds(left: BudgetLimit, right: BudgetLimit): number {
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}
