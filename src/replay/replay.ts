/**
 * Replays one recorded session under one strategy: at each recorded call it builds the context the strategy
 * would have sent (with checkpoints, exactly as the wrapper does), prices it with the cache model and the
 * chosen price model, and measures context recall.
 *
 * @module
 */

import type { Summarizer } from "../../strategies/types.js";
import {
  type CacheSimulator,
  type CacheTtl,
  createCacheSimulator,
  type PromptSegment,
} from "../cache/index.js";
import { costOfCall, getModelPrice, summarizerModelFor } from "../pricing/index.js";
import type { Calibration } from "../session/calibration-state.js";
import { applyCompaction, planCompaction } from "../session/compaction.js";
import { type LiveSession, liveFrom } from "../session/live-session.js";
import type { TokenCounter } from "../session/token-counter.js";
import type { Message, RecordedCall, Transcript, Usage } from "../transcript/types.js";
import { fitEpochCalibrations } from "./calibration-fit.js";
import { messageSalient } from "./recall.js";
import {
  fixedSegments,
  recordedFixedTokens,
  recordedTtl,
  recordedWarmTokens,
  warmFromRecord,
} from "./recorded-cache.js";
import type { StrategySpec } from "./strategy-specs.js";
import { type CallStep, type RecallProbe, transcriptSteps } from "./transcript-steps.js";

/** How the prompt cache is modelled: the price model's provider rules, or no caching at all. */
export type CacheMode = "provider" | "none";

/** Options of {@link replayTranscript}. */
export interface ReplayOptions {
  strategy: StrategySpec;
  /**
   * Model whose prices (and provider cache rules) apply to every call. By default each call is priced at the
   * model it was recorded with (else the transcript's model), under that model's provider cache rules, with a
   * cache of its own: a switch to another model starts from that model's cache (cold the first time).
   * @default each call's recorded model
   */
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
  /** The model every call was priced at ({@link ReplayOptions.priceModel}), else the transcript's main model. */
  priceModel: string;
  /** Every model calls were priced at, in order of first use (one entry unless the session switched models). */
  pricedModels: string[];
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

function promptOf(
  usage: Pick<Usage, "inputTokens" | "cacheReadTokens" | "cacheWrite5mTokens" | "cacheWrite1hTokens">,
): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

function ttlMs(ttl: CacheTtl): number {
  return ttl === "1h" ? 3_600_000 : 300_000;
}

/** Replays a transcript under one strategy. */
export function replayTranscript(transcript: Transcript, options: ReplayOptions): Promise<ReplayResult> {
  return new Replay(transcript, options).run();
}

class Replay {
  private readonly state: LiveSession;
  private readonly priceModel: string;
  /** The token calibration of each history epoch of the recorded session (calibration-fit.ts). */
  private readonly calibrations: Calibration[];
  /** The calibration of the current epoch. */
  private calibration: Calibration;
  /** One cache per model (the provider's cache is scoped to a model); none when caching is off. */
  private readonly simulators = new Map<string, CacheSimulator>();
  private readonly fixedEstimate: number;
  /** The part of the fixed prefix that survives the recorded agent's own history rewrites (compactions). */
  private readonly stableTokens: number | undefined;
  private replacementSalient: { id: string; tokens: Set<string> } | undefined;
  /** Cache-model segments of the history (index-aligned; cut back with the history) and of the checkpoint. */
  private readonly historySegments: PromptSegment[] = [];
  private replacementSegments: { id: string; segments: PromptSegment[] } | undefined;
  /** The prefix no strategy touches (system prompt, tools, what the log did not keep), as segments. */
  private fixedSegments: PromptSegment[];
  /** Lifetime of the cache breakpoints, as the recorded session wrote them. */
  private readonly ttl: CacheTtl;

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
    this.calibrations = fitEpochCalibrations(transcript, tokens, this.fixedEstimate);
    this.calibration = this.calibrations[0] as Calibration;
    this.ttl = recordedTtl(transcript);
    this.stableTokens = recordedFixedTokens(transcript, transcriptSteps(transcript));
    this.fixedSegments = this.fixedAt(0);
  }

  /** The fixed prefix after `epoch` rewrites of the recorded history. */
  private fixedAt(epoch: number): PromptSegment[] {
    return fixedSegments(
      Math.max(0, Math.round(this.calibration.predict(this.fixedEstimate))),
      {
        warmTokens: recordedWarmTokens(this.transcript),
        ...(this.stableTokens !== undefined ? { stableTokens: this.stableTokens } : {}),
        epoch,
      },
      this.ttl,
    );
  }

