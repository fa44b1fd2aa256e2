/**
 * One compaction decision: build the strategy's context, ask the trigger and the strategy, turn the result into
 * a checkpoint over the FULL history, and check the invariants before anything is sent.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { CompactionEvent } from "../events/types.js";
import { getModelPrice } from "../pricing/index.js";
import type { Checkpoint } from "../store/types.js";
import { checkInvariants } from "../transcript/invariants.js";
import type { Conversation, Message, ProviderFormat } from "../transcript/types.js";
import { isMaskedObservation } from "../../strategies/observation-masking.js";
import type { PriceView, Strategy, StrategyContext, Summarizer, Trigger } from "../../strategies/types.js";
import type { LiveSession } from "./live-session.js";
import { type Calibration, calibrationOf } from "./calibration-state.js";
import { prefixHash } from "./raw-hash.js";
import type { TokenCounter } from "./token-counter.js";

/** A compaction the strategy proposed, mapped onto the full history and checked. */
export interface CompactionPlan {
  strategy: string;
  checkpoint: Checkpoint;
  violations: Array<{ code: string; message: string; messageIndex?: number }>;
  summarizerCostUsd: number | null;
  summarizerModel?: string;
  event(session: string, time: number): CompactionEvent;
}

/** Inputs of {@link planCompaction}. */
export interface PlanInput {
  state: LiveSession;
  format: ProviderFormat;
  model: string;
  /** Estimated (uncalibrated) tokens of the parts no strategy touches: system prompt, tools. */
  fixedEstimate: number;
  strategy: Strategy;
  trigger: Trigger;
  tokens: TokenCounter;
  now: number;
  summarizer: Summarizer | undefined;
  /** Compaction pressure from a budget, 0 to 1. */
  pressure?: number;
  /** Token calibration to use; by default the session's own. */
  calibration?: Calibration;
}

const defaultTtlMs: Record<ProviderFormat, number> = {
  anthropic: 5 * 60_000,
  "openai-chat": 5 * 60_000,
  "openai-responses": 5 * 60_000,
};

/** The prices a strategy sees, or undefined when the model is unknown. */
export function priceView(model: string): PriceView | undefined {
  const price = getModelPrice(model);
  if (!price) return undefined;
  return {
    input: price.input,
    output: price.output,
    cacheRead: price.cacheRead,
    cacheWrite5m: price.cacheWrite5m,
    cacheWrite1h: price.cacheWrite1h,
  };
}

