/**
 * The recall stage of the wire core: the hidden round trip of reversible offload.
 *
 * When the runtime added the `compactor_recall` tool to a request (offload on), this stage sends it, reads the
 * whole answer, and looks at the finished turn:
 *
 * - no recall call: the answer goes to the caller as it came (the same bytes, except that a Responses object's
 *   echo of the request's `tools` loses the recall tool; a stream is relayed once it has ended, see below);
 * - only recall calls: compactor answers each from the session store (the kept output; "unknown id"; or
 *   "unavailable" when the store fails or does not answer within `lookupTimeoutMs`), appends the turn and the
 *   answers to the request and sends it again (a second upstream request, priced and logged as spend), until a
 *   turn calls no recall tool; at most `maxRecalls` answered round trips, then one more whose recalls are answered
 *   "limit reached", then recall calls are taken out;
 * - recall calls together with the agent's own tools: the recall calls are taken out (not answered) and the
 *   agent gets its own calls, exactly as if the model had made only those (the model may recall on its next turn).
 *
 * What is buffered: with the tool present, every answer (JSON or stream) is read to its end before the caller
 * sees any of it, since a stream cannot be known not to be a recall until its turn has ended. A streamed call
 * then reaches the caller in one piece, with its events unchanged. That is the price of offload for streaming
 * agents: time to first token becomes time to last token (the total time is unchanged when there is no recall).
 *
 * The hidden exchange (the recall turn and its answers) is handed to the runtime, which sends it again on later
 * calls just before the reply it led to, so the model sees what it saw, tool pairs stay whole and the cached
 * prefix of the continuation is reused.
 *
 * @module
 */
import { recallToolName } from "../../../strategies/offload.js";
import type { ProviderFormat } from "../../transcript/types.js";
import type { CallOutcome, PreparedRequest, RecallHooks, RecallTurnInfo } from "../contract.js";
import { SseParser } from "./observe.js";
import {
  fingerprint,
  hideRecallTool,
  historyOf,
  resultEntries,
  stripCalls,
  stripStream,
  turnOf,
  withHistory,
} from "./recall-format.js";
import type { FetchFunction } from "./request.js";

/** What the model is told for an id no kept output has. */
export function unknownRecallText(id: string): string {
  return `[compactor] No kept output has the id "${id}". Continue without it.`;
}

/** What the model is told when the store cannot answer. */
export function unavailableRecallText(id: string): string {
  return `[compactor] The output "${id}" is unavailable right now (the session store did not answer). Continue without it, or re-run the call that produced it.`;
}

/** What the model is told past the recall limit of one call. */
export const recallLimitText = "[compactor] Recall limit reached for this turn; continue without recalling.";

/** Inputs of {@link recallStage}. */
export interface RecallStageInput {
  format: ProviderFormat;
  url: string;
  /** The init of the first request (its body is the prepared params' JSON). */
  init: RequestInit;
  /** The params sent. */
  params: Record<string, unknown>;
  prepared: PreparedRequest;
  hooks: RecallHooks;
  upstream: FetchFunction;
  startedAt: number;
  isEventStream: (response: Response) => boolean;
}

function elapsed(startedAt: number): number {
  return Math.max(performance.now() - startedAt, Number.EPSILON);
}

function settle(prepared: PreparedRequest, outcome: CallOutcome): void {
  try {
    const result: unknown = prepared.settle(outcome);
    if (typeof (result as Promise<void> | undefined)?.then === "function")
      (result as Promise<void>).then(undefined, () => {});
  } catch {
    // settle must never make the user's call fail.
  }
}

function safely(run: () => void): void {
  try {
    run();
  } catch {
    // Accounting must never make the user's call fail.
  }
}

/** A response with the given text as its body and the upstream's status and headers (length and encoding dropped). */
function rebuilt(response: Response, text: string): Response {
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/** The store's answer for one id, within `timeoutMs` and the caller's signal. */
async function lookupWithin(
  hooks: RecallHooks,
  id: string,
  signal: AbortSignal | undefined,
): Promise<{ answer: RecallTurnInfo["answers"][number]; text: string }> {
  if (signal?.aborted) throw abortError(signal);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), hooks.lookupTimeoutMs);
    timer.unref?.();
  });
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const found = await Promise.race([
      Promise.resolve()
        .then(() => hooks.lookup(id, signal))
        .then(
          (text) => ({ text }),
          () => "failed" as const,
        ),
      timeout,
      aborted,
    ]);
    if (found === "timeout" || found === "failed")
      return { answer: "unavailable", text: unavailableRecallText(id) };
    if (found.text === undefined) return { answer: "unknown", text: unknownRecallText(id) };
    return { answer: "kept", text: found.text };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/** Sends the request, answering recall calls itself, and returns what the caller gets. */