  /** The lifetime the strategy is told the requests ask for: the recorded one, under Anthropic's rules. */
  private requestTtlMsFor(model: string): number | undefined {
    const provider = getModelPrice(model)?.provider;
    const anthropicRules = provider === "anthropic" || (!provider && this.transcript.provider === "anthropic");
    return anthropicRules ? (this.ttl === "1h" ? 3_600_000 : 300_000) : undefined;
  }

  /** The model a call is priced at: the forced price model, else the call's own. */
  private modelOf(call: RecordedCall): string {
    return this.options.priceModel ?? call.model ?? this.transcript.model ?? "unknown";
  }

  /** The cache of `model` (created cold on first use), or undefined when caching is off. */
  private simulatorFor(model: string): CacheSimulator | undefined {
    if ((this.options.cache ?? "provider") === "none") return undefined;
    let simulator = this.simulators.get(model);
    if (!simulator) {
      const provider = getModelPrice(model)?.provider;
      const anthropicRules =
        provider === "anthropic" || (!provider && this.transcript.provider === "anthropic");
      simulator = anthropicRules
        ? createCacheSimulator({ provider: "anthropic", model, mode: "automatic", ttl: this.ttl })
        : createCacheSimulator({ provider: "openai", model });
      this.simulators.set(model, simulator);
    }
    return simulator;
  }