/** Asks trigger and strategy; returns a plan, or undefined when nothing is to be done. */
export async function planCompaction(input: PlanInput): Promise<CompactionPlan | undefined> {
  const { state, tokens } = input;
  const checkpoint = state.meta.checkpoint;
  const replacement = checkpoint?.replacement ?? [];
  const covered = checkpoint?.covered ?? 0;

  const calibration = input.calibration ?? calibrationOf(state);
  const fixed = calibration.predict(input.fixedEstimate);
  // The total is summed in place; the per-message list is built only if the trigger or strategy reads it
  // (a trigger that does not fire then costs no allocation proportional to the history).
  let total = fixed;
  for (const message of replacement) total += calibration.scale(tokens.countMessage(message));
  for (let index = covered; index < state.historyTokens.length; index++) {
    total += calibration.scale(state.historyTokens[index] ?? 0);
  }
  let perMessageList: number[] | undefined;
  const perMessage = (): number[] => {
    perMessageList ??= [
      ...replacement.map((message) => calibration.scale(tokens.countMessage(message))),
      ...state.historyTokens.slice(covered).map((count) => calibration.scale(count)),
    ];
    return perMessageList;
  };
  const price = getModelPrice(input.model);
  const prices = priceView(input.model);
  const lastUsage = state.meta.lastUsage;
  const context: StrategyContext = {
    provider: input.format,
    model: input.model,
    callIndex: state.meta.calls,
    tokens: {
      get perMessage() {
        return perMessage();
      },
      fixed,
      total,
      count: (messages) =>
        messages.reduce((sum, message) => sum + calibration.scale(tokens.countMessage(message)), 0),
    },
    ...(prices ? { prices } : {}),
    ...(price?.contextWindow ? { contextWindow: price.contextWindow } : {}),
    cache: {
      now: input.now,
      ...(state.meta.lastCallAt !== undefined ? { lastCallAt: state.meta.lastCallAt } : {}),
      ttlMs: defaultTtlMs[input.format],
      ...(lastUsage
        ? {
            // Anthropic caches what it read or wrote; OpenAI caches the whole prompt without reporting writes.
            warmPrefixTokens:
              lastUsage.cacheReadTokens +
              lastUsage.cacheWrite5mTokens +
              lastUsage.cacheWrite1hTokens +
              (input.format === "anthropic" ? 0 : lastUsage.inputTokens),
          }
        : {}),
    },
    ...(input.summarizer ? { summarize: input.summarizer } : {}),
    ...(input.pressure ? { pressure: input.pressure } : {}),
  };
  if (!input.trigger.shouldCompact({ ...context, promptTokens: total })) return undefined;
  const view: Message[] = checkpoint ? [...replacement, ...state.history.slice(covered)] : state.history;
  const result = await input.strategy.compact(view, context);
  if (!result) return undefined;
  if (!Number.isInteger(result.keepFrom) || result.keepFrom < 0 || result.keepFrom > view.length) {
    throw new Error(
      `strategy "${input.strategy.name}" returned keepFrom ${result.keepFrom} outside 0..${view.length}`,
    );
  }

  // Map the result (relative to the view) back onto the full history.
  let newCovered: number;
  let newReplacement: Message[];
  if (result.keepFrom >= replacement.length) {
    newCovered = covered + (result.keepFrom - replacement.length);
    newReplacement = result.replacement;
  } else {
    newCovered = covered;
    newReplacement = [...result.replacement, ...replacement.slice(result.keepFrom)];
  }
  const tokensAfterMessages =
    newReplacement.reduce((sum, message) => sum + calibration.scale(tokens.countMessage(message)), 0) +
    state.historyTokens.slice(newCovered).reduce((sum, count) => sum + calibration.scale(count), 0);
  const tokensAfter = fixed + tokensAfterMessages;

  const original: Conversation = { format: input.format, messages: state.history };
  const compacted: Conversation = {
    format: input.format,
    messages: [...newReplacement, ...state.history.slice(newCovered)],
  };
  const violations: Array<{ code: string; message: string; messageIndex?: number }> = checkInvariants(
    original,
    compacted,
    {
      isSummary: (message) =>
        message.content.some((block) => block.type === "summary") || isMaskedObservation(message),
    },
  );
  if (tokensAfter > total) {
    violations.push({
      code: "grew",
      message: `the compacted view (${Math.round(tokensAfter)} tokens) is larger than the original (${Math.round(total)})`,
    });
  }
  const next: Checkpoint = {
    id: randomUUID(),
    covered: newCovered,
    prefixHash: prefixHash(state.historyHashes, newCovered),
    replacement: newReplacement,
    strategy: input.strategy.name,
    createdAtCall: state.meta.calls,
    tokensBefore: Math.round(total),
    tokensAfter: Math.round(tokensAfter),
  };
  const removedTokens = total - tokensAfter;
  const savingPerCall = prices ? (removedTokens * prices.cacheRead) / 1e6 : null;
  const rewrite = prices ? (tokensAfterMessages * (prices.cacheWrite5m - prices.cacheRead)) / 1e6 : null;
  const summary = result.summary;
  return {
    strategy: input.strategy.name,
    checkpoint: next,
    violations: violations.map((violation) => ({
      code: violation.code,
      message: violation.message,
      ...(violation.messageIndex !== undefined ? { messageIndex: violation.messageIndex } : {}),
    })),
    summarizerCostUsd: summary ? summary.costUsd : 0,
    ...(summary ? { summarizerModel: summary.model } : {}),
    event: (session, time) => ({
      type: "compaction",
      session,
      time,
      callIndex: state.meta.calls,
      strategy: input.strategy.name,
      checkpointId: next.id,
      tokensBefore: next.tokensBefore,
      tokensAfter: next.tokensAfter,
      coveredMessages: next.covered,
      description: result.removed.description,
      estimatedSavingPerCallUsd: savingPerCall,
      estimatedRewriteCostUsd: rewrite,
      ...(summary ? { summarizerModel: summary.model } : {}),
      summarizerCostUsd: summary ? summary.costUsd : 0,
    }),
  };
}

/** Makes the plan's checkpoint the session's active one. */
export function applyCompaction(state: LiveSession, plan: CompactionPlan): void {
  const previous = state.meta.checkpoint;
  if (previous) {
    const { replacement: _replacement, ...rest } = previous;
    state.meta.pastCheckpoints.push(rest);
  }
  state.meta.checkpoint = plan.checkpoint;
  state.meta.totals.compactions++;
  if (plan.summarizerCostUsd !== null) state.meta.totals.summarizerCostUsd += plan.summarizerCostUsd;
  state.rawReplacement = undefined;
}
