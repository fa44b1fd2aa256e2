/**
 * Replays one recorded session under one strategy: at each recorded call it builds the context the strategy
 * would have sent (with checkpoints, exactly as the wrapper does), prices it with the cache model and the
 * chosen price model, and measures context recall.
 *
 * @module
 */

import { isOffloading, offloadId, recallIdsIn } from "../../strategies/offload.js";
import type { NativeCompactor, Summarizer } from "../../strategies/types.js";
import {
  type CacheSimulator,
  type CacheTtl,
  createCacheSimulator,
  type PromptSegment,
} from "../cache/index.js";
import { costOfCall, getModelPrice, summarizerModelFor } from "../pricing/index.js";
import type { Calibration } from "../session/calibration-state.js";
import { applyCompaction, type CompactionPlan, planCompaction } from "../session/compaction.js";
import { type LiveSession, liveFrom } from "../session/live-session.js";
import type { TokenCounter } from "../session/token-counter.js";
import type { Message, RecordedCall, Transcript, Usage } from "../transcript/types.js";
import { fitEpochCalibrations } from "./calibration-fit.js";
import { messageHash } from "./message-hash.js";
import { RecallMeter, textObservations, toolOutputSalient } from "./recall.js";
import {
  fixedSegments,
  recordedFixedTokens,
  recordedTtl,
  recordedWarmTokens,
  warmFromRecord,
} from "./recorded-cache.js";
import type { StrategySpec } from "./strategy-specs.js";
import type { TraceCallInput } from "./trace.js";
import { type CallStep, transcriptSteps } from "./transcript-steps.js";

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
  /** Called once per call with what was sent and priced (`compactor bench --trace`). */
  trace?: (call: TraceCallInput) => void;
}

/**
 * Output tokens of a recovery call: the agent's one tool call that re-reads what it lost (a path or a command
 * and a line of reasoning).
 */
export const recoveryCallOutputTokens = 100;

/**
 * Output tokens of the model's recall turn (one `compactor_recall` call: its name and an 11-character id, about
 * 20 tokens in the providers' tool-call framing, rounded up).
 */
export const recallCallOutputTokens = 40;

/**
 * Tokens the hidden exchange adds around a recalled output in the continuation (the recall call and the
 * tool-result framing), rounded up.
 */
export const recallExchangeTokens = 40;

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
  /**
   * Context recall: the mean, over the calls that used a fact a compaction removed earlier, of the share of
   * such facts whose content the view still held (recall.ts); `null` when no call did (no compaction, or
   * nothing removed was used again).
   */
  recall: number | null;
  /** Calls that used a fact a compaction removed earlier (the calls recall is averaged over). */
  recallCalls: number;
  /** Facts used again after a compaction removed them, summed over calls; and of those, kept in the view. */
  factsRemoved: number;
  factsKept: number;
  /**
   * Dollars of recovering what the view lost: for each fact the recorded agent used that was gone, one extra
   * call that reads the prompt from the cache and re-reads the latest removed output holding it (written to
   * the cache, {@link recoveryCallOutputTokens} out), which then rides in every prompt until the next
   * compaction. 0 for no compaction; `null` when the price is unknown.
   */
  recoveryCostUsd: number | null;
  /** Removed outputs re-read (recovery calls). */
  recoveries: number;
  /** `costUsd + recoveryCostUsd`: what the strategy costs once forgetting is paid for. */
  effectiveCostUsd: number | null;
  /** True when the strategy offloads (`offload(...)`): lost facts in recallable outputs are charged a recall. */
  offloads: boolean;
  /**
   * Recall counted as "in view or one recall away": like {@link ReplayResult.recall}, but a fact whose removed
   * output is recallable (an offload placeholder with its id in the view) counts as kept. `null` for strategies
   * that do not offload (nothing is one recall away) and when no call used a removed fact.
   */
  recallReachable: number | null;
  /**
   * Hidden recall round trips charged (one per removed output the agent used again, when it was recallable);
   * included in {@link ReplayResult.recoveries} and their cost in {@link ReplayResult.recoveryCostUsd}.
   */
  recallRoundTrips: number;
  /** Call index of the first compaction, or `null` when there was none. */
  firstCompactionCall: number | null;
  /** Cumulative dollars and prompt tokens per call, when `series` was asked for. */
  series?: { cumulativeCostUsd: number[]; contextTokens: number[] };
  /**
   * Cumulative dollars (calls, summaries; recoveries apart) after each call, always kept for the regret
   * measure; the bench drops it from what it reports.
   */
  costTrail?: number[];
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

