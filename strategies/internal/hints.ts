/**
 * Hints a wrapping strategy passes to the strategy it wraps, on top of the {@link StrategyContext}:
 * a token target to get down to, and whether this is a dry run whose only purpose is to measure what the
 * strategy would remove (no model may be called then).
 *
 * @module
 */
import type { StrategyContext } from "../types.js";

/** Extra, optional fields a wrapper may add to a strategy's context. */
export interface CompactionHints {
  /** Prompt tokens the strategy should get down to (the cache-aware low watermark). */
  targetTokens?: number;
  /** Measure only: do not call a summarizing model; use the free extractive fallback instead. */
  dryRun?: boolean;
}

/** A strategy context that may carry {@link CompactionHints}. */
export type HintedContext = StrategyContext & CompactionHints;

/** The target the wrapper asked for, if any. */
export function targetTokensOf(context: StrategyContext): number | undefined {
  const target = (context as HintedContext).targetTokens;
  return typeof target === "number" && Number.isFinite(target) ? target : undefined;
}

/** True when the context asks for a dry run. */
export function isDryRun(context: StrategyContext): boolean {
  return (context as HintedContext).dryRun === true;
}

/** A copy of `context` with `hints` set on it. */
export function withHints(context: StrategyContext, hints: CompactionHints): HintedContext {
  return { ...context, ...hints };
}
