/**
 * Replays one recorded session under one strategy: at each recorded call it builds the context the strategy
 * would have sent (with checkpoints, exactly as the wrapper does), prices it with the cache model and the
 * chosen price model, and measures context recall.
 *
 * @module
 */
import { createCacheSimulator, type CacheSimulator, type PromptSegment } from "../cache/index.js";
import { costOfCall, getModelPrice, summarizerModelFor } from "../pricing/index.js";
import type { Calibration } from "../session/calibration-state.js";
import { applyCompaction, planCompaction } from "../session/compaction.js";
import { type LiveSession, liveFrom } from "../session/live-session.js";
import { commonPrefix } from "../session/raw-hash.js";
import type { TokenCounter } from "../session/token-counter.js";
import type { Message, Transcript, Usage } from "../transcript/types.js";
import type { Summarizer } from "../../strategies/types.js";
import { messageSalient, toolOutputSalient } from "./recall.js";
import type { StrategySpec } from "./strategy-specs.js";
import { fitCalibration } from "./calibration-fit.js";
import { messageHash } from "./message-hash.js";

/** How the prompt cache is modelled: the price model's provider rules, or no caching at all. */
export type CacheMode = "provider" | "none";

/** Options of {@link replayTranscript}. */
export interface ReplayOptions {
  strategy: StrategySpec;
  /** Model whose prices (and provider cache rules) apply. @default the transcript's model */
  priceModel?: string;
  /** @default "provider" */
  cache?: CacheMode;
  tokens: TokenCounter;
  /** Keep the per-call series (for charts). @default false */
  series?: boolean;
}

/** Metrics of one (transcript, strategy, price model). */
export interface ReplayResult {
  transcript: string;
  strategy: string;
  priceModel: string;
  calls: number;
  /** Dollars of the calls plus the summarizer's; `null` when the price model is unknown. */
  costUsd: number | null;
  promptTokens: number;
  uncachedTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  peakContextTokens: number;
  compactions: number;
  summarizerCostUsd: number;
  /** Mean context recall over calls that drew on earlier tool output; 1 when none did. */
  recall: number;
  /** Cumulative dollars and prompt tokens per call, when `series` was asked for. */
  series?: { cumulativeCostUsd: number[]; contextTokens: number[] };
}

function promptOf(usage: Pick<Usage, "inputTokens" | "cacheReadTokens" | "cacheWrite5mTokens" | "cacheWrite1hTokens">): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

/** Replays a transcript under one strategy. */
export function replayTranscript(transcript: Transcript, options: ReplayOptions): Promise<ReplayResult> {
  return new Replay(transcript, options).run();
}

class Replay {
  private readonly state: LiveSession;
  private readonly priceModel: string;
  private readonly calibration: Calibration;
  private readonly simulator: CacheSimulator | undefined;
  private readonly fixedEstimate: number;
  private readonly toolSeen = new Set<string>();
  private readonly occurrences = new Map<string, number[]>();
  private replacementSalient: { id: string; tokens: Set<string> } | undefined;

  constructor(
    private readonly transcript: Transcript,
    private readonly options: ReplayOptions,
  ) {
    const tokens = options.tokens;
    this.priceModel = options.priceModel ?? transcript.model ?? "unknown";
    this.state = liveFrom(transcript.id, undefined, (message) => tokens.countMessage(message));
    this.fixedEstimate =
      (transcript.system ?? []).reduce((sum, block) => sum + tokens.countRaw(block), 0) +
      (transcript.tools ? tokens.countRaw(transcript.tools) : 0);
    this.calibration = fitCalibration(transcript, tokens, this.fixedEstimate);
    const provider = getModelPrice(this.priceModel)?.provider;
    const anthropicRules = provider === "anthropic" || (!provider && transcript.provider === "anthropic");
    this.simulator =
      (options.cache ?? "provider") === "none"
        ? undefined
        : anthropicRules
          ? createCacheSimulator({ provider: "anthropic", model: this.priceModel, mode: "automatic" })
          : createCacheSimulator({ provider: "openai", model: this.priceModel });
  }

