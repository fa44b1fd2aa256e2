/**
 * What a budget gate does as spend nears a limit: an ordered list of actions, each from a share of the limit on.
 * The share of a call is `(spent + reserved + this call's estimate) / max`, the highest over a limit's dollar and
 * token maxima and over all the call's limits.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import type { LimitUsage, ReserveRefused } from "./types.js";

/** Names of the budget actions. */
export type BudgetActionName = "warn" | "compact" | "downgrade" | "refuse";

/** One action and the share of a limit it starts at. */
export interface BudgetAction {
  /** Share of the limit, from 0 to 1, from which the action applies (`0.8` = 80 %). */
  at: number;
  /**
   * `warn`: a `budget` event (once per limit, window and threshold in this process); `compact`: compaction
   * pressure for the strategy and triggers; `downgrade`: send the call to the cheaper sibling model (each
   * `downgrade` entry reached is one rung down the family); `refuse`: reject with `BudgetExceededError`.
   */
  action: BudgetActionName;
  /**
   * `compact` only: the pressure, 0 to 1.
   * @default rises from 0.5 at `at` to 1 at the limit
   */
  pressure?: number;
}

/**
 * The actions when none are given. Reaching a limit always refuses: a `refuse` at 1 is added when the list has
 * none.
 * @default [{ at: 0.8, action: "warn" }, { at: 0.9, action: "compact" }, { at: 1, action: "refuse" }]
 */
export const defaultBudgetActions: readonly BudgetAction[] = Object.freeze([
  { at: 0.8, action: "warn" },
  { at: 0.9, action: "compact" },
  { at: 1, action: "refuse" },
]);

const names: readonly BudgetActionName[] = ["warn", "compact", "downgrade", "refuse"];

/** Validates actions (field `field[i]...` in errors), sorts them by `at`, and adds the final `refuse` at 1. */
export function checkActions(actions: unknown, field = "actions"): BudgetAction[] {
  if (actions === undefined) return [...defaultBudgetActions];
  if (!Array.isArray(actions)) throw new InvalidOptionError(field, "an array of { at, action }", actions);
  const checked = actions.map((entry: unknown, index): BudgetAction => {
    const place = `${field}[${index}]`;
    if (typeof entry !== "object" || entry === null) {
      throw new InvalidOptionError(place, "an object { at, action }", entry);
    }
    const { at, action, pressure } = entry as Record<string, unknown>;
    if (typeof at !== "number" || !(at >= 0 && at <= 1)) {
      throw new InvalidOptionError(`${place}.at`, "a share of the limit from 0 to 1", at);
    }
    if (!names.includes(action as BudgetActionName)) {
      throw new InvalidOptionError(
        `${place}.action`,
        `one of ${names.map((name) => `"${name}"`).join(", ")}`,
        action,
      );
    }
    if (
      pressure !== undefined &&
      (action !== "compact" || typeof pressure !== "number" || !(pressure >= 0 && pressure <= 1))
    ) {
      throw new InvalidOptionError(
        `${place}.pressure`,
        'a number from 0 to 1, on a "compact" action only',
        pressure,
      );
    }
    return {
      at,
      action: action as BudgetActionName,
      ...(pressure === undefined ? {} : { pressure: pressure as number }),
    };
  });
  checked.sort((left, right) => left.at - right.at);
  if (!checked.some((entry) => entry.action === "refuse")) checked.push({ at: 1, action: "refuse" });
  return checked;
}

/** How close a limit is, after this call's reservation. */
export interface LimitShare {
  usage: LimitUsage;
  /** `(spent + reserved) / max`, the higher of dollars and tokens; 0 for a limit without maxima. */
  share: number;
  /** Which maximum gives the share. */
  dimension: "usd" | "tokens";
}

function ratio(total: number, limit: number | null): number {
  if (limit === null) return 0;
  if (limit === 0) return total > 0 ? Number.POSITIVE_INFINITY : 0;
  return total / limit;
}

/** The share of one limit's usage, counting `extra` on top (a refused request's amount). */
export function shareOfUsage(usage: LimitUsage, extra = { usd: 0, tokens: 0 }): LimitShare {
  const usd = ratio(usage.spentUsd + usage.reservedUsd + extra.usd, usage.limitUsd);
  const tokens = ratio(usage.spentTokens + usage.reservedTokens + extra.tokens, usage.limitTokens);
  return tokens > usd
    ? { usage, share: tokens, dimension: "tokens" }
    : { usage, share: usd, dimension: "usd" };
}

/** The most pressing limit of a granted reservation (highest share). */
export function mostPressing(limits: readonly LimitUsage[]): LimitShare | undefined {
  let top: LimitShare | undefined;
  for (const usage of limits) {
    const share = shareOfUsage(usage);
    if (!top || share.share > top.share) top = share;
  }
  return top;
}

/** The share of a refused reservation's limit, the request included (above 1). */
export function refusedShare(refused: ReserveRefused): LimitShare {
  const share = shareOfUsage(refused, { usd: refused.requestedUsd, tokens: refused.requestedTokens });
  return { ...share, dimension: refused.exceeded };
}

/**
 * The actions that apply at `share`, in order: those with `at <= share`, except that a `refuse` at 1 applies
 * only past the limit (a call that brings spend exactly to the maximum is allowed, as the ledger allows it).
 */
export function actionsAt(actions: readonly BudgetAction[], share: number): BudgetAction[] {
  return actions.filter((entry) =>
    entry.action === "refuse" && entry.at >= 1 ? share > entry.at : entry.at <= share,
  );
}

/** Pressure of a `compact` action at `share`: its own, or 0.5 at `at` rising to 1 at the limit. */
export function pressureOf(action: BudgetAction, share: number): number {
  if (action.pressure !== undefined) return action.pressure;
  if (action.at >= 1) return 1;
  const progress = Math.min(1, Math.max(0, (share - action.at) / (1 - action.at)));
  return 0.5 + 0.5 * progress;
}
