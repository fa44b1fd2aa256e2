/**
 * Hints a wrapping strategy passes to the strategy it wraps, as the optional {@link StrategyContext} fields
 * `targetTokens` (a token target to get down to) and `dryRun` (measure only: no model may be called). These
 * helpers read and set them defensively, so that user strategies can honour them with one call.
 *
 * @module
 */
import type { StrategyContext } from "../types.js";

/** The hint fields of a {@link StrategyContext}. */
export type CompactionHints = Pick<StrategyContext, "targetTokens" | "dryRun">;

/**
 * A strategy context that may carry {@link CompactionHints}. The hints are fields of
 * {@link StrategyContext} itself now; this alias is kept for code written against it.
 */
export type HintedContext = StrategyContext;

/** The target the wrapper asked for, if it is a finite number. */
export function targetTokensOf(context: StrategyContext): number | undefined {
  const target = context.targetTokens;
  return typeof target === "number" && Number.isFinite(target) ? target : undefined;
}

/** True when the context asks for a dry run. */
export function isDryRun(context: StrategyContext): boolean {
  return context.dryRun === true;
}

/** A copy of `context` with `hints` set on it (an `undefined` hint removes the context's own). */
export function withHints(context: StrategyContext, hints: CompactionHints): StrategyContext {
  const next: StrategyContext = { ...context };
  if ("targetTokens" in hints) {
    if (hints.targetTokens === undefined) delete next.targetTokens;
    else next.targetTokens = hints.targetTokens;
  }
  if ("dryRun" in hints) {
    if (hints.dryRun === undefined) delete next.dryRun;
    else next.dryRun = hints.dryRun;
  }
  return next;
}
