/**
 * Triggers: when to ask the strategy to compact. Every threshold is lowered by budget pressure
 * (`context.pressure`, 0 to 1): at full pressure a threshold is half its configured value.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import {
  compactionEconomics,
  expectedRemainingCalls,
  isCacheWarm,
  isLongCache,
  paysBack,
} from "./internal/economics.js";
import type { Trigger, TriggerContext } from "./types.js";

function pressureScale(context: TriggerContext): number {
  return 1 - Math.min(1, Math.max(0, context.pressure ?? 0)) / 2;
}

function requirePositive(field: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !(Number.isFinite(value) && value > 0)) {
    throw new InvalidOptionError(field, "a positive number", value);
  }
}

/** Fires when the prompt is larger than `tokens`. */
export function tokenThreshold(tokens: number): Trigger {
  requirePositive("tokens", tokens);
  return {
    name: `tokens>${tokens}`,
    shouldCompact: (context) => context.promptTokens > tokens * pressureScale(context),
  };
}

/** Options of {@link contextShare}. */
export interface ContextShareOptions {
  /**
   * Context window assumed when the model's is unknown.
   * @default 200000
   */
  assumedContextWindow?: number;
}

/** Fires when the prompt fills more than `ratio` of the model's context window. */
export function contextShare(ratio: number, options: ContextShareOptions = {}): Trigger {
  if (typeof ratio !== "number" || !(ratio > 0 && ratio <= 1)) {
    throw new InvalidOptionError("ratio", "a number in (0, 1]", ratio);
  }
  const { assumedContextWindow = 200_000 } = options;
  requirePositive("assumedContextWindow", assumedContextWindow);
  return {
    name: `context>${ratio}`,
    shouldCompact: (context) =>
      context.promptTokens > (context.contextWindow ?? assumedContextWindow) * ratio * pressureScale(context),
  };
}

/** Fires when the prompt, priced at the full input price, costs more than `usd` dollars. Never without prices. */
export function costPerCall(usd: number): Trigger {
  requirePositive("usd", usd);
  return {
    name: `cost>${usd}`,
    shouldCompact: (context) =>
      context.prices !== undefined &&
      (context.promptTokens * context.prices.input) / 1_000_000 > usd * pressureScale(context),
  };
}

/** Options of {@link economic}. */
export interface EconomicOptions {
  /**
   * Calls after this one over which the saving is counted.
   * @default `context.expectedRemainingCalls`, else the calls made so far, capped at 50
   */
  horizon?: number;
  /**
   * Share of the conversation's messages (not the system prompt and tools) a compaction is assumed to remove.
   * @default 0.5
   */
  expectedReduction?: number;
  /**
   * Expected dollars of the summarizer call a compaction makes.
   * @default 0
   */
  summarizerCostUsd?: number;
  /**
   * How many times the projected net saving must exceed the one-time cost (cache rewrite plus summarizer);
   * `0` fires on any positive net saving. A margin for the horizon being an estimate.
   * @default 0
   */
  paybackMultiple?: number;
}

/**
 * Fires when a compaction is expected to pay over the horizon: the same formula as the cache-aware strategy
 * (see `strategies/internal/economics.ts`), with the removed tokens estimated as `expectedReduction` of the
 * messages and the whole compacted conversation re-written. It fires when the net saving is positive and at
 * least `paybackMultiple` times the one-time cost. Pressure lowers the bar: at pressure `p` it fires once the
 * net saving exceeds `−p ×` the one-time cost. Never fires without prices.
 *
 * The estimate scales with the prompt, so on its own it answers "is the horizon long enough for a compaction
 * to pay back its cache rewrite" and keeps firing once it does; combine it with a size trigger
 * (`allOf(contextShare(0.6), economic())`) so that compactions stay rare and large.
 */
export function economic(options: EconomicOptions = {}): Trigger {
  const { horizon, expectedReduction = 0.5, summarizerCostUsd = 0, paybackMultiple = 0 } = options;
  if (horizon !== undefined && !(Number.isInteger(horizon) && horizon >= 0)) {
    throw new InvalidOptionError("horizon", "a non-negative integer", horizon);
  }
  if (!(expectedReduction > 0 && expectedReduction < 1)) {
    throw new InvalidOptionError(
      "expectedReduction",
      "a number between 0 and 1 (exclusive)",
      expectedReduction,
    );
  }
  if (!(Number.isFinite(summarizerCostUsd) && summarizerCostUsd >= 0)) {
    throw new InvalidOptionError("summarizerCostUsd", "a non-negative number", summarizerCostUsd);
  }
  if (!(Number.isFinite(paybackMultiple) && paybackMultiple >= 0)) {
    throw new InvalidOptionError("paybackMultiple", "a non-negative number", paybackMultiple);
  }
  return {
    name: "economic",
    shouldCompact(context) {
      if (context.prices === undefined) return false;
      const conversation = Math.max(0, context.promptTokens - context.tokens.fixed);
      const removedTokens = conversation * expectedReduction;
      const economics = compactionEconomics({
        removedTokens,
        rewrittenTokens: conversation - removedTokens,
        prices: context.prices,
        cacheWarm: isCacheWarm(context.cache),
        longCache: isLongCache(context.cache),
        remainingCalls: horizon ?? expectedRemainingCalls(context),
        summarizerCostUsd,
      });
      const pressure = Math.min(1, Math.max(0, context.pressure ?? 0));
      if (removedTokens <= 0) return false;
      if (pressure > 0) return economics.netSavingUsd > -pressure * economics.oneTimeCostUsd;
      return paysBack(economics, paybackMultiple);
    },
  };
}

function checkTriggers(triggers: Trigger[]): void {
  if (triggers.length === 0) throw new InvalidOptionError("triggers", "at least one trigger", triggers);
  for (const [index, trigger] of triggers.entries()) {
    if (typeof trigger?.shouldCompact !== "function") {
      throw new InvalidOptionError(
        `triggers[${index}]`,
        "a trigger (an object with shouldCompact())",
        trigger,
      );
    }
  }
}

/** Fires when any of `triggers` fires. */
export function anyOf(...triggers: Trigger[]): Trigger {
  checkTriggers(triggers);
  return {
    name: `anyOf(${triggers.map((trigger) => trigger.name).join(", ")})`,
    shouldCompact: (context) => triggers.some((trigger) => trigger.shouldCompact(context)),
  };
}

/** Fires when every one of `triggers` fires. */
export function allOf(...triggers: Trigger[]): Trigger {
  checkTriggers(triggers);
  return {
    name: `allOf(${triggers.map((trigger) => trigger.name).join(", ")})`,
    shouldCompact: (context) => triggers.every((trigger) => trigger.shouldCompact(context)),
  };
}
