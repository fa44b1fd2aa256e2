/**
 * One compaction decision: build the strategy's context, ask the trigger and the strategy, turn the result into
 * a checkpoint over the FULL history, and check the invariants before anything is sent.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { CompactionEvent } from "../events/types.js";
import { openAIBreakpointTtlMs, openAIExtendedTtlMs, openAIHasExplicitBreakpoints } from "../cache/index.js";
import { getModelPrice, summarizerModelFor } from "../pricing/index.js";
import type { Checkpoint } from "../store/types.js";
import { checkInvariants } from "../transcript/invariants.js";
import type { Conversation, Message, ProviderFormat } from "../transcript/types.js";
import { isNativeCompactionMessage } from "../../strategies/native.js";
import { isMaskedObservation } from "../../strategies/observation-masking.js";
import {
  compactionEconomics,
  isCacheWarm,
  isLongCache,
  summaryPriorTokens,
} from "../../strategies/internal/economics.js";
import { firstChangedIndex, newTokens } from "../../strategies/internal/view.js";
import type {
  CacheView,
  NativeCompactor,
  PriceView,
  Strategy,
  StrategyContext,
  Summarizer,
  SummaryEstimate,
  SummaryResult,
  Trigger,
} from "../../strategies/types.js";
import type { LiveSession } from "./live-session.js";
import { type Calibration, calibrationOf } from "./calibration-state.js";
import { prefixHash } from "./raw-hash.js";
import { scanCacheMarkers } from "./breakpoints.js";
import type { TokenCounter } from "./token-counter.js";

/** A compaction the strategy proposed, mapped onto the full history and checked. */
export interface CompactionPlan {
  strategy: string;
  checkpoint: Checkpoint;
  violations: Array<{ code: string; message: string; messageIndex?: number }>;
  summarizerCostUsd: number | null;
  summarizerModel?: string;
  /** The summary the compaction wrote, if any (the session learns the next summary's size from it). */
  summary?: SummaryResult;
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
  /** Provider-native compaction for this request, where its API offers it (`strategies/native.ts`). */
  native?: NativeCompactor | undefined;
  /** Compaction pressure from a budget, 0 to 1. */
  pressure?: number;
  /** Token calibration to use; by default the session's own. */
  calibration?: Calibration;
  /**
   * Cache lifetime the request asks for, in milliseconds (see {@link requestCacheTtlMs}); the bench replay
   * passes the lifetime the recorded session wrote with.
   */
  requestTtlMs?: number | undefined;
}

const fiveMinutesMs = 5 * 60_000;
const oneHourMs = 60 * 60_000;

/**
 * The cache lifetime a request asks for, in milliseconds, or `undefined` when it says nothing: Anthropic, the
 * longest `ttl` on any `cache_control` (system, tools, messages, top level; `"1h"` or `"5m"`); OpenAI,
 * `prompt_cache_retention` (`"24h"`; `"in_memory"` says nothing beyond the default).
 */
export function requestCacheTtlMs(format: ProviderFormat, params: Record<string, unknown>): number | undefined {
  if (format !== "anthropic") {
    return params.prompt_cache_retention === "24h" ? openAIExtendedTtlMs : undefined;
  }
  const messages = Array.isArray(params.messages) ? params.messages : [];
  // Breakpoints sit on the system prompt, the tools and the last messages: the tail is enough.
  const markers = scanCacheMarkers(
    { cache_control: params.cache_control },
    params.system,
    params.tools,
    messages.slice(Math.max(0, messages.length - 4)),
  );
  if (markers.hour) return oneHourMs;
  if (markers.fiveMinutes) return fiveMinutesMs;
  return undefined;
}

/** The lifetime the previous call's cache writes reveal (Anthropic reports 5-minute and 1-hour writes apart). */
function reportedTtlMs(state: LiveSession): number | undefined {
  const usage = state.meta.lastUsage;
  if (!usage) return undefined;
  if (usage.cacheWrite1hTokens > 0 && usage.cacheWrite1hTokens >= usage.cacheWrite5mTokens) return oneHourMs;
  if (usage.cacheWrite5mTokens > 0) return fiveMinutesMs;
  return undefined;
}

/** The provider's default lifetime: 5 minutes (OpenAI in-memory: 5–10), 30 minutes for GPT-5.6+ breakpoints. */
function defaultTtlMs(format: ProviderFormat, model: string): number {
  return format !== "anthropic" && openAIHasExplicitBreakpoints(model) ? openAIBreakpointTtlMs : fiveMinutesMs;
}

/** The session's cache lifetime and where it came from: the request, the provider's report, the default. */
export function cacheTtlOf(
  state: LiveSession,
  format: ProviderFormat,
  model: string,
  requestTtlMs?: number,
): { ttlMs: number; ttlSource: NonNullable<CacheView["ttlSource"]> } {
  if (requestTtlMs !== undefined && requestTtlMs > 0) return { ttlMs: requestTtlMs, ttlSource: "request" };
  const reported = reportedTtlMs(state);
  if (reported !== undefined) return { ttlMs: reported, ttlSource: "reported" };
  return { ttlMs: defaultTtlMs(format, model), ttlSource: "default" };
}

/** What the session's model-written summaries so far say about the next one (in memory, per live session). */
interface SummaryMemory {
  count: number;
  outputTokens: number;
  model?: string;
}

const summaryMemories = new WeakMap<LiveSession, SummaryMemory>();

