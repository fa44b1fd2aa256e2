/**
 * Options of {@link budgetGate} and their checks.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import { type BudgetAction, checkActions } from "./actions.js";
import { defaultPriceCall, type PriceCall } from "./estimate.js";
import { checkLimits } from "./internal/validate.js";
import { memoryBudgetLedger } from "./memory.js";
import type { BudgetLedger, BudgetLimit } from "./types.js";

/** Options of `budgetGate`. */
export interface BudgetGateOptions {
  /** Where spend is counted: `redisBudgetLedger()` to share budgets between processes, or `memoryBudgetLedger()`. */
  ledger: BudgetLedger;
  /** The limits a session's calls count against, or a function of the session id that returns them. */
  limits: readonly BudgetLimit[] | ((sessionId: string) => readonly BudgetLimit[]);
  /**
   * What to do as spend nears and reaches a limit, by share of the limit. A `refuse` at 1 is added when absent.
   * @default [{ at: 0.8, action: "warn" }, { at: 0.9, action: "compact" }, { at: 1, action: "refuse" }]
   */
  actions?: readonly BudgetAction[];
  /**
   * When the ledger is unreachable or slow: `"open"` keeps calls going, counted in memory, and reconciles when
   * it is back; `"closed"` refuses them with `BudgetUnavailableError`.
   * @default "open"
   */
  failMode?: "open" | "closed";
  /**
   * A ledger operation with no answer after this many milliseconds counts as a failure.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * While the ledger is down (fail-open), try it again at most this often.
   * @default 1000
   */
  probeIntervalMs?: number;
  /**
   * Output tokens reserved for a request that sets no output cap.
   * @default 4096
   */
  defaultOutputTokens?: number;
  /**
   * Multiplies the calibrated prompt estimate in the reservation, so that it stays an upper bound.
   * @default 1.1
   */
  promptMargin?: number;
  /**
   * Prices usage on a model, in dollars (`null` when unknown).
   * @default costOfCall on the default price table
   */
  price?: PriceCall;
  /**
   * The ledger used while the shared one is down (fail-open).
   * @default () => memoryBudgetLedger()
   */
  localLedger?: () => BudgetLedger;
  /**
   * The clock, in epoch milliseconds.
   * @default Date.now
   */
  now?: () => number;
}

/** Options with defaults applied. */
export interface CheckedGateOptions {
  ledger: BudgetLedger;
  limitsFor: (sessionId: string) => readonly BudgetLimit[];
  actions: BudgetAction[];
  failMode: "open" | "closed";
  timeoutMs: number;
  probeIntervalMs: number;
  defaultOutputTokens: number;
  promptMargin: number;
  price: PriceCall;
  localLedger: () => BudgetLedger;
  now: () => number;
}

function positiveInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && (value as number) > 0)) {
    throw new InvalidOptionError(field, "a positive integer", value);
  }
  return value as number;
}

function isLedger(value: unknown): value is BudgetLedger {
  const ledger = value as Partial<BudgetLedger> | null;
  return (
    typeof ledger === "object" &&
    ledger !== null &&
    typeof ledger.reserve === "function" &&
    typeof ledger.settle === "function" &&
    typeof ledger.release === "function"
  );
}

/** Validates the options and applies the defaults. */
export function checkGateOptions(options: BudgetGateOptions, field = "budget"): CheckedGateOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError(field, "an object with `ledger` and `limits`", options);
  }
  if (!isLedger(options.ledger)) {
    throw new InvalidOptionError(
      `${field}.ledger`,
      "a BudgetLedger (memoryBudgetLedger() or redisBudgetLedger())",
      options.ledger,
    );
  }
  const { limits } = options;
  let limitsFor: (sessionId: string) => readonly BudgetLimit[];
  if (typeof limits === "function") {
    limitsFor = (sessionId) => {
      const given = limits(sessionId);
      checkLimits(given);
      return given;
    };
  } else if (Array.isArray(limits)) {
    checkLimits(limits);
    const fixed = [...limits];
    limitsFor = () => fixed;
  } else {
    throw new InvalidOptionError(
      `${field}.limits`,
      "an array of budget limits or a function of the session id",
      limits,
    );
  }
  const failMode = options.failMode ?? "open";
  if (failMode !== "open" && failMode !== "closed") {
    throw new InvalidOptionError(`${field}.failMode`, '"open" or "closed"', failMode);
  }
  const promptMargin = options.promptMargin ?? 1.1;
  if (!(typeof promptMargin === "number" && promptMargin >= 1 && Number.isFinite(promptMargin))) {
    throw new InvalidOptionError(`${field}.promptMargin`, "a finite number, 1 or more", promptMargin);
  }
  for (const name of ["price", "localLedger", "now"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw new InvalidOptionError(`${field}.${name}`, "a function", options[name]);
    }
  }
  return {
    ledger: options.ledger,
    limitsFor,
    actions: checkActions(options.actions, `${field}.actions`),
    failMode,
    timeoutMs: positiveInteger(`${field}.timeoutMs`, options.timeoutMs, 1000),
    probeIntervalMs: positiveInteger(`${field}.probeIntervalMs`, options.probeIntervalMs, 1000),
    defaultOutputTokens: positiveInteger(`${field}.defaultOutputTokens`, options.defaultOutputTokens, 4096),
    promptMargin,
    price: options.price ?? defaultPriceCall,
    localLedger: options.localLedger ?? (() => memoryBudgetLedger()),
    now: options.now ?? Date.now,
  };
}
