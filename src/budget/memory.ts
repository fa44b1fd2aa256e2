/**
 * A {@link BudgetLedger} in this process's memory: for one process, and the reference the Redis ledger is
 * tested against.
 *
 * @module
 */
import type { BudgetLedger, BudgetLedgerOptions } from "./types.js";
import {
  type CheckedAmount,
  type CheckedLimit,
  checkAmount,
  checkLedgerOptions,
  checkLimit,
  checkLimitId,
  checkLimits,
  checkReservationId,
  checkTime,
  compareIds,
  storedOrBare,
  fromNanos,
} from "./internal/validate.js";
import {
  budgetStatus,
  emptyCounters,
  exceededBy,
  limitUsage,
  type Window,
  type WindowCounters,
  windowAt,
} from "./internal/window.js";

interface WindowState {
  limitId: string;
  window: Window;
  counters: WindowCounters;
  /** Live reservations in this window, by id. */
  held: Map<string, CheckedAmount & { expiresAt: number }>;
  /** When the counters may be dropped (the window after this one has ended); `null` for all time. */
  dropAt: number | null;
}

interface Reservation {
  windowKeys: string[];
  amount: CheckedAmount;
  state: "held" | "settled" | "released";
  settled?: CheckedAmount;
  forgetAt: number;
}

/** Options of {@link memoryBudgetLedger}. */
export type MemoryBudgetLedgerOptions = BudgetLedgerOptions;

