/**
 * The `budget` option of `withCompaction`: limits for the session and its team, on a ledger, turned into a
 * {@link budgetGate}.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import type { CallGate } from "../session/gate.js";
import { type BudgetGateOptions, budgetGate } from "./gate.js";
import { checkLimit } from "./internal/validate.js";
import { memoryBudgetLedger } from "./memory.js";
import { type BudgetLimit, type BudgetLedger, sessionLimitId, teamLimitId } from "./types.js";

/** Maxima of a limit, over its life or per window. */
export interface LimitMaxima {
  /** Dollars allowed (per window). */
  maxUsd?: number;
  /** Tokens (prompt + output) allowed (per window). */
  maxTokens?: number;
  /** Length of the fixed window, in milliseconds (epoch-aligned); absent for the session's or team's whole life. */
  windowMs?: number;
}

/** The `budget` option of `withCompaction`. */
export interface BudgetOption extends Omit<BudgetGateOptions, "ledger" | "limits"> {
  /**
   * Where spend is counted. Point every process at one `redisBudgetLedger({ url })` to share team budgets.
   * @default memoryBudgetLedger() (this process only)
   */
  ledger?: BudgetLedger;
  /** The limit of each session (id `session:<session id>`); without maxima its spend is only tracked. */
  session?: LimitMaxima;
  /** The limit of the team every session of this client belongs to (id `team:<id>`). */
  team?: LimitMaxima & { id: string };
}

/** Builds the gate of a `budget` option (a {@link BudgetOption}, or a ready {@link CallGate} used as it is). */
export function gateFromOption(option: BudgetOption | CallGate, field = "budget"): CallGate {
  if (typeof option !== "object" || option === null) {
    throw new InvalidOptionError(
      field,
      "an object { ledger?, session?, team?, actions?, failMode? } or a budget gate",
      option,
    );
  }
  if ("before" in option && typeof option.before === "function") return option;
  const { ledger = memoryBudgetLedger(), session, team, ...rest } = option as BudgetOption;
  if (session !== undefined && (typeof session !== "object" || session === null)) {
    throw new InvalidOptionError(`${field}.session`, "an object { maxUsd?, maxTokens?, windowMs? }", session);
  }
  if (team !== undefined) {
    if (typeof team !== "object" || team === null) {
      throw new InvalidOptionError(`${field}.team`, "an object { id, maxUsd?, maxTokens?, windowMs? }", team);
    }
    if (typeof team.id !== "string" || team.id.length === 0) {
      throw new InvalidOptionError(`${field}.team.id`, "a non-empty string", team.id);
    }
  }
  const maxima = (value: LimitMaxima | undefined): LimitMaxima => {
    const result: LimitMaxima = {};
    if (value?.maxUsd !== undefined) result.maxUsd = value.maxUsd;
    if (value?.maxTokens !== undefined) result.maxTokens = value.maxTokens;
    if (value?.windowMs !== undefined) result.windowMs = value.windowMs;
    return result;
  };
  checkLimit({ id: "session:-", ...maxima(session) }, `${field}.session`);
  const teamLimit: BudgetLimit | undefined = team && { id: teamLimitId(team.id), ...maxima(team) };
  if (teamLimit) checkLimit(teamLimit, `${field}.team`);
  const limits = (sessionId: string): BudgetLimit[] => [
    { id: sessionLimitId(sessionId), ...maxima(session) },
    ...(teamLimit ? [teamLimit] : []),
  ];
  return budgetGate({ ...rest, ledger, limits });
}
