/**
 * A small session simulator for strategy tests: the history grows by one tool turn a call, the strategy may
 * compact the view (which the next call then extends, as the wrapper's checkpoint does), and each call is
 * priced with a prefix cache: the messages the call shares with the previous call's prompt (same bytes, in
 * the same places, within the TTL) are read from the cache, everything after them is written.
 */

import type { Message } from "../../src/transcript/types.js";
import { applyCompaction } from "../../strategies/internal/view.js";
import type { PriceView, Strategy, Trigger } from "../../strategies/types.js";
import { contextFor, system, task, toolTurn } from "./support.js";

/** How a simulated session goes. */
export interface SimulationOptions {
  calls: number;
  resultCharacters: number;
  prices: PriceView;
  /** Milliseconds between calls. @default 30000 */
  gapMs?: number;
  ttlMs?: number;
  contextWindow?: number;
  trigger?: Trigger;
  /** Tell the strategy how many calls remain (`expectedRemainingCalls`) instead of letting it estimate. */
  tellRemainingCalls?: boolean;
}

/** What a simulated session cost. */
export interface SimulationResult {
  costUsd: number;
  compactions: number;
  peakTokens: number;
  promptTokens: number;
}

function commonPrefix(left: readonly Message[], right: readonly Message[]): number {
  let index = 0;
  while (
    index < left.length &&
    index < right.length &&
    JSON.stringify(left[index]) === JSON.stringify(right[index])
  ) {
    index++;
  }
  return index;
}

/** Runs a session of `options.calls` calls under `strategy` (or none). */
export async function simulate(
  strategy: Strategy | null,
  options: SimulationOptions,
): Promise<SimulationResult> {
  const { prices, gapMs = 30_000, ttlMs = 300_000, calls } = options;
  let view: Message[] = [system, task];
  let previous: Message[] = [];
  const outcome: SimulationResult = { costUsd: 0, compactions: 0, peakTokens: 0, promptTokens: 0 };
  for (let callIndex = 0; callIndex < calls; callIndex++) {
    if (callIndex > 0) view = [...view, ...toolTurn(callIndex - 1, options.resultCharacters)];
    const now = callIndex * gapMs;
    const context = contextFor(view, {
      callIndex,
      prices,
      contextWindow: options.contextWindow,
      cache: { now, lastCallAt: callIndex > 0 ? now - gapMs : undefined, ttlMs },
      ...(options.tellRemainingCalls ? { expectedRemainingCalls: calls - callIndex - 1 } : {}),
    });
    const fire = options.trigger?.shouldCompact({ ...context, promptTokens: context.tokens.total }) ?? true;
    if (strategy && fire) {
      const result = await strategy.compact(view, context);
      if (result) {
        view = applyCompaction(view, result);
        outcome.compactions++;
      }
    }
    const tokens = contextFor(view).tokens;
    const warm = callIndex > 0 && gapMs <= ttlMs;
    const shared = warm ? commonPrefix(previous, view) : 0;
    const read = warm
      ? tokens.fixed + tokens.perMessage.slice(0, shared).reduce((sum, count) => sum + count, 0)
      : 0;
    outcome.costUsd += (read * prices.cacheRead + (tokens.total - read) * prices.cacheWrite5m) / 1_000_000;
    outcome.peakTokens = Math.max(outcome.peakTokens, tokens.total);
    outcome.promptTokens += tokens.total;
    previous = view;
  }
  return outcome;
}
