/**
 * Budget accounting: limits per session and per team, reserved before a call and settled after it, in memory
 * or in Redis (shared by every process).
 *
 * @module
 */
export { type BudgetCommandOptions, runBudgetCommand } from "./cli.js";
export { type MemoryBudgetLedgerOptions, memoryBudgetLedger } from "./memory.js";
export { type RedisBudgetLedgerOptions, redisBudgetLedger } from "./redis.js";
export {
  type BudgetAmount,
  type BudgetLedger,
  type BudgetLedgerOptions,
  type BudgetLimit,
  type BudgetStatus,
  type LimitUsage,
  type ReserveGranted,
  type ReserveRefused,
  type ReserveResult,
  type SettleResult,
  sessionLimitId,
  teamLimitId,
} from "./types.js";
