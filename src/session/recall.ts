/**
 * The runtime side of reversible offload: the recall tool added to every compactable request of an offloading
 * session, the answers (read from the session's history, which holds every tool output whole), the pricing of
 * hidden turns (spend, never saving), and the hidden exchanges sent again on later calls.
 *
 * @module
 */
import { offloadId } from "../../strategies/offload.js";
import type { CompactorEvent } from "../events/types.js";
import { costOfCall } from "../pricing/index.js";
import type { RecallTotals } from "../store/types.js";
import type { Block, ProviderFormat, Usage } from "../transcript/types.js";
import type { CallOutcome, RecallHooks, RecallTurnInfo } from "../wrapper/contract.js";
import { fingerprint, historyOf, withHistory, withRecallTool } from "../wrapper/wire/recall-format.js";
import { bindingFor } from "./formats.js";
import type { LiveSession } from "./live-session.js";

/** Options of the recall round trip (`withCompaction({ offload })`). */
export interface RecallOptions {
  /**
   * Most hidden round trips answered for one call of the agent; one more answers "limit reached", and recall
   * calls after that are taken out of the turn.
   * @default 3
   */
  maxRecalls?: number;
  /**
   * Longest wait for the store's answer to one recall, in milliseconds; then the model is told the output is
   * unavailable and the call goes on.
   * @default 1000
   */
  lookupTimeoutMs?: number;
}

/** Resolved {@link RecallOptions}. */
export type ResolvedRecallOptions = Required<RecallOptions>;

/** Hidden exchanges kept per session (the oldest are dropped). */
const maxExchanges = 32;

/** Recall state of a live session (in memory). */
interface RecallState {
  /** Hidden exchanges, each with the checkpoint its call was sent through. */
  exchanges: Array<{ anchor: string; entries: unknown[]; checkpointId: string | undefined }>;
}

const states = new WeakMap<LiveSession, RecallState>();

function stateOf(session: LiveSession): RecallState {
  let state = states.get(session);
  if (!state) {
    state = { exchanges: [] };
    states.set(session, state);
  }
  return state;
}

export type { RecallTotals };

/** The recall totals of a session (zeros when it never recalled). */
export function recallTotalsOf(session: LiveSession): RecallTotals {
  return session.meta.recall ?? { turns: 0, answered: 0, unanswered: 0, dropped: 0, costUsd: 0 };
}

function textOfContent(content: readonly Block[]): string {
  return content
    .map((block) => (block.type === "text" ? block.text : block.type === "image" ? "[image omitted]" : ""))
    .join("\n");
}

/** The kept output of an offload id in the session's history, or undefined. */
export function keptOutput(session: LiveSession, id: string): string | undefined {
  for (let index = session.history.length - 1; index >= 0; index--) {
    for (const block of session.history[index]?.content ?? []) {
      if (block.type === "tool_result" && offloadId(block.callId) === id) return textOfContent(block.content);
    }
  }
  return undefined;
}

/**
 * `params` with the session's hidden exchanges put back before the replies they led to, and the recall tool
 * appended. An exchange rides until the next compaction: the new checkpoint rewrites the cached prefix anyway,
 * and the recalled output is then offloaded again like any other (the bench charges recalls the same way). The
 * replies are searched in the whole view (masking keeps assistant messages as they are). Exchanges whose reply
 * is gone (the agent rewrote its history) are forgotten.
 */
export function withRecall(
  session: LiveSession,
  format: ProviderFormat,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const recall = stateOf(session);
  const checkpointId = session.meta.checkpoint?.id;
  recall.exchanges = recall.exchanges.filter((exchange) => exchange.checkpointId === checkpointId);
  let next = params;
  const history = historyOf(format, params);
  if (history && recall.exchanges.length > 0) {
    const byAnchor = new Map(recall.exchanges.map((exchange) => [exchange.anchor, exchange]));
    const kept: RecallState["exchanges"] = [];
    const out: unknown[] = [];
    for (const entry of history) {
      const print = fingerprint(format, entry);
      const exchange = print === undefined ? undefined : byAnchor.get(print);
      if (exchange) {
        out.push(...exchange.entries);
        kept.push(exchange);
        byAnchor.delete(exchange.anchor);
      }
      out.push(entry);
    }
    recall.exchanges = kept;
    if (out.length !== history.length) next = withHistory(format, params, out);
  }
  return withRecallTool(format, next);
}

