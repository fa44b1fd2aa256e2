/**
 * Budget accounting: limits per session and per team, reserved before a call and settled after it, in memory
 * or in Redis (shared by every process).
 *
 * @module
 */
export { type BudgetAction, type BudgetActionName, defaultBudgetActions } from "./actions.js";
export { type BudgetCommandOptions, runBudgetCommand } from "./cli.js";
export { type BudgetExceededDetails, BudgetExceededError, BudgetUnavailableError } from "./errors.js";
export type { PriceCall } from "./estimate.js";
export { type BudgetGate, type BudgetGateOptions, budgetGate } from "./gate.js";
export { type BudgetOption, gateFromOption, type LimitMaxima } from "./option.js";
export { type MemoryBudgetLedgerOptions, memoryBudgetLedger } from "./memory.js";
export { type RedisBudgetLedgerOptions, redisBudgetLedger } from "./redis.js";
export {
  type BudgetAmount,
  type BudgetLedger,
  type BudgetLedgerOptions,
  type BudgetLimit,
  type BudgetStatus,
  type LimitUsage,
  type RecordResult,
  type ReserveGranted,
  type ReserveRefused,
  type ReserveResult,
  type SettleResult,
  sessionLimitId,
  teamLimitId,
} from "./types.js";
