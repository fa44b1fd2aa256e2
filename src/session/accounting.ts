/**
 * After a call: price it, price what the uncompacted history would have cost (the counterfactual, with the
 * cache modelled the same way), update the calibration, the ledger, the totals and the store, emit the event.
 *
 * @module
 */
import type { CompactorEvent, ErrorEvent } from "../events/types.js";
import { costOfCall } from "../pricing/index.js";
import type { LedgerEntry, SessionStore } from "../store/types.js";
import type { ProviderFormat, Usage } from "../transcript/types.js";
import type { CallOutcome } from "../wrapper/contract.js";
import { calibrationOf, recordCalibration } from "./calibration-state.js";
import { bindingFor, streamResponse } from "./formats.js";
import type { LiveSession } from "./live-session.js";
import { responseMessage } from "./conversion.js";
import { type CacheLayout, shadowUsage } from "./shadow-cache.js";
import { persistInBackground } from "../resilience/background.js";

/** Inputs of {@link settleCall}. */
export interface SettleInput {
  state: LiveSession;
  store: SessionStore;
  format: ProviderFormat;
  model: string;
  stream: boolean;
  outcome: CallOutcome;
  /** Estimated (uncalibrated) tokens of what was sent and of the full history. */
  sentEstimate: { fixed: number; messages: number };
  fullEstimate: { fixed: number; messages: number };
  compacted: boolean;
  /** Where the request caches (Anthropic: its breakpoints), for the counterfactual. */
  caching: CacheLayout;
  emit: (event: CompactorEvent) => void;
  now: number;
  reportError: (phase: ErrorEvent["phase"], error: unknown, fallback?: string) => void;
}

function promptOf(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

/**
 * Records one finished call. Persists history even when the call failed (in the background): nothing the agent
 * sent is lost.
 * Returns what the call was billed (dollars, `null` when unpriced, and tokens), or undefined when it was not.
 */
export async function settleCall(
  input: SettleInput,
): Promise<{ usd: number | null; tokens: number } | undefined> {
  const { state, outcome } = input;
  const binding = bindingFor(input.format);
  let usage: Usage | undefined;
  let response: unknown;
  if (outcome.kind === "response") {
    response = outcome.response;
  } else if (outcome.kind === "stream") {
    response = streamResponse(input.format, outcome.events);
  }
  try {
    if (outcome.kind === "response") usage = binding.responseUsage(outcome.response);
    else if (outcome.kind === "stream") usage = binding.streamUsage(outcome.events);
  } catch (error) {
    input.reportError("usage", error);
  }
  if (outcome.kind !== "error" && !usage) {
    // No usage reported (a chat stream without stream_options.include_usage, a stream that broke off early):
    // account the calibrated estimate so that spend is never silently zero.
    const calibration = calibrationOf(state);
    usage = {
      inputTokens: Math.round(calibration.predict(input.sentEstimate.fixed + input.sentEstimate.messages)),
      cacheReadTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
    };
    input.reportError(
      "usage",
      new Error("the provider reported no usage for this call; an estimate was recorded"),
    );
  }

  const ledger = state.pendingLedger;
  let billed: { usd: number | null; tokens: number } | undefined;
  if (usage) {
    const model = binding.responseModel(response) ?? input.model;
    const calibration = calibrationOf(state);
    const sentEstimateTotal = input.sentEstimate.fixed + input.sentEstimate.messages;
    const cost = costOfCall(model, usage);
    const costUsd = cost.known ? cost.costUsd : null;
    // Counterfactual: the uncompacted history, its cache split predicted by the same cache model.
    const shadow = shadowUsage(
      state,
      input.format,
      model,
      input.now,
      calibration,
      {
        promptTokens: promptOf(usage),
        sentMessagesEstimate: input.sentEstimate.messages,
        fullMessagesEstimate: input.fullEstimate.messages,
        fixedEstimate: input.sentEstimate.fixed,
        checkpointId: input.compacted ? state.meta.checkpoint?.id : undefined,
      },
      input.caching,
    );
    let uncompactedUsage: Usage;
    let uncompactedPromptTokens: number;
    if (!input.compacted) {
      uncompactedUsage = usage;
      uncompactedPromptTokens = promptOf(usage);
    } else {
      uncompactedUsage = {
        ...shadow,
        outputTokens: usage.outputTokens,
        reasoningTokens: usage.reasoningTokens,
      };
      uncompactedPromptTokens = promptOf(uncompactedUsage);
    }
    // Not compacted: the counterfactual is the call itself (priced once).
    const uncompactedCost = input.compacted ? costOfCall(model, uncompactedUsage) : cost;
    const uncompactedCostUsd = uncompactedCost.known ? uncompactedCost.costUsd : null;
    recordCalibration(state, model, sentEstimateTotal, promptOf(usage));

    const entry: LedgerEntry = {
      callIndex: state.meta.calls,
      time: input.now,
      model,
      usage,
      promptTokens: promptOf(usage),
      costUsd,
      uncompactedPromptTokens,
      uncompactedCostUsd,
      ...(input.compacted && state.meta.checkpoint ? { checkpointId: state.meta.checkpoint.id } : {}),
    };
    ledger.push(entry);
    billed = { usd: costUsd, tokens: entry.promptTokens + usage.outputTokens };
    const totals = state.meta.totals;
    totals.calls++;
    totals.promptTokens += entry.promptTokens;
    totals.outputTokens += usage.outputTokens;
    totals.cacheReadTokens += usage.cacheReadTokens;
    totals.cacheWriteTokens += usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
    if (costUsd === null || uncompactedCostUsd === null) totals.unpricedCalls++;
    else {
      totals.costUsd += costUsd;
      totals.uncompactedCostUsd += uncompactedCostUsd;
    }
    state.meta.calls++;
    state.meta.lastCallAt = input.now;
    state.meta.lastUsage = usage;
    try {
      const message = responseMessage(input.format, response);
      if (message) state.meta.lastResponse = message;
    } catch (error) {
      input.reportError("usage", error);
    }
    input.emit({
      type: "call",
      session: state.id,
      time: input.now,
      callIndex: entry.callIndex,
      provider: input.format,
      model,
      stream: input.stream,
      usage,
      promptTokens: entry.promptTokens,
      costUsd,
      uncompactedPromptTokens,
      uncompactedCostUsd,
      compacted: input.compacted,
      durationMs: outcome.durationMs,
    });
  }
  state.meta.updatedAt = input.now;
  // Saved in the background: a slow or frozen store never holds up the next call (flush() waits for it).
  void persistInBackground(state, input.store, (error) =>
    input.reportError("store", error, "continued-in-memory"),
  );
  return billed;
}