/** Inputs of {@link recallHooks}. */
export interface RecallHooksInput {
  session: LiveSession;
  format: ProviderFormat;
  model: string;
  stream: boolean;
  options: ResolvedRecallOptions;
  emit: (event: CompactorEvent) => void;
  now: () => number;
  /** Adds a hidden turn's bill to the call's (the budget's settlement). */
  bill: (billed: { usd: number | null; tokens: number }) => void;
  /**
   * Calibrated prompt tokens of the request as sent, for a hidden turn whose answer reported no usage (a chat
   * stream without `stream_options.include_usage`): its spend is then estimated, never left out.
   */
  estimatePromptTokens: () => number;
}

function promptOf(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

/** The hooks the wire core's recall stage calls for one prepared request. */
export function recallHooks(input: RecallHooksInput): RecallHooks {
  const { session, format, options } = input;
  const binding = bindingFor(format);
  const checkpointId = session.meta.checkpoint?.id;
  return {
    maxRecalls: options.maxRecalls,
    lookupTimeoutMs: options.lookupTimeoutMs,
    lookup: async (id) => keptOutput(session, id),
    remember: (exchange) => {
      const recall = stateOf(session);
      // The checkpoint this call was sent through (read when it was prepared).
      const kept = { ...exchange, checkpointId };
      recall.exchanges = [
        ...recall.exchanges.filter((known) => known.anchor !== exchange.anchor),
        kept,
      ].slice(-maxExchanges);
    },
    settleTurn: (outcome: CallOutcome, info: RecallTurnInfo) => {
      session.meta.recall ??= {
        turns: 0,
        answered: 0,
        unanswered: 0,
        dropped: 0,
        costUsd: 0,
      };
      const totals = session.meta.recall;
      const time = input.now();
      if (info.dropped) {
        totals.dropped += info.ids.length;
        input.emit({
          type: "recall",
          session: session.id,
          time,
          callIndex: session.meta.calls,
          ids: info.ids,
          answers: [],
          dropped: true,
          costUsd: 0,
        });
        return;
      }
      let usage: Usage | undefined;
      try {
        if (outcome.kind === "response") usage = binding.responseUsage(outcome.response);
        else if (outcome.kind === "stream") usage = binding.streamUsage(outcome.events);
      } catch {
        usage = undefined;
      }
      if (!usage) {
        usage = {
          inputTokens: Math.round(input.estimatePromptTokens()),
          cacheReadTokens: 0,
          cacheWrite5mTokens: 0,
          cacheWrite1hTokens: 0,
          outputTokens: 0,
          reasoningTokens: 0,
        };
        input.emit({
          type: "error",
          session: session.id,
          time,
          phase: "usage",
          message: "the provider reported no usage for a hidden recall turn; an estimate was recorded",
        });
      }
      totals.turns++;
      totals.answered += info.answers.filter((answer) => answer === "kept").length;
      totals.unanswered += info.answers.filter((answer) => answer !== "kept").length;
      let costUsd: number | null = null;
      if (usage) {
        const model =
          binding.responseModel(outcome.kind === "response" ? outcome.response : undefined) ?? input.model;
        const cost = costOfCall(model, usage);
        costUsd = cost.known ? cost.costUsd : null;
        // Spend, never saving: the cost goes into what the session paid and nothing into the counterfactual.
        const sessionTotals = session.meta.totals;
        sessionTotals.promptTokens += promptOf(usage);
        sessionTotals.outputTokens += usage.outputTokens;
        sessionTotals.cacheReadTokens += usage.cacheReadTokens;
        sessionTotals.cacheWriteTokens += usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
        if (costUsd === null) sessionTotals.unpricedCalls++;
        else {
          sessionTotals.costUsd += costUsd;
          totals.costUsd += costUsd;
        }
        input.bill({ usd: costUsd, tokens: promptOf(usage) + usage.outputTokens });
      }
      input.emit({
        type: "recall",
        session: session.id,
        time,
        callIndex: session.meta.calls,
        ids: info.ids,
        answers: info.answers,
        dropped: false,
        ...(usage ? { usage } : {}),
        costUsd,
        durationMs: outcome.durationMs,
      });
    },
  };
}
