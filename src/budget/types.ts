/**
 * Budget accounting primitives: limits, a ledger that reserves spend before a call and settles the actual
 * amount after it, and what the ledger reports. Independent of the client wrapper, which uses them to enforce
 * per-session and per-team budgets.
 *
 * Windows are FIXED and aligned to the Unix epoch: a limit with `windowMs: 86_400_000` counts spend per UTC
 * day, and its window starts at `floor(now / windowMs) * windowMs`. Spend reserved or settled in a window stays
 * in that window (a reservation made at 23:59 and settled at 00:01 counts for the day it was made).
 *
 * @module
 */

/** A spending limit. A limit with neither maximum only tracks spend. */
export interface BudgetLimit {
  /** Stable id, by convention `session:<id>` or `team:<name>` (see {@link sessionLimitId}, {@link teamLimitId}). */
  id: string;
  /** Dollars allowed per window (or in all). */
  maxUsd?: number;
  /** Tokens (prompt + output) allowed per window (or in all). */
  maxTokens?: number;
  /** Length of the fixed window in milliseconds; absent means one window for all time. */
  windowMs?: number;
}

/** An amount of spend. */
export interface BudgetAmount {
  usd: number;
  tokens: number;
}

/** Spend of one limit in its current window. Dollars are exact to the nanodollar. */
export interface LimitUsage {
  limitId: string;
  /** Start of the window in epoch milliseconds; `null` for a limit without a window. */
  windowStart: number | null;
  /** End (exclusive) of the window; `null` for a limit without a window. */
  windowEnd: number | null;
  /** Settled dollars. */
  spentUsd: number;
  /** Dollars held by live (unexpired, unsettled) reservations. */
  reservedUsd: number;
  spentTokens: number;
  reservedTokens: number;
  /** The limit's `maxUsd`, or `null` when it has none. */
  limitUsd: number | null;
  /** The limit's `maxTokens`, or `null` when it has none. */
  limitTokens: number | null;
}

/** The reservation was granted on every limit. */
export interface ReserveGranted {
  ok: true;
  reservationId: string;
  /** When the reservation stops holding spend if it is neither settled nor released (epoch ms). */
  expiresAt: number;
  /** True when this id was reserved before: nothing changed (a retried request is not counted twice). */
  repeated: boolean;
  /** Usage of each limit after the reservation, in the order given. */
  limits: LimitUsage[];
}

/** The reservation would exceed a limit; nothing was reserved on any limit. */
export interface ReserveRefused extends LimitUsage {
  ok: false;
  reservationId: string;
  /** The first limit that would be exceeded. */
  limit: BudgetLimit;
  /** Which of its maxima. */
  exceeded: "usd" | "tokens";
  requestedUsd: number;
  requestedTokens: number;
}

/** Outcome of {@link BudgetLedger.reserve}. */
export type ReserveResult = ReserveGranted | ReserveRefused;

/** Outcome of {@link BudgetLedger.settle}. */
export interface SettleResult {
  /**
   * `settled`: the actual amount was recorded now; `already-settled`: it was recorded before (the amounts are
   * those of the first settle); `unknown`: no such reservation (never made, or settled longer ago than the
   * ledger's retention), nothing was recorded.
   */
  status: "settled" | "already-settled" | "unknown";
  /** The recorded amount. */
  usd: number;
  tokens: number;
  /** Usage of the reservation's limits after settling, in the order they were reserved. */
  limits: LimitUsage[];
}

/** Outcome of {@link BudgetLedger.record}. */
export interface RecordResult {
  /** `recorded`: the spend was added now; `repeated`: this id was reserved or recorded before, nothing changed. */
  status: "recorded" | "repeated";
  /** Usage of each limit after recording, in the order given. */
  limits: LimitUsage[];
}

/** {@link LimitUsage} of a limit, with its stored definition and what remains. */
export interface BudgetStatus extends LimitUsage {
  /** The limit definition, when it is known (given, set with `setLimit`, or recorded by a reserve). */
  limit: BudgetLimit | undefined;
  /** `limitUsd − spent − reserved` (may be negative), or `null` without a dollar maximum. */
  remainingUsd: number | null;
  /** `limitTokens − spent − reserved`, or `null` without a token maximum. */
  remainingTokens: number | null;
}

/**
 * Spend accounting shared by every process that uses the same backing store. A call reserves its estimated
 * cost on all the limits it counts against (all or nothing), then settles the actual cost, or releases the
 * reservation if the call did not happen. Reservations of a crashed process expire after a TTL.
 */
export interface BudgetLedger {
  /** Short name for messages: `memory`, `redis`. */
  readonly name: string;
  /**
   * Reserves `amount` on every limit, atomically: granted on all, or refused (and nothing held) when any
   * limit's `spent + reserved + amount` would pass its maximum. Records each limit's definition, as
   * {@link BudgetLedger.setLimit} does. Reserving an id that exists changes nothing and answers `repeated: true`.
   */
  reserve(
    limits: readonly BudgetLimit[],
    amount: BudgetAmount,
    reservationId: string,
  ): Promise<ReserveResult>;
  /**
   * Replaces the reservation with the actual amount, in the windows it was reserved in. Idempotent: a second
   * settle of the same id records nothing. A reservation that expired or was released is still settled (the
   * call happened; its spend counts).
   */
  settle(reservationId: string, actual: BudgetAmount): Promise<SettleResult>;
  /**
   * Adds spend that already happened to every limit, without checking their maxima: how spend made while the
   * ledger was unreachable is reconciled. Idempotent by id (an id that was reserved or recorded before changes
   * nothing). Counts in the windows of `at` (default now). Stores a limit's definition only when none is stored.
   */
  record?(
    limits: readonly BudgetLimit[],
    amount: BudgetAmount,
    reservationId: string,
    at?: number,
  ): Promise<RecordResult>;
  /** Drops a held reservation (the call was not made). True when it was held; false otherwise. */
  release(reservationId: string): Promise<boolean>;
  /** Current-window usage of a limit, by id (its stored definition decides the window) or by definition. */
  status(limit: string | BudgetLimit): Promise<BudgetStatus>;
  /** Stores a limit's definition so that other processes and the CLI can show it. */
  setLimit(limit: BudgetLimit): Promise<void>;
  /** The stored definition of a limit. */
  getLimit(limitId: string): Promise<BudgetLimit | undefined>;
  /** Every stored limit definition, sorted by id. */
  listLimits(): Promise<BudgetLimit[]>;
  /** Releases connections; the ledger is unusable afterwards. */
  dispose?(): Promise<void>;
}

/** Options every ledger takes. */
export interface BudgetLedgerOptions {
  /**
   * A reservation neither settled nor released stops holding spend after this many milliseconds, so a crashed
   * process cannot block a budget forever.
   * @default 600000 (10 minutes)
   */
  reservationTtlMs?: number;
  /**
   * How long a reservation's record is kept after it was made, so that a late or repeated settle is recognised.
   * At least `reservationTtlMs`.
   * @default 86400000 (24 hours)
   */
  retentionMs?: number;
  /**
   * The clock, in epoch milliseconds. Every process sharing a ledger should have a synchronised clock (NTP).
   * @default Date.now
   */
  now?: () => number;
}

/** Id of a session's limit: `session:<id>`. */
export function sessionLimitId(sessionId: string): string {
  return `session:${sessionId}`;
}

/** Id of a team's limit: `team:<name>`. */
export function teamLimitId(team: string): string {
  return `team:${team}`;
}
