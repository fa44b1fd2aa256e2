/**
 * The contract between the SDK plumbing (which patches `messages.create`, `chat.completions.create` and
 * `responses.create`) and the session runtime (which keeps history, compacts, prices and logs).
 *
 * The plumbing knows nothing of compaction; the runtime knows nothing of SDK internals.
 *
 * @module
 */
import type { ProviderFormat } from "../transcript/types.js";

/** The raw body of one API request, as the user passed it to the SDK. */
export interface OutgoingRequest {
  format: ProviderFormat;
  /** Session id: the per-request override if given, else the wrapper's. */
  sessionId: string;
  /** Request params exactly as the user passed them. Never mutated. */
  params: Record<string, unknown>;
  stream: boolean;
  /** The caller's abort signal, if any: compactor's own waits for this request end when it fires. */
  signal?: AbortSignal;
}

/** What the runtime decided to send. */
export interface PreparedRequest {
  /** Params to send instead: the user's object itself when nothing changed, else a shallow copy. */
  params: Record<string, unknown>;
  /**
   * When set, the request is not sent: the user's call rejects with this error (a budget that refuses).
   * `settle` is not called.
   */
  refuse?: Error;
  /** Reports the outcome; called exactly once per prepared request. Never throws, never rejects. */
  settle(outcome: CallOutcome): Promise<void>;
}

/** How a call ended. */
export type CallOutcome =
  | {
      kind: "response";
      /** The parsed response body: an Anthropic `Message`, an OpenAI `ChatCompletion`, or a `Response`. */
      response: unknown;
      durationMs: number;
    }
  | {
      kind: "stream";
      /** Every event the stream yielded, in order (Anthropic events, chat chunks, or Responses events). */
      events: unknown[];
      /** False when the stream broke off or the caller stopped reading early. */
      completed: boolean;
      durationMs: number;
    }
  | { kind: "error"; error: unknown; durationMs: number };

/** The runtime side, as the plumbing sees it. */
export interface RequestHandler {
  /**
   * Prepares a request. Never rejects: on any internal failure it resolves to the original params (and
   * logs an error event), so the user's call always goes out.
   */
  prepare(request: OutgoingRequest): Promise<PreparedRequest>;
}

/**
 * Request header that overrides the wrapped client's session id for one request. It is read and removed by the
 * plumbing before the request goes out: `client.messages.create(params, { headers: { [SESSION_HEADER]: "id" } })`.
 */
export const SESSION_HEADER = "x-compactor-session";
