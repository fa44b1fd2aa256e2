/**
 * The budgets the dashboard shows: the proxy's `budget` option resolved once into the gate the runtime enforces
 * and a view of the same ledger, so that the dashboard reads exactly the spend the gate counts.
 *
 * @module
 */
import { actionsAt, type BudgetAction, checkActions, shareOfUsage } from "../../budget/actions.js";
import { memoryBudgetLedger } from "../../budget/memory.js";
import { type BudgetOption, gateFromOption } from "../../budget/option.js";
import {
  type BudgetLedger,
  type BudgetLimit,
  type BudgetStatus,
  sessionLimitId,
  teamLimitId,
} from "../../budget/types.js";
import type { CallGate } from "../../session/gate.js";

/** What a limit's spend means for the next call, from the configured actions (see `BudgetAction`). */
export type BudgetState = "tracking" | "ok" | "warn" | "compact" | "downgrade" | "refuse";

/** One budget limit as the dashboard shows it. */
export interface DashboardBudget {
  /** `team:<id>` or `session:<id>`. */
  limitId: string;
  scope: "team" | "session";
  /** The current window (epoch ms), or `null` for a limit over its whole life. */
  windowStart: number | null;
  windowEnd: number | null;
  /** The limit's maxima, or `null` when it has none. */
  limitUsd: number | null;
  limitTokens: number | null;
  /** Settled spend in the window. */
  spentUsd: number;
  spentTokens: number;
  /** Spend held by calls in flight (reserved before the call, settled after it). */
  reservedUsd: number;
  reservedTokens: number;
  /** `limitUsd − spent − reserved`, or `null` without a dollar maximum. */
  remainingUsd: number | null;
  /** `(spent + reserved) / max`, the higher of dollars and tokens; 0 without maxima. */
  share: number;
  /**
   * The furthest configured action reached at `share` (`refuse`: the limit is passed, calls are refused), `ok`
   * below the first one, `tracking` for a limit without maxima.
   */
  state: BudgetState;
}

/** The budgets part of the dashboard summary. */
export interface DashboardBudgets {
  /**
   * `none`: the proxy has no budget; `ledger`: limits read from the gate's own ledger; `gate`: a ready-made
   * gate was passed, whose ledger the dashboard cannot see.
   */
  mode: "none" | "ledger" | "gate";
  /** The ledger's name (`memory`, `redis`). */
  ledger?: string;
  /** True while the shared ledger is unreachable and the gate counts in memory (fail-open). */
  degraded?: boolean;
  /** Settled calls the shared ledger has not seen yet. */
  pendingReplays?: number;
  /** The actions configured, in order of their share. */
  actions: BudgetAction[];
  limits: DashboardBudget[];
  /** Session limits left out of `limits` (only the most recently active sessions' are read). */
  limitsOmitted: number;
  /** Why some limits could not be read (the ledger did not answer in time), else absent. */
  error?: string;
}

/** The proxy's budget, resolved: the gate the runtime gets and how to read its limits. */
export interface ResolvedBudgets {
  /** The gate to hand to the runtime in place of the option (undefined: no budget). */
  gate: CallGate | undefined;
  /** The limits' statuses for the given sessions (most recent first). */
  read(sessionIds: readonly string[], timeoutMs: number): Promise<DashboardBudgets>;
}

const sessionLimitsShown = 50;

function isGate(option: BudgetOption | CallGate): option is CallGate {
  return "before" in option && typeof (option as CallGate).before === "function";
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The state of a limit at its current share. */
export function budgetState(
  status: BudgetStatus,
  actions: readonly BudgetAction[],
): { share: number; state: BudgetState } {
  if (status.limitUsd === null && status.limitTokens === null) return { share: 0, state: "tracking" };
  const { share } = shareOfUsage(status);
  const reached = actionsAt(actions, share);
  return { share, state: reached.length === 0 ? "ok" : (reached[reached.length - 1] as BudgetAction).action };
}

function shown(
  status: BudgetStatus,
  scope: "team" | "session",
  actions: readonly BudgetAction[],
): DashboardBudget {
  const { share, state } = budgetState(status, actions);
  return {
    limitId: status.limitId,
    scope,
    windowStart: status.windowStart,
    windowEnd: status.windowEnd,
    limitUsd: status.limitUsd,
    limitTokens: status.limitTokens,
    spentUsd: status.spentUsd,
    spentTokens: status.spentTokens,
    reservedUsd: status.reservedUsd,
    reservedTokens: status.reservedTokens,
    remainingUsd: status.remainingUsd,
    share,
    state,
  };
}

/**
 * Resolves the proxy's `budget` option. A {@link BudgetOption} without a ledger gets the in-memory ledger
 * `gateFromOption` would have made, kept here so that the dashboard reads the one the gate writes.
 */
export function resolveBudgets(option: BudgetOption | CallGate | undefined): ResolvedBudgets {
  if (option === undefined) {
    return {
      gate: undefined,
      read: async () => ({ mode: "none", actions: [], limits: [], limitsOmitted: 0 }),
    };
  }
  if (typeof option !== "object" || option === null || isGate(option)) {
    // A ready gate (or a bad value, which gateFromOption rejects with its typed error).
    const gate = gateFromOption(option);
    return { gate, read: async () => ({ mode: "gate", actions: [], limits: [], limitsOmitted: 0 }) };
  }
  const ledger: BudgetLedger = option.ledger ?? memoryBudgetLedger();
  const gate = gateFromOption({ ...option, ledger }) as CallGate & {
    degraded?: boolean;
    pendingReplays?: number;
  };
  const actions = checkActions(option.actions, "budget.actions");
  const team: BudgetLimit | undefined = option.team && {
    id: teamLimitId(option.team.id),
    ...(option.team.maxUsd === undefined ? {} : { maxUsd: option.team.maxUsd }),
    ...(option.team.maxTokens === undefined ? {} : { maxTokens: option.team.maxTokens }),
    ...(option.team.windowMs === undefined ? {} : { windowMs: option.team.windowMs }),
  };
  const session = option.session;
  const sessionHasMaxima =
    session !== undefined && (session.maxUsd !== undefined || session.maxTokens !== undefined);
  return {
    gate,
    async read(sessionIds, timeoutMs) {
      const result: DashboardBudgets = {
        mode: "ledger",
        ledger: ledger.name,
        ...(typeof gate.degraded === "boolean" ? { degraded: gate.degraded } : {}),
        ...(typeof gate.pendingReplays === "number" ? { pendingReplays: gate.pendingReplays } : {}),
        actions,
        limits: [],
        limitsOmitted: 0,
      };
      const wanted: Array<{ limit: BudgetLimit; scope: "team" | "session" }> = [];
      if (team) wanted.push({ limit: team, scope: "team" });
      if (sessionHasMaxima) {
        for (const id of sessionIds.slice(0, sessionLimitsShown)) {
          wanted.push({ limit: { id: sessionLimitId(id), ...session }, scope: "session" });
        }
        result.limitsOmitted = Math.max(0, sessionIds.length - sessionLimitsShown);
      }
      try {
        const statuses = await withTimeout(
          Promise.all(wanted.map(({ limit }) => ledger.status(limit))),
          timeoutMs,
          `the ${ledger.name} budget ledger`,
        );
        result.limits = statuses.map((status, index) =>
          shown(status, (wanted[index] as { scope: "team" | "session" }).scope, actions),
        );
      } catch (error) {
        result.error = error instanceof Error ? error.message : String(error);
      }
      return result;
    },
  };
}