  async run(): Promise<ReplayResult> {
    const { transcript, options, state } = this;
    const result: ReplayResult = {
      transcript: transcript.id,
      strategy: options.strategy.name,
      priceModel: this.priceModel,
      pricedModels: [],
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
    let recallSum = 0;
    let epoch = 0;
    /** Milliseconds taken off the recorded clock where the recorded cache outlived its lifetime. */
    let timeShift = 0;
    let recallCalls = 0;
    let lastTime: number | undefined;
    const steps = transcriptSteps(transcript);
    for (const [callIndex, call] of transcript.calls.entries()) {
      const step = steps[callIndex] as CallStep;
      this.sync(step);
      if (callIndex > 0 && step.common === 0) {
        // The recorded agent rewrote its history (its own compaction): it writes its injected context again.
        epoch++;
        this.calibration = this.calibrations[epoch] ?? this.calibration;
        this.fixedSegments = this.fixedAt(epoch);
      }
      if (step.survivedGapMs !== undefined) {
        // The recorded cache outlived its nominal lifetime here: so does the replay's (transcript-steps.ts).
        timeShift += step.survivedGapMs - (ttlMs(this.ttl) - 1000);
      }
      const now = call.timestamp !== undefined ? call.timestamp - timeShift : (lastTime ?? 0) + 10_000;
      lastTime = now;
      const model = this.modelOf(call);
      if (!result.pricedModels.includes(model)) result.pricedModels.push(model);
      const simulator = this.simulatorFor(model);
      if (simulator && (callIndex === 0 || step.evictedTo !== undefined)) {
        // Start from the cache state the recorded session found, and lose it where it did (recorded-cache.ts).
        if (callIndex > 0) simulator.reset();
        warmFromRecord(
          simulator,
          this.segments(),
          step.evictedTo ?? recordedWarmTokens(transcript),
          this.ttl,
          now,
        );
      }
      if (strategy && trigger) {
        const plan = await planCompaction({
          state,
          format: transcript.provider,
          model,
          fixedEstimate: this.fixedEstimate,
          strategy,
          trigger,
          tokens: options.tokens,
          now,
          summarizer: this.offlineSummarizer(model),
          calibration: this.calibration,
          requestTtlMs: this.requestTtlMsFor(model),
        });
        if (plan && plan.violations.length === 0) {
          applyCompaction(state, plan);
          result.compactions++;
          if (plan.summarizerCostUsd !== null) result.summarizerCostUsd += plan.summarizerCostUsd;
        }
      }
      const usage = this.price(simulator, now);
      const response = call.responseIndex >= 0 ? transcript.messages[call.responseIndex] : undefined;
      const output =
        call.usage?.outputTokens ??
        (response ? Math.round(this.calibration.scale(options.tokens.countMessage(response))) : 0);
      const full: Usage = {
        ...usage,
        outputTokens: output,
        reasoningTokens: call.usage?.reasoningTokens ?? 0,
      };
      const cost = costOfCall(model, full, call.timestamp !== undefined ? { timestamp: call.timestamp } : {});
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
      if (step.recall) {
        recallSum += this.recallAt(step.recall);
        recallCalls++;
      }
    }
    result.recall = recallCalls > 0 ? recallSum / recallCalls : 1;
    // Dollars include the summarizer's; it is also reported on its own.
    if (result.costUsd !== null) result.costUsd += result.summarizerCostUsd;
    return result;
  }

  /** Brings the session's history in line with the prompt of this call (as the wrapper does). */
  private sync(step: CallStep): void {
    const { state } = this;
    const { common, prompt, hashes } = step;
    state.history.length = common;
    state.historyHashes.length = common;
    state.historyTokens.length = common;
    if (this.historySegments.length > common) this.historySegments.length = common;
    for (let index = common; index < prompt.length; index++) {
      const message = prompt[index] as Message;
      state.history.push(message);
      state.historyHashes.push(hashes[index] as string);
      state.historyTokens.push(this.options.tokens.countMessage(message));
    }
    const checkpoint = state.meta.checkpoint;
    if (checkpoint && checkpoint.covered > common) {
      const { replacement: _replacement, ...rest } = checkpoint;
      state.meta.pastCheckpoints.push(rest);
      delete state.meta.checkpoint;
    }
  }

  /** Prompt usage of the view this call sends, from the cache model. */
  private price(
    simulator: CacheSimulator | undefined,
    now: number,
  ): Pick<Usage, "inputTokens" | "cacheReadTokens" | "cacheWrite5mTokens" | "cacheWrite1hTokens"> {
    const segments = this.segments();
    if (!simulator) {
      const total = segments.reduce((sum, segment) => sum + segment.tokens, 0);
      return { inputTokens: total, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
    }
    return simulator.call(segments, now);
  }

  /** The view this call sends, as cache-model segments: fixed prefix, checkpoint replacement, kept history. */
  private segments(): PromptSegment[] {
    const { state } = this;
    const segments: PromptSegment[] = [];
    segments.push(...this.fixedSegments);
    const checkpoint = state.meta.checkpoint;
    let start = 0;
    if (checkpoint) {
      if (this.replacementSegments?.id !== checkpoint.id) {
        const last = checkpoint.replacement.length - 1;
        this.replacementSegments = {
          id: checkpoint.id,
          segments: checkpoint.replacement.map((message, index) => ({
            hash: `${checkpoint.id}:${index}`,
            tokens: this.scaled(this.options.tokens.countMessage(message)),
            ...(index === last ? { breakpoint: this.ttl } : {}),
          })),
        };
      }
      segments.push(...this.replacementSegments.segments);
      start = checkpoint.covered;
    }
    const history = this.historySegments;
    for (let index = history.length; index < state.history.length; index++) {
      history.push({
        hash: state.historyHashes[index] as string,
        tokens: this.scaled(state.historyTokens[index] ?? 0),
      });
    }
    for (let index = start; index < state.history.length; index++)
      segments.push(history[index] as PromptSegment);
    return segments;
  }

  /** Calibrated tokens of an estimate, rounded, as a prompt segment holds them. */
  private scaled(estimate: number): number {
    return Math.round(this.calibration.scale(estimate));
  }

  /** Recall at a call: the share of the tokens its response drew from tool output that the view still held. */
  private recallAt(probe: RecallProbe): number {
    const checkpoint = this.state.meta.checkpoint;
    const covered = checkpoint?.covered ?? 0;
    if (checkpoint && this.replacementSalient?.id !== checkpoint.id) {
      const tokens = new Set<string>();
      for (const message of checkpoint.replacement)
        for (const token of messageSalient(message)) tokens.add(token);
      this.replacementSalient = { id: checkpoint.id, tokens };
    }
    let present = 0;
    probe.tokens.forEach((token, index) => {
      if (
        (probe.lastPlace[index] ?? -1) >= covered ||
        (checkpoint && this.replacementSalient?.tokens.has(token))
      )
        present++;
    });
    return present / probe.tokens.length;
  }

  /**
   * Offline summarizer: the deterministic extractive summary, priced as if the summarizer model had been
   * called (the span's tokens in, the summary's tokens out, at the summarizer's prices).
   */
  private offlineSummarizer(sessionModel: string): Summarizer {
    const model = summarizerModelFor(sessionModel) ?? sessionModel;
    const tokens = this.options.tokens;
    const calibration = this.calibration;
    return async ({ messages, previousSummary }) => {
      const { extractiveSummary } = await import("../../strategies/internal/extractive.js");
      const text = extractiveSummary(messages, previousSummary !== undefined ? { previousSummary } : {});
      const inputTokens = Math.round(
        calibration.scale(messages.reduce((sum, message) => sum + tokens.countMessage(message), 0)) + 400,
      );
      const outputTokens = Math.round(calibration.scale(tokens.countRaw(text)));
      const usage: Usage = {
        inputTokens,
        cacheReadTokens: 0,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        outputTokens,
        reasoningTokens: 0,
      };
      const cost = costOfCall(model, usage);
      return { text, model, usage, costUsd: cost.known ? cost.costUsd : null };
    };
  }
}
