/**
 * The runtime side of reversible offload: the recall tool added to every compactable request of an offloading
 * session, the answers (read from the session's history, which holds every tool output whole), the pricing of
 * hidden turns (spend, never saving), and the hidden exchanges sent again on later calls. The exchanges and the
 * recall totals live in the session's meta, so they are saved with every call: a session another process serves
 * next (or this one after a restart) sends the same exchanges again, and answers recalls from the stored history.
 *
 * @module
 */
import { offloadId } from "../../strategies/offload.js";
import type { CompactorEvent } from "../events/types.js";
import { costOfCall } from "../pricing/index.js";
import type { RecallExchange, RecallTotals } from "../store/types.js";
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
export const maxRecallExchanges = 32;

export type { RecallTotals };

/**
 * The hidden exchanges of two copies of a session that met (another process saved it meanwhile): the stored ones,
 * then this copy's that the store lacks (the newest last), at most {@link maxRecallExchanges}.
 */
export function mergeRecallExchanges(
  stored: readonly RecallExchange[] | undefined,
  local: readonly RecallExchange[] | undefined,
): RecallExchange[] | undefined {
  if (!local?.length) return stored?.length ? structuredClone([...stored]) : undefined;
  const merged = structuredClone([...(stored ?? [])]);
  for (const exchange of local) if (!merged.some((known) => known.anchor === exchange.anchor)) merged.push(structuredClone(exchange));
  return merged.slice(-maxRecallExchanges);
}

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
  const meta = session.meta;
  let next = params;
  const known = meta.recallExchanges;
  if (!known || known.length === 0) return withRecallTool(format, next);
  const checkpointId = meta.checkpoint?.id;
  let exchanges = known.filter((exchange) => exchange.checkpointId === checkpointId);
  const history = historyOf(format, params);
  if (history && exchanges.length > 0) {
    const byAnchor = new Map(exchanges.map((exchange) => [exchange.anchor, exchange]));
    const kept: RecallExchange[] = [];
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
    exchanges = kept;
    if (out.length !== history.length) next = withHistory(format, params, out);
  }
  if (exchanges.length === 0) delete meta.recallExchanges;
  else if (exchanges.length !== known.length) meta.recallExchanges = exchanges;
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
      // The checkpoint this call was sent through (read when it was prepared). Kept in the session's meta, so
      // that it is saved with the call (another process, or this one after a restart, sends it again).
      const kept: RecallExchange = { anchor: exchange.anchor, entries: exchange.entries, ...(checkpointId ? { checkpointId } : {}) };
      session.meta.recallExchanges = [
        ...(session.meta.recallExchanges ?? []).filter((known) => known.anchor !== exchange.anchor),
        kept,
      ].slice(-maxRecallExchanges);
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
