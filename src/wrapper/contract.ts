/**
 * The contract between the wire-level core (which sees every Messages, Chat Completions and Responses request a
 * client sends) and the session runtime (which keeps history, compacts, prices and logs).
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
  /** The caller's signal (its abort, or the SDK's timeout): waits compactor adds should end with it. */
  signal?: AbortSignal;
  /** The model the URL names when the body names none (Vertex AI's `…/models/claude-…:rawPredict`). */
  model?: string;
  /**
   * Sends one more request to the same provider with the caller's own URL base, credentials and `fetch` (for
   * provider-native compaction, `strategies/native.ts`). Absent where the plumbing cannot send one.
   */
  provider?: ProviderCall;
}

/** What {@link ProviderCall} is asked to send. */
export interface ProviderCallOptions {
  /** Appended to the request's path (`"compact"`: `/v1/responses` becomes `/v1/responses/compact`). */
  pathSuffix?: string;
  /** Anthropic beta names added to the request's `anthropic-beta` header. */
  betas?: readonly string[];
  signal?: AbortSignal;
}

/** Sends a JSON body to the provider; resolves to the parsed JSON answer, rejects on an HTTP error or a network failure. */
export type ProviderCall = (body: Record<string, unknown>, options?: ProviderCallOptions) => Promise<unknown>;

/** What the runtime decided to send. */
export interface PreparedRequest {
  /** Params to send instead: the user's object itself when nothing changed, else a shallow copy. */
  params: Record<string, unknown>;
  /**
   * When set, the request is not sent: the user's call rejects with this error (a budget that refuses).
   * `settle` is not called.
   */
  refuse?: Error;
  /** Anthropic beta names the request needs beyond the caller's (a checkpoint that carries a native compaction block). */
  betas?: readonly string[];
  /**
   * Present when the request sent is a compacted one: the sizes of the agent's own request and of the request
   * sent, in the same units (see {@link PromptSizes}). Computed when called, so a caller can run it off the
   * request path (while the provider works on the request).
   */
  promptSizes?: () => PromptSizes;
  /**
   * Present when this call made a new checkpoint and the session's store is one other processes read (Redis):
   * resolves once the checkpoint is saved, or the save failed, or the store's timeout passed, or `signal` aborted.
   * The wire core waits for it before it hands the answer on, so that the session's next call finds the
   * checkpoint in whichever process serves it. Never rejects.
   */
  checkpointStored?: (signal?: AbortSignal | null) => Promise<void>;
  /** Reports the outcome; called exactly once per prepared request. Never throws, never rejects. */
  settle(outcome: CallOutcome): Promise<void>;
  /**
   * Present when the runtime added the recall tool to `params` (offload on): the wire core's recall stage then
   * answers the model's recall calls itself (see `src/wrapper/wire/recall.ts`).
   */
  recall?: RecallHooks;
}

/**
 * The sizes of one compacted request, both in o200k tokens of their JSON parts (the fixed parts such as the system
 * prompt and tools, and each message), one estimator for both sides so that its bias cancels in their ratio. Each
 * part is counted once per object and remembered, so a message is counted once in a session, not on every call.
 */
export interface PromptSizes {
  /** The agent's request as it came: its fixed parts and its whole conversation. */
  agent: number;
  /** The request sent: its fixed parts and the checkpoint's replacement plus the agent's tail. */
  sent: number;
}

/** What the recall stage needs from the runtime. */
export interface RecallHooks {
  /** Most hidden round trips for one call of the agent. */
  maxRecalls: number;
  /** Longest wait for the store's answer to one recall; then the model is told the output is unavailable. */
  lookupTimeoutMs: number;
  /** The kept output of an offload id; undefined when no output has that id. Rejects when the store fails. */
  lookup(id: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Prices and logs one hidden turn (a recall the model asked for): spend, never a saving. Never throws. */
  settleTurn(outcome: CallOutcome, recall: RecallTurnInfo): void;
  /**
   * Keeps the hidden exchange of a call, so that later calls send it again before the reply it led to
   * (`anchor`: the fingerprint of the reply's first history entry). Never throws.
   */
  remember(exchange: { anchor: string; entries: unknown[] }): void;
}

/** What one hidden turn asked for and got. */
export interface RecallTurnInfo {
  /** Offload ids the model asked for, in order. */
  ids: string[];
  /** How each was answered. */
  answers: Array<"kept" | "unknown" | "unavailable" | "limit">;
  /** True when the turn also called the agent's tools: its recall calls were dropped, not answered. */
  dropped: boolean;
}

/** How a call ended. */
export type CallOutcome =
  | {
      kind: "response";
      /** The parsed response body: an Anthropic `Message`, an OpenAI `ChatCompletion`, or a `Response`; undefined when it was not JSON. */
      response: unknown;
      durationMs: number;
    }
  | {
      kind: "stream";
      /** Every event the stream yielded, in order (Anthropic events, chat chunks, or Responses events). */
      events: unknown[];
      /**
       * False when the stream broke off (network error, abort, an error event). compactor reads its own copy of
       * the stream to the end, so a caller that stops reading early does not make it incomplete.
       */
      completed: boolean;
      durationMs: number;
    }
  | {
      kind: "error";
      /** What `fetch` threw, or `{ status, headers }` for an HTTP error answer (the SDK raises its own class). */
      error: unknown;
      durationMs: number;
    };

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
 * wire-level core before the request goes out: `client.messages.create(params, { headers: { [SESSION_HEADER]:
 * "id" } })`, or in the client's `defaultHeaders`.
 */
export const SESSION_HEADER = "x-compactor-session";