/** Offload ids a checkpoint's replacement shows: its recallable placeholders and its summaries' kept-outputs index. */
function recallableIds(replacement: readonly Message[]): Set<string> {
  const ids = new Set<string>();
  const add = (text: string) => {
    for (const id of recallIdsIn(text)) ids.add(id);
  };
  for (const message of replacement) {
    for (const block of message.content) {
      if (block.type === "text" || block.type === "summary") add(block.text);
      else if (block.type === "tool_result")
        for (const part of block.content) if (part.type === "text") add(part.text);
    }
  }
  return ids;
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
    const anthropicRules =
      provider === "anthropic" || (!provider && this.transcript.provider === "anthropic");
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
    const { strategy, trigger } = options.strategy.create();
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
      recall: null,
      recallCalls: 0,
      factsRemoved: 0,
      factsKept: 0,
      recoveryCostUsd: 0,
      recoveries: 0,
      effectiveCostUsd: 0,
      offloads: isOffloading(strategy),
      recallReachable: null,
      recallRoundTrips: 0,
      firstCompactionCall: null,
      costTrail: [],
      ...(options.series ? { series: { cumulativeCostUsd: [], contextTokens: [] } } : {}),
    };
    let recallSum = 0;
    let reachableSum = 0;
    /** Offload ids recallable from the active checkpoint's replacement (computed once per checkpoint). */
    let recallable: { id: string; ids: Set<string> } | undefined;
    let epoch = 0;
    /** Milliseconds taken off the recorded clock where the recorded cache outlived its lifetime. */
    let timeShift = 0;
    let lastTime: number | undefined;
    const steps = transcriptSteps(transcript);
    const observations = textObservations(transcript);
    const meter = new RecallMeter(observations);
    /** History indices of removed outputs re-read since the last compaction, and their tokens. */
    const recovered = new Map<number, number>();
    let ridingTokens = 0;
    for (const [callIndex, call] of transcript.calls.entries()) {
      const step = steps[callIndex] as CallStep;
      if (step.common < state.history.length) {
        // The recorded agent rewrote its history: indices of re-read outputs no longer hold.
        recovered.clear();
        ridingTokens = 0;
      }
      this.sync(step);
      let compacted: CompactionPlan | undefined;
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
          native: this.offlineNative(model, state, now),
          calibration: this.calibration,
          requestTtlMs: this.requestTtlMsFor(model),
        });
        if (plan && plan.violations.length === 0) {
          applyCompaction(state, plan);
          result.compactions++;
          result.firstCompactionCall ??= callIndex;
          if (plan.summarizerCostUsd !== null) result.summarizerCostUsd += plan.summarizerCostUsd;
          compacted = plan;
          // What was re-read rides only until the next compaction.
          recovered.clear();
          ridingTokens = 0;
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
      // Forgetting: recall at this call, and the recovery of every fact the view lost.
      const checkpoint = state.meta.checkpoint;
      const measure = step.recall ? meter.measure(step.recall, state.history, checkpoint) : undefined;
      if (result.offloads && checkpoint && recallable?.id !== checkpoint.id) {
        recallable = { id: checkpoint.id, ids: recallableIds(checkpoint.replacement) };
      }
      /** True when the removed output at history index `source` is one recall away. */
      const isRecallable = (source: number): boolean => {
        if (!result.offloads || !checkpoint || !recallable || source < 0) return false;
        const ids = recallable.ids;
        return (state.history[source]?.content ?? []).some(
          (block) => block.type === "tool_result" && ids.has(offloadId(block.callId)),
        );
      };
      if (measure && measure.removed > 0) {
        result.recallCalls++;
        recallSum += measure.kept / measure.removed;
        result.factsRemoved += measure.removed;
        result.factsKept += measure.kept;
        if (result.offloads) {
          const reachable = measure.lost.filter(({ source }) => isRecallable(source)).length;
          reachableSum += (measure.kept + reachable) / measure.removed;
        }
      }
      const reRead: Array<{ index: number; tokens: number; facts: string[] }> = [];
      for (const { token, source } of measure?.lost ?? []) {
        if (source < 0 || recovered.has(source)) continue;
        const again = [...recovered.keys()].some((index) =>
          toolOutputSalient(state.history[index] as Message, observations).has(token),
        );
        if (again) continue;
        const already = reRead.find((entry) => entry.index === source);
        if (already) {
          already.facts.push(token);
          continue;
        }
        reRead.push({ index: source, tokens: this.scaled(state.historyTokens[source] ?? 0), facts: [token] });
      }
      let recoveryCost: number | null = 0;
      const ridingBefore = ridingTokens;
      for (const entry of reRead) {
        // A recallable output comes back by a hidden recall round trip; any other by the agent's own re-read.
        const recall = isRecallable(entry.index);
        if (recall) result.recallRoundTrips++;
        const extra = recall
          ? this.recallRoundTripCost(model, simulator, prompt + ridingTokens, entry.tokens)
          : this.recoveryCallCost(model, simulator, prompt + ridingTokens, entry.tokens);
        recoveryCost = recoveryCost === null || extra === null ? null : recoveryCost + extra;
        recovered.set(entry.index, entry.tokens);
        ridingTokens += entry.tokens;
        result.recoveries++;
      }
      if (ridingTokens > 0) {
        const riding = this.ridingCost(model, simulator, full, ridingTokens, call.timestamp);
        recoveryCost = recoveryCost === null || riding === null ? null : recoveryCost + riding;
      }
      if (result.recoveryCostUsd !== null)
        result.recoveryCostUsd = recoveryCost === null ? null : result.recoveryCostUsd + recoveryCost;
      result.calls++;
      result.promptTokens += prompt;
      result.uncachedTokens += usage.inputTokens;
      result.cacheReadTokens += usage.cacheReadTokens;
      result.cacheWriteTokens += usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
      result.outputTokens += output;
      result.peakContextTokens = Math.max(result.peakContextTokens, prompt);
      result.series?.cumulativeCostUsd.push((result.costUsd ?? 0) + result.summarizerCostUsd);
      result.series?.contextTokens.push(prompt);
      result.costTrail?.push((result.costUsd ?? 0) + result.summarizerCostUsd);
      if (options.trace) {
        options.trace(
          this.traceInput(callIndex, now, model, full, cost.known ? cost.costUsd : null, result, {
            ...(compacted ? { compacted } : {}),
            ...(measure && measure.removed > 0 ? { measure } : {}),
            reRead,
            ridingBefore,
            ridingTokens,
            recoveryCost,
          }),
        );
      }
      state.meta.calls++;
      state.meta.lastCallAt = now;
      state.meta.lastUsage = full;
    }
    result.recall = result.recallCalls > 0 ? recallSum / result.recallCalls : null;
    result.recallReachable =
      result.offloads && result.recallCalls > 0 ? reachableSum / result.recallCalls : null;
    // Dollars include the summarizer's; it is also reported on its own.
    if (result.costUsd !== null) result.costUsd += result.summarizerCostUsd;
    result.effectiveCostUsd =
      result.costUsd === null || result.recoveryCostUsd === null
        ? null
        : result.costUsd + result.recoveryCostUsd;
    return result;
  }

  /**
   * Dollars of one hidden recall round trip: the model's recall turn (the prompt read from the cache, or at the
   * input price with no caching; {@link recallCallOutputTokens} out), then the continuation's extra prompt: the
   * recalled output and its framing ({@link recallExchangeTokens}) written to the cache. The continuation's own
   * output is the recorded call's, priced with the call.
   */
  private recallRoundTripCost(
    model: string,
    simulator: CacheSimulator | undefined,
    promptTokens: number,
    recalledTokens: number,
  ): number | null {
    const turn: Usage = {
      inputTokens: simulator ? 0 : promptTokens,
      cacheReadTokens: simulator ? promptTokens : 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: recallCallOutputTokens,
      reasoningTokens: 0,
    };
    const continuation: Usage = {
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
    };
    if (!simulator) continuation.inputTokens = recalledTokens + recallExchangeTokens;
    else this.addWrite(model, continuation, recalledTokens + recallExchangeTokens);
    const first = costOfCall(model, turn);
    const second = costOfCall(model, continuation);
    return first.known && second.known && first.costUsd !== null && second.costUsd !== null
      ? first.costUsd + second.costUsd
      : null;
  }

  /**
   * Dollars of one recovery call: the prompt read from the cache (or at the input price with no caching), the
   * re-read output written to it, {@link recoveryCallOutputTokens} out.
   */
  private recoveryCallCost(
    model: string,
    simulator: CacheSimulator | undefined,
    promptTokens: number,
    reReadTokens: number,
  ): number | null {
    const usage: Usage = {
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: recoveryCallOutputTokens,
      reasoningTokens: 0,
    };
    if (!simulator) usage.inputTokens = promptTokens + reReadTokens;
    else {
      usage.cacheReadTokens = promptTokens;
      this.addWrite(model, usage, reReadTokens);
    }
    const cost = costOfCall(model, usage);
    return cost.known ? cost.costUsd : null;
  }

  /**
   * Dollars the re-read outputs add to a call's prompt: read from the cache when the call read from it,
   * written to it when the call found the cache cold; at the input price with no caching.
   */
  private ridingCost(
    model: string,
    simulator: CacheSimulator | undefined,
    usage: Usage,
    tokens: number,
    timestamp: number | undefined,
  ): number | null {
    const withRiding: Usage = { ...usage };
    if (!simulator) withRiding.inputTokens += tokens;
    else if (usage.cacheReadTokens > 0) withRiding.cacheReadTokens += tokens;
    else this.addWrite(model, withRiding, tokens);
    const options = timestamp !== undefined ? { timestamp } : {};
    const before = costOfCall(model, usage, options);
    const after = costOfCall(model, withRiding, options);
    return before.known && after.known && before.costUsd !== null && after.costUsd !== null
      ? after.costUsd - before.costUsd
      : null;
  }

  /** Adds tokens written to the cache: a cache write under Anthropic's rules, plain input under OpenAI's. */
  private addWrite(model: string, usage: Usage, tokens: number): void {
    const provider = getModelPrice(model)?.provider;
    if (provider === "anthropic" || (!provider && this.transcript.provider === "anthropic")) {
      if (this.ttl === "1h") usage.cacheWrite1hTokens += tokens;
      else usage.cacheWrite5mTokens += tokens;
    } else usage.inputTokens += tokens;
  }

  /** The trace line of one call. */
  private traceInput(
    callIndex: number,
    time: number,
    model: string,
    usage: Usage,
    costUsd: number | null,
    result: ReplayResult,
    forgetting: {
      compacted?: CompactionPlan;
      measure?: { removed: number; kept: number; lost: Array<{ token: string }> };
      reRead: Array<{ index: number; tokens: number; facts: string[] }>;
      ridingBefore: number;
      ridingTokens: number;
      recoveryCost: number | null;
    },
  ): TraceCallInput {
    const { state } = this;
    const checkpoint = state.meta.checkpoint;
    const view: Message[] = [];
    const viewHashes: string[] = [];
    if (checkpoint)
      for (const message of checkpoint.replacement) {
        view.push(message);
        viewHashes.push(messageHash(message));
      }
    for (let index = checkpoint?.covered ?? 0; index < state.history.length; index++) {
      view.push(state.history[index] as Message);
      viewHashes.push(state.historyHashes[index] as string);
    }
    const input: TraceCallInput = {
      callIndex,
      time,
      model,
      view,
      viewHashes,
      usage,
      costUsd,
      cumulativeCostUsd:
        result.costUsd === null || result.recoveryCostUsd === null
          ? null
          : result.costUsd + result.summarizerCostUsd + result.recoveryCostUsd,
    };
    const plan = forgetting.compacted;
    if (plan) {
      const kept = new Set(plan.checkpoint.replacement);
      const removed: string[] = [];
      for (let index = 0; index < plan.checkpoint.covered; index++)
        if (!kept.has(state.history[index] as Message)) removed.push(state.historyHashes[index] as string);
      const summary = plan.checkpoint.replacement
        .flatMap((message) => message.content)
        .filter((block) => block.type === "summary")
        .map((block) => (block.type === "summary" ? block.text : ""))
        .join("\n\n");
      const event = plan.event(state.meta.id, time);
      input.compaction = {
        strategy: plan.strategy,
        description: event.description,
        coveredMessages: plan.checkpoint.covered,
        removed,
        ...(summary !== "" ? { summary } : {}),
        ...(plan.summarizerModel !== undefined ? { summarizerModel: plan.summarizerModel } : {}),
        summarizerCostUsd: plan.summarizerCostUsd,
        tokensBefore: plan.checkpoint.tokensBefore,
        tokensAfter: plan.checkpoint.tokensAfter,
      };
    }
    if (forgetting.measure) {
      input.recall = {
        removed: forgetting.measure.removed,
        kept: forgetting.measure.kept,
        lost: forgetting.measure.lost.map((fact) => fact.token),
      };
    }
    if (forgetting.ridingTokens > 0 || forgetting.reRead.length > 0) {
      input.recovery = {
        reRead: forgetting.reRead.map((entry) => ({
          message: state.historyHashes[entry.index] as string,
          tokens: entry.tokens,
          facts: entry.facts,
        })),
        ridingTokens: forgetting.ridingBefore,
        costUsd: forgetting.recoveryCost ?? 0,
      };
    }
    return input;
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

  /**
   * Offline provider-native compaction (`nativeCompaction`), for sessions whose API offers it (Anthropic
   * Messages, OpenAI Responses): the provider summarizes with the session's own model, so the span (with the
   * fixed prompt the compaction request repeats) is the input, read from the cache when the previous call was
   * within the cache lifetime (the span is an earlier call's prompt), and a summary of the extractive summary's
   * measured size is the output, at the session model's prices. What a provider's summary keeps cannot be
   * replayed: the replacement is the same extractive text local summaries use (a user summary message, then the
   * task), so recall is that of a plain summary of the span.
   */
  private offlineNative(sessionModel: string, state: LiveSession, now: number): NativeCompactor | undefined {
    const format = this.transcript.provider;
    if (format !== "anthropic" && format !== "openai-responses") return undefined;
    const tokens = this.options.tokens;
    const calibration = this.calibration;
    const fixed = this.fixedEstimate;
    const ttl = ttlMs(this.ttl);
    const warm = state.meta.lastCallAt !== undefined && now - state.meta.lastCallAt < ttl;
    return {
      kind: "replay-native",
      compact: async (span) => {
        const { extractiveSummary } = await import("../../strategies/internal/extractive.js");
        const text = extractiveSummary(span);
        const prompt = Math.round(
          calibration.scale(fixed + span.reduce((sum, message) => sum + tokens.countMessage(message), 0)),
        );
        const usage: Usage = {
          inputTokens: warm ? 0 : prompt,
          cacheReadTokens: warm ? prompt : 0,
          cacheWrite5mTokens: 0,
          cacheWrite1hTokens: 0,
          outputTokens: Math.round(calibration.scale(tokens.countRaw(text))),
          reasoningTokens: 0,
        };
        const cost = costOfCall(sessionModel, usage);
        const task = span.find(
          (message) => message.role === "user" && !message.content.some((block) => block.type === "tool_result"),
        );
        const summary: Message = { role: "user", content: [{ type: "summary", text, replacedMessages: span.length }] };
        return {
          replacement: task ? [task, summary] : [summary],
          summary: { text, model: sessionModel, usage, costUsd: cost.known ? cost.costUsd : null },
        };
      },
    };
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