export async function recallStage(input: RecallStageInput): Promise<Response> {
  const { format, url, prepared, hooks, upstream, startedAt } = input;
  const signal = input.init.signal ?? undefined;
  let init = input.init;
  let params = input.params;
  /** The hidden exchange so far: recall turns and their answers. */
  const hidden: unknown[] = [];
  let turnStartedAt = startedAt;
  for (let round = 0; ; round++) {
    let response: Response;
    let text: string;
    try {
      response = await upstream(url, init);
      if (!response.ok) {
        settle(prepared, {
          kind: "error",
          error: { status: response.status, headers: response.headers },
          durationMs: elapsed(startedAt),
        });
        return response;
      }
      text = await response.text();
    } catch (error) {
      settle(prepared, { kind: "error", error, durationMs: elapsed(startedAt) });
      throw error;
    }
    const sse = input.isEventStream(response);
    let outcome: CallOutcome;
    let body: { json?: unknown; events?: readonly unknown[] };
    if (sse) {
      const parser = new SseParser();
      parser.push(text);
      parser.end();
      outcome = {
        kind: "stream",
        events: parser.events,
        completed: !parser.failed,
        durationMs: elapsed(turnStartedAt),
      };
      body = { events: parser.events };
    } else {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      outcome = { kind: "response", response: json, durationMs: elapsed(turnStartedAt) };
      body = { json };
    }
    const turn = outcome.kind === "stream" && !outcome.completed ? undefined : turnOf(format, body);
    const recalls = turn?.calls.filter((call) => call.name === recallToolName) ?? [];
    const remember = (entry: unknown) => {
      const anchor = fingerprint(format, entry);
      if (hidden.length > 0 && anchor !== undefined)
        safely(() => hooks.remember({ anchor, entries: hidden }));
    };
    if (turn === undefined || recalls.length === 0) {
      if (turn) remember(turn.history[0]);
      settle(
        prepared,
        outcome.kind === "stream" || outcome.kind === "response"
          ? { ...outcome, durationMs: elapsed(startedAt) }
          : outcome,
      );
      return rebuilt(response, hideRecallTool(format, text, sse));
    }
    const others = turn.calls.length - recalls.length;
    if (others > 0 || round > hooks.maxRecalls) {
      // Never hand a recall call to the agent: take it out, and the agent gets the rest of the turn.
      const drop = new Set(recalls.map((call) => call.id));
      const stripped = stripCalls(format, turn.response, drop);
      const strippedTurn = turnOf(format, { json: stripped });
      safely(() =>
        hooks.settleTurn(outcome, { ids: recalls.map((call) => call.recallId), answers: [], dropped: true }),
      );
      if (strippedTurn) remember(strippedTurn.history[0]);
      // A stream settles with its own events (their usage is the call's); JSON with the turn the agent got.
      settle(
        prepared,
        sse
          ? { ...outcome, durationMs: elapsed(startedAt) }
          : { kind: "response", response: stripped, durationMs: elapsed(startedAt) },
      );
      return rebuilt(
        response,
        hideRecallTool(format, sse ? stripStream(format, text, drop) : JSON.stringify(stripped), sse),
      );
    }
    // Only recall calls: answer them and continue the call.
    const answers: RecallTurnInfo["answers"] = [];
    const results: Array<{ callId: string; text: string }> = [];
    try {
      for (const call of recalls) {
        const found =
          round >= hooks.maxRecalls
            ? { answer: "limit" as const, text: recallLimitText }
            : call.recallId === ""
              ? { answer: "unknown" as const, text: unknownRecallText(call.recallId) }
              : await lookupWithin(hooks, call.recallId, signal);
        answers.push(found.answer);
        results.push({ callId: call.id, text: found.text });
      }
    } catch (error) {
      safely(() =>
        hooks.settleTurn(outcome, { ids: recalls.map((call) => call.recallId), answers, dropped: false }),
      );
      settle(prepared, { kind: "error", error, durationMs: elapsed(startedAt) });
      throw error;
    }
    safely(() =>
      hooks.settleTurn(outcome, { ids: recalls.map((call) => call.recallId), answers, dropped: false }),
    );
    const answered = resultEntries(format, results);
    hidden.push(...turn.history, ...answered);
    params = withHistory(format, params, [
      ...(historyOf(format, params) ?? []),
      ...turn.history,
      ...answered,
    ]);
    init = { ...init, body: JSON.stringify(params) };
    turnStartedAt = performance.now();
  }
}