/** Learns from a summary a compaction wrote (model-written ones only: the extractive fallback is free). */
export function recordSummary(state: LiveSession, summary: SummaryResult | undefined): void {
  if (!summary || summary.model === "extractive") return;
  const tokens = summary.usage?.outputTokens;
  if (tokens === undefined || !(tokens > 0)) return;
  const memory = summaryMemories.get(state) ?? { count: 0, outputTokens: 0 };
  memory.count++;
  memory.outputTokens += tokens;
  memory.model = summary.model;
  summaryMemories.set(state, memory);
}

/**
 * The next summary's expected model, prices and size: the session's last summarizer model (else pricing's
 * `summarizerModelFor`, the family's cheapest sibling, which is what `summarizer: "auto"` calls), and the mean
 * output of the session's summaries with the prior (`summaryPriorTokens`) counted as one more.
 */
export function summaryEstimateOf(state: LiveSession, model: string): SummaryEstimate {
  const memory = summaryMemories.get(state);
  const summarizer = memory?.model ?? summarizerModelFor(model) ?? model;
  const prices = priceView(summarizer);
  const count = memory?.count ?? 0;
  return {
    model: summarizer,
    ...(prices ? { prices } : {}),
    expectedTokens: Math.round((summaryPriorTokens + (memory?.outputTokens ?? 0)) / (1 + count)),
    observed: count,
  };
}

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

/** Sum of `counts` from `from` on (a small loop the JIT optimises). */
function sumFrom(counts: readonly number[], from: number): number {
  let sum = 0;
  for (let index = from; index < counts.length; index++) sum += counts[index] ?? 0;
  return sum;
}

/**
 * The token counts of a checkpoint's replacement and their sum, per replacement list and counter: a replacement
 * is the same list, never changed, on every call while its checkpoint holds, so it is counted once, not per call.
 */
const replacementCountsMemo = new WeakMap<readonly Message[], { tokens: TokenCounter; counts: number[]; sum: number }>();

const noCounts = { counts: [], sum: 0 };

function countsOf(tokens: TokenCounter, replacement: readonly Message[]): { counts: number[]; sum: number } {
  if (replacement.length === 0) return noCounts;
  const known = replacementCountsMemo.get(replacement);
  if (known !== undefined && known.tokens === tokens && known.counts.length === replacement.length) return known;
  const counts = replacement.map((message) => tokens.countMessage(message));
  let sum = 0;
  for (const count of counts) sum += count;
  const made = { tokens, counts, sum };
  replacementCountsMemo.set(replacement, made);
  return made;
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
  // Whole counts are summed exactly and scaled once (the calibration's scale is linear).
  const replacementCounts = countsOf(tokens, replacement);
  const replacementCount = replacementCounts.sum;
  // `state` may be a view whose arrays live on its prototype: read the list once.
  const counts = state.historyTokens;
  const total = fixed + calibration.scale(replacementCount + sumFrom(counts, covered));
  let perMessageList: number[] | undefined;
  const perMessage = (): number[] => {
    if (perMessageList === undefined) {
      const list = new Array<number>(replacement.length + Math.max(0, counts.length - covered));
      let at = 0;
      for (const count of replacementCounts.counts) list[at++] = calibration.scale(count);
      for (let index = covered; index < counts.length; index++) list[at++] = calibration.scale(counts[index] ?? 0);
      perMessageList = list;
    }
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
      ...cacheTtlOf(state, input.format, input.model, input.requestTtlMs),
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
    ...(input.summarizer
      ? { summarize: input.summarizer, summaryEstimate: summaryEstimateOf(state, input.model) }
      : {}),
    ...(input.pressure ? { pressure: input.pressure } : {}),
    ...(input.native ? { native: input.native } : {}),
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
  // Summed as `total` is, so that a compaction that changes nothing is exactly as large.
  const keptTokens = sumFrom(state.historyTokens, newCovered);
  const tokensAfter =
    fixed +
    calibration.scale(newReplacement.reduce((sum, message) => sum + tokens.countMessage(message), 0) + keptTokens);

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
        message.content.some((block) => block.type === "summary") ||
        isMaskedObservation(message) ||
        isNativeCompactionMessage(message),
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
  // The rewrite premium, priced as the strategy was told: the session's write price (5-minute or 1-hour
  // entries), nothing when the cache has expired anyway, and the compacted view from its first changed message
  // on (from its first message for Claude, whose earlier breakpoint entries have expired).
  const breakpointCache = input.format === "anthropic" || /claude/i.test(input.model);
  const firstChanged = breakpointCache ? 0 : firstChangedIndex(view, result);
  // Less what this call writes anyway (the messages since the previous call), as the cache-aware rule counts.
  const rewrittenTokens = Math.max(
    0,
    newReplacement.reduce(
      (sum, message, index) =>
        index < firstChanged ? sum : sum + calibration.scale(tokens.countMessage(message)),
      0,
    ) +
      calibration.scale(keptTokens) -
      newTokens(view, context),
  );
  const rewrite = prices
    ? compactionEconomics({
        removedTokens,
        rewrittenTokens,
        prices,
        cacheWarm: isCacheWarm(context.cache),
        longCache: isLongCache(context.cache),
        remainingCalls: 0,
      }).oneTimeCostUsd
    : null;
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
    ...(summary ? { summarizerModel: summary.model, summary } : {}),
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
  recordSummary(state, plan.summary);
  state.rawReplacement = undefined;
}