  async run(): Promise<ReplayResult> {
    const { transcript, options, state } = this;
    const result: ReplayResult = {
      transcript: transcript.id,
      strategy: options.strategy.name,
      priceModel: this.priceModel,
      calls: 0,
      costUsd: 0,
      promptTokens: 0,
      uncachedTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 0,
      peakContextTokens: 0,
      compactions: 0,
      summarizerCostUsd: 0,
      recall: 1,
      ...(options.series ? { series: { cumulativeCostUsd: [], contextTokens: [] } } : {}),
    };
    const { strategy, trigger } = options.strategy.create();
    const summarizer = this.offlineSummarizer();
    let recallSum = 0;
    let recallCalls = 0;
    let lastTime: number | undefined;
    for (const call of transcript.calls) {
      const messages = transcript.messages.slice(call.promptStart, call.promptEnd);
      this.sync(messages);
      const now = call.timestamp ?? (lastTime ?? 0) + 10_000;
      lastTime = now;
      if (strategy && trigger) {
        const plan = await planCompaction({
          state,
          format: transcript.provider,
          model: this.priceModel,
          fixedEstimate: this.fixedEstimate,
          strategy,
          trigger,
          tokens: options.tokens,
          now,
          summarizer,
          calibration: this.calibration,
        });
        if (plan && plan.violations.length === 0) {
          applyCompaction(state, plan);
          result.compactions++;
          if (plan.summarizerCostUsd !== null) result.summarizerCostUsd += plan.summarizerCostUsd;
        }
      }
      const usage = this.price(now);
      const response = call.responseIndex >= 0 ? transcript.messages[call.responseIndex] : undefined;
      const output = call.usage?.outputTokens ?? (response ? Math.round(this.calibration.scale(options.tokens.countMessage(response))) : 0);
      const full: Usage = { ...usage, outputTokens: output, reasoningTokens: call.usage?.reasoningTokens ?? 0 };
      const cost = costOfCall(this.priceModel, full, call.timestamp !== undefined ? { timestamp: call.timestamp } : {});
      if (!cost.known || cost.costUsd === null) result.costUsd = null;
      else if (result.costUsd !== null) result.costUsd += cost.costUsd;
      const prompt = promptOf(usage);
      result.calls++;
      result.promptTokens += prompt;
      result.uncachedTokens += usage.inputTokens;
      result.cacheReadTokens += usage.cacheReadTokens;
      result.cacheWriteTokens += usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
      result.outputTokens += output;
      result.peakContextTokens = Math.max(result.peakContextTokens, prompt);
      result.series?.cumulativeCostUsd.push((result.costUsd ?? 0) + result.summarizerCostUsd);
      result.series?.contextTokens.push(prompt);
      state.meta.calls++;
      state.meta.lastCallAt = now;
      state.meta.lastUsage = full;
      if (response) {
        const recall = this.recallAt(response);
        if (recall !== undefined) {
          recallSum += recall;
          recallCalls++;
        }
      }
    }
    result.recall = recallCalls > 0 ? recallSum / recallCalls : 1;
    // Dollars include the summarizer's; it is also reported on its own.
    if (result.costUsd !== null) result.costUsd += result.summarizerCostUsd;
    return result;
  }

  /** Brings the session's history in line with the prompt of this call (as the wrapper does). */
  private sync(messages: readonly Message[]): void {
    const { state } = this;
    const hashes = messages.map(messageHash);
    const common = commonPrefix(state.historyHashes, hashes);
    if (common < state.history.length) {
      // The agent rewrote its history (a provider-side compaction): recall bookkeeping starts over.
      this.occurrences.clear();
      this.toolSeen.clear();
      for (let index = 0; index < common; index++) this.index(state.history[index] as Message, index);
    }
    state.history.length = common;
    state.historyHashes.length = common;
    state.historyTokens.length = common;
    for (let index = common; index < messages.length; index++) {
      const message = messages[index] as Message;
      state.history.push(message);
      state.historyHashes.push(hashes[index] as string);
      state.historyTokens.push(this.options.tokens.countMessage(message));
      this.index(message, index);
    }
    const checkpoint = state.meta.checkpoint;
    if (checkpoint && checkpoint.covered > common) {
      const { replacement: _replacement, ...rest } = checkpoint;
      state.meta.pastCheckpoints.push(rest);
      delete state.meta.checkpoint;
    }
  }