/** Creates an in-memory budget ledger. */
export function memoryBudgetLedger(options: MemoryBudgetLedgerOptions = {}): BudgetLedger {
  const { reservationTtlMs, retentionMs, now } = checkLedgerOptions(options);
  const limits = new Map<string, CheckedLimit>();
  const windows = new Map<string, WindowState>();
  const reservations = new Map<string, Reservation>();
  let lastSweep = Number.NEGATIVE_INFINITY;

  /** Drops expired holds of a window; returns it. */
  const purge = (state: WindowState, time: number): WindowState => {
    for (const [id, hold] of state.held) {
      if (hold.expiresAt > time) continue;
      state.counters.reservedNanos -= hold.nanos;
      state.counters.reservedTokens -= hold.tokens;
      state.held.delete(id);
    }
    return state;
  };
  const sweep = (time: number) => {
    if (time - lastSweep < 1000) return;
    lastSweep = time;
    for (const [id, reservation] of reservations) if (reservation.forgetAt <= time) reservations.delete(id);
    for (const [key, state] of windows)
      if (state.dropAt !== null && state.dropAt <= time) windows.delete(key);
  };
  const keyOf = (limitId: string, window: Window) => `${limitId}\n${window.start ?? "all"}`;
  /** The limit's current window, created when absent, with expired holds dropped. */
  const openWindow = (limit: CheckedLimit, time: number) => {
    const window = windowAt(limit.windowMs, time);
    const key = keyOf(limit.id, window);
    let state = windows.get(key);
    if (!state) {
      const counters = emptyCounters();
      const dropAt = window.end === null || limit.windowMs === null ? null : window.end + limit.windowMs;
      state = { limitId: limit.id, window, counters, held: new Map(), dropAt };
      windows.set(key, state);
    }
    return { key, state: purge(state, time) };
  };
  const usageOf = (state: WindowState) =>
    limitUsage(state.limitId, state.window, state.counters, limits.get(state.limitId));
  const windowsOf = (reservation: Reservation, time: number) =>
    reservation.windowKeys.flatMap((key) => {
      const state = windows.get(key);
      return state ? [purge(state, time)] : [];
    });

  return {
    name: "memory",
    async reserve(requested, amount, reservationId) {
      const checked = checkLimits(requested);
      const wanted = checkAmount(amount, "amount");
      checkReservationId(reservationId);
      const time = now();
      sweep(time);
      for (const limit of checked) limits.set(limit.id, limit);
      const targets = checked.map((limit) => ({ limit, ...openWindow(limit, time) }));
      const existing = reservations.get(reservationId);
      const expiresAt = time + reservationTtlMs;
      if (existing) {
        return {
          ok: true,
          reservationId,
          expiresAt,
          repeated: true,
          limits: targets.map(({ state }) => usageOf(state)),
        };
      }
      for (const { limit, state } of targets) {
        const exceeded = exceededBy(state.counters, wanted, limit);
        if (exceeded) {
          return {
            ok: false,
            reservationId,
            limit: limit.definition,
            exceeded,
            requestedUsd: fromNanos(wanted.nanos),
            requestedTokens: wanted.tokens,
            ...usageOf(state),
          };
        }
      }
      for (const { state } of targets) {
        state.counters.reservedNanos += wanted.nanos;
        state.counters.reservedTokens += wanted.tokens;
        state.held.set(reservationId, { ...wanted, expiresAt });
      }
      const windowKeys = targets.map(({ key }) => key);
      reservations.set(reservationId, {
        windowKeys,
        amount: wanted,
        state: "held",
        forgetAt: time + retentionMs,
      });
      return {
        ok: true,
        reservationId,
        expiresAt,
        repeated: false,
        limits: targets.map(({ state }) => usageOf(state)),
      };
    },
    async settle(reservationId, actual) {
      checkReservationId(reservationId);
      const amount = checkAmount(actual, "actual");
      const time = now();
      sweep(time);
      const reservation = reservations.get(reservationId);
      if (!reservation) return { status: "unknown", usd: 0, tokens: 0, limits: [] };
      const states = windowsOf(reservation, time);
      if (reservation.state === "settled" && reservation.settled) {
        const { nanos, tokens } = reservation.settled;
        return { status: "already-settled", usd: fromNanos(nanos), tokens, limits: states.map(usageOf) };
      }
      for (const state of states) {
        const hold = state.held.get(reservationId);
        if (hold) {
          state.counters.reservedNanos -= hold.nanos;
          state.counters.reservedTokens -= hold.tokens;
          state.held.delete(reservationId);
        }
        state.counters.spentNanos += amount.nanos;
        state.counters.spentTokens += amount.tokens;
      }
      reservation.state = "settled";
      reservation.settled = amount;
      reservation.forgetAt = time + retentionMs;
      return {
        status: "settled",
        usd: fromNanos(amount.nanos),
        tokens: amount.tokens,
        limits: states.map(usageOf),
      };
    },
    async record(requested, amount, reservationId, at) {
      const checked = checkLimits(requested);
      const spent = checkAmount(amount, "amount");
      checkReservationId(reservationId);
      const time = now();
      const when = checkTime(at, time);
      sweep(time);
      for (const limit of checked) if (!limits.has(limit.id)) limits.set(limit.id, limit);
      const targets = checked.map((limit) => openWindow(limit, when));
      if (reservations.has(reservationId)) {
        return { status: "repeated", limits: targets.map(({ state }) => usageOf(state)) };
      }
      for (const { state } of targets) {
        state.counters.spentNanos += spent.nanos;
        state.counters.spentTokens += spent.tokens;
      }
      reservations.set(reservationId, {
        windowKeys: targets.map(({ key }) => key),
        amount: spent,
        state: "settled",
        settled: spent,
        forgetAt: time + retentionMs,
      });
      return { status: "recorded", limits: targets.map(({ state }) => usageOf(state)) };
    },
    async release(reservationId) {
      checkReservationId(reservationId);
      const time = now();
      const reservation = reservations.get(reservationId);
      if (reservation?.state !== "held") return false;
      let held = false;
      for (const state of windowsOf(reservation, time)) {
        const hold = state.held.get(reservationId);
        if (!hold) continue;
        held = true;
        state.counters.reservedNanos -= hold.nanos;
        state.counters.reservedTokens -= hold.tokens;
        state.held.delete(reservationId);
      }
      reservation.state = "released";
      return held;
    },
    async status(limit) {
      const time = now();
      const checked =
        typeof limit === "string" ? storedOrBare(limit, limits.get(limit)) : checkLimit(limit, "limit");
      const window = windowAt(checked.windowMs, time);
      const state = windows.get(keyOf(checked.id, window));
      const counters = state ? purge(state, time).counters : emptyCounters();
      const definition = typeof limit === "string" ? limits.get(limit)?.definition : checked.definition;
      return budgetStatus(limitUsage(checked.id, window, counters, checked), definition);
    },
    async setLimit(limit) {
      const checked = checkLimit(limit, "limit");
      limits.set(checked.id, checked);
    },
    async getLimit(limitId) {
      checkLimitId(limitId);
      return limits.get(limitId)?.definition;
    },
    async listLimits() {
      return [...limits.values()].map((limit) => limit.definition).sort(compareIds);
    },
  };
}
