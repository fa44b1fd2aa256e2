/**
 * Fixed windows aligned to the Unix epoch, and the usage record ledgers report.
 *
 * @module
 */
import type { BudgetLimit, BudgetStatus, LimitUsage } from "../types.js";
import { type CheckedLimit, fromNanos } from "./validate.js";

/** A limit's window at a moment: `[start, end)`, or all time. */
export interface Window {
  start: number | null;
  end: number | null;
}

/** The window `now` falls in: `floor(now / windowMs) * windowMs`, or all time without `windowMs`. */
export function windowAt(windowMs: number | null, now: number): Window {
  if (windowMs === null) return { start: null, end: null };
  const start = Math.floor(now / windowMs) * windowMs;
  return { start, end: start + windowMs };
}

/** Counters of one limit's window, in ledger units. */
export interface WindowCounters {
  spentNanos: number;
  reservedNanos: number;
  spentTokens: number;
  reservedTokens: number;
}

/** Builds the reported usage of a limit's window. */
export function limitUsage(
  limitId: string,
  window: Window,
  counters: WindowCounters,
  limit: Pick<CheckedLimit, "maxNanos" | "maxTokens"> | undefined,
): LimitUsage {
  return {
    limitId,
    windowStart: window.start,
    windowEnd: window.end,
    spentUsd: fromNanos(counters.spentNanos),
    reservedUsd: fromNanos(counters.reservedNanos),
    spentTokens: counters.spentTokens,
    reservedTokens: counters.reservedTokens,
    limitUsd: limit?.maxNanos == null ? null : fromNanos(limit.maxNanos),
    limitTokens: limit?.maxTokens ?? null,
  };
}

/** Which maximum `amount` would pass, if any. */
export function exceededBy(
  counters: WindowCounters,
  amount: { nanos: number; tokens: number },
  limit: Pick<CheckedLimit, "maxNanos" | "maxTokens">,
): "usd" | "tokens" | undefined {
  if (
    limit.maxNanos !== null &&
    counters.spentNanos + counters.reservedNanos + amount.nanos > limit.maxNanos
  ) {
    return "usd";
  }
  if (
    limit.maxTokens !== null &&
    counters.spentTokens + counters.reservedTokens + amount.tokens > limit.maxTokens
  ) {
    return "tokens";
  }
  return undefined;
}

/** Adds the definition and what remains to a usage. */
export function budgetStatus(usage: LimitUsage, definition: BudgetLimit | undefined): BudgetStatus {
  const remaining = (limit: number | null, spent: number, reserved: number) =>
    limit === null ? null : limit - spent - reserved;
  return {
    ...usage,
    limit: definition,
    remainingUsd: remaining(usage.limitUsd, usage.spentUsd, usage.reservedUsd),
    remainingTokens: remaining(usage.limitTokens, usage.spentTokens, usage.reservedTokens),
  };
}

/** Counters of a window nothing was spent or reserved in. */
export function emptyCounters(): WindowCounters {
  return { spentNanos: 0, reservedNanos: 0, spentTokens: 0, reservedTokens: 0 };
}