  private index(message: Message, position: number): void {
    for (const token of messageSalient(message)) {
      const places = this.occurrences.get(token);
      if (places) places.push(position);
      else this.occurrences.set(token, [position]);
    }
    for (const token of toolOutputSalient(message)) this.toolSeen.add(token);
  }

  /** Prompt usage of the view this call sends, from the cache model. */
  private price(now: number): Pick<Usage, "inputTokens" | "cacheReadTokens" | "cacheWrite5mTokens" | "cacheWrite1hTokens"> {
    const { state, calibration } = this;
    const segments: PromptSegment[] = [];
    const fixed = Math.max(0, Math.round(calibration.predict(this.fixedEstimate)));
    if (fixed > 0) segments.push({ hash: "fixed", tokens: fixed, breakpoint: "5m" });
    const checkpoint = state.meta.checkpoint;
    let start = 0;
    if (checkpoint) {
      checkpoint.replacement.forEach((message, index) => {
        segments.push({
          hash: `${checkpoint.id}:${index}`,
          tokens: Math.round(calibration.scale(this.options.tokens.countMessage(message))),
          ...(index === checkpoint.replacement.length - 1 ? { breakpoint: "5m" as const } : {}),
        });
      });
      start = checkpoint.covered;
    }
    for (let index = start; index < state.history.length; index++) {
      segments.push({ hash: state.historyHashes[index] as string, tokens: Math.round(calibration.scale(state.historyTokens[index] ?? 0)) });
    }
    if (!this.simulator) {
      const total = segments.reduce((sum, segment) => sum + segment.tokens, 0);
      return { inputTokens: total, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
    }
    return this.simulator.call(segments, now);
  }

  /** Recall at a call whose response is `response`; undefined when it drew on no earlier tool output. */
  private recallAt(response: Message): number | undefined {
    const used = [...messageSalient(response)].filter((token) => this.toolSeen.has(token));
    if (used.length === 0) return undefined;
    const checkpoint = this.state.meta.checkpoint;
    const covered = checkpoint?.covered ?? 0;
    if (checkpoint && this.replacementSalient?.id !== checkpoint.id) {
      const tokens = new Set<string>();
      for (const message of checkpoint.replacement) for (const token of messageSalient(message)) tokens.add(token);
      this.replacementSalient = { id: checkpoint.id, tokens };
    }
    let present = 0;
    for (const token of used) {
      if (checkpoint && this.replacementSalient?.tokens.has(token)) present++;
      else if ((this.occurrences.get(token) ?? []).some((place) => place >= covered)) present++;
    }
    return present / used.length;
  }

  /**
   * Offline summarizer: the deterministic extractive summary, priced as if the summarizer model had been
   * called (the span's tokens in, the summary's tokens out, at the summarizer's prices).
   */
  private offlineSummarizer(): Summarizer {
    const model = summarizerModelFor(this.priceModel) ?? this.priceModel;
    const tokens = this.options.tokens;
    const calibration = this.calibration;
    return async ({ messages, previousSummary }) => {
      const { extractiveSummary } = await import("../../strategies/internal/extractive.js");
      const text = extractiveSummary(messages, previousSummary !== undefined ? { previousSummary } : {});
      const inputTokens = Math.round(calibration.scale(messages.reduce((sum, message) => sum + tokens.countMessage(message), 0)) + 400);
      const outputTokens = Math.round(calibration.scale(tokens.countRaw(text)));
      const usage: Usage = { inputTokens, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens, reasoningTokens: 0 };
      const cost = costOfCall(model, usage);
      return { text, model, usage, costUsd: cost.known ? cost.costUsd : null };
    };
  }
}
