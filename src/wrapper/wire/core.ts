/**
 * The wire-level core: a provider-format HTTP request in, a `Response` out. Every way into compactor goes
 * through it: `withCompaction` (installed as the `fetch` of the user's own SDK client), `compactorFetch` (for
 * clients that take a `fetch`, such as the Vercel AI SDK's providers and LangChain) and an HTTP proxy.
 *
 * Why the wire and not the SDK methods: the SDK keeps doing everything it does (auth, Azure deployments,
 * Bedrock/Vertex signing, retries, timeouts and their guards, `asResponse()`, stream parsing, error classes)
 * on the user's own client object, and compactor sees exactly the bytes that go out and come back. The stages:
 *
 * 1. route: only POSTs to the Messages, Chat Completions and Responses endpoints are handled; the rest is
 *    forwarded untouched;
 * 2. prepare: the runtime (session, budget gate, plan, invariant check with fallback to the original) decides
 *    what to send; an unchanged request goes out byte for byte (the caller's own body string);
 * 3. send: the upstream `fetch`, with the caller's signal;
 * 4. observe: a JSON body is read once and handed to the caller as the same bytes; an SSE body is teed and
 *    compactor reads its own branch to the end, whether the caller reads the other or not. The call is settled
 *    once (usage, record, events, budget), before the caller's SDK call resolves.
 *
 * With offload on, the runtime adds the recall tool in prepare, and send and observe become the recall stage
 * (`recall.ts`): it answers the model's `compactor_recall` calls itself with hidden round trips, and settles.
 *
 * @module
 */
import type { ProviderFormat } from "../../transcript/types.js";
import {
  type CallOutcome,
  type OutgoingRequest,
  type PreparedRequest,
  type ProviderCall,
  type RequestHandler,
  SESSION_HEADER,
} from "../contract.js";
import { takeSessionHeader } from "../internal/session-header.js";
import { observeBody } from "./observe.js";
import { recallStage } from "./recall.js";
import { allFormats, type FormatSet, formatOf, modelInPath } from "./route.js";
import { type FetchFunction, knownBodies, type WireRequest } from "./request.js";

/**
 * Header compactor's own calls (the summarizer's) carry through a wrapped client: such a request is sent to the
 * provider untouched (header removed), not tracked as a call of the session.
 */
export const INTERNAL_HEADER = "x-compactor-internal";

/** Options of {@link createWireCore}. */
export interface WireCoreOptions {
  handler: RequestHandler;
  /** Session of requests that carry no {@link SESSION_HEADER}. */
  defaultSession: string;
  /** The APIs this core handles (an SDK client's core: its own SDK's). @default all three */
  formats?: FormatSet;
  /**
   * What the caller gets when a budget refuses a call. `"error-body"` (for SDK clients): a 200 response whose
   * body fails with the refusal, so the SDK neither retries nor wraps it and the caller's `await` rejects with
   * the budget's own error. `"http"` (for proxies): a 429 in the provider's error format with
   * `x-should-retry: false`.
   * @default "error-body"
   */
  refusal?: "error-body" | "http";
  /**
   * The object a JSON body was serialised from, when the caller knows it (an SDK client: the params the user
   * passed). Saves parsing the body, and lets the runtime recognise unchanged messages by identity.
   */
  bodySource?: (text: string) => Record<string, unknown> | undefined;
  /**
   * When a JSON answer's call is settled (usage, record, events, budget). `"before-return"`: before the caller
   * gets the response (an SDK call resolves with its call recorded). `"after-return"` (for proxies): right after,
   * once the caller has had its turn to write the bytes on (`setImmediate`); `flush()` still waits for it.
   * @default "before-return"
   */
  settle?: "before-return" | "after-return";
}

/** The core: handles one request, sending it with `upstream`. Never rejects for a reason of its own. */
export type WireCore = (request: WireRequest, upstream: FetchFunction) => Promise<Response>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The request's JSON body, when it is a JSON object. */
function parseBody(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined || text.length === 0 || text.charCodeAt(0) !== 123 /* { */) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** True when the response body is a server-sent event stream. */
function isEventStream(response: Response, params: Record<string, unknown>): boolean {
  const type = response.headers.get("content-type");
  if (type !== null) return type.includes("text/event-stream");
  return params.stream === true;
}

/** The internal header's presence, read from any `RequestInit["headers"]` without copying. */
function hasInternalHeader(headers: unknown): boolean {
  if (headers === undefined || headers === null) return false;
  if (headers instanceof Headers) return headers.has(INTERNAL_HEADER);
  const found = takeSessionHeaderNamed(headers, INTERNAL_HEADER);
  return found;
}

function takeSessionHeaderNamed(headers: unknown, name: string): boolean {
  if (Array.isArray(headers)) return headers.some((row) => Array.isArray(row) && String(row[0]).toLowerCase() === name);
  if (isRecord(headers)) return Object.keys(headers).some((key) => key.toLowerCase() === name);
  return false;
}

function withoutHeader(headers: RequestInit["headers"] | undefined, name: string): Headers {
  const copy = new Headers(headers);
  copy.delete(name);
  return copy;
}

/** `headers` with Anthropic beta names added to its `anthropic-beta` (comma-separated, each once). */
function withBetas(headers: RequestInit["headers"] | undefined, betas: readonly string[]): Headers {
  const copy = new Headers(headers);
  const present = (copy.get("anthropic-beta") ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const missing = betas.filter((name) => !present.includes(name));
  if (missing.length > 0) copy.set("anthropic-beta", [...present, ...missing].join(","));
  return copy;
}

/**
 * A second request to the provider the caller is talking to: the caller's URL (with a path suffix), headers
 * (credentials included) and `fetch`, a JSON body compactor built. Used for provider-native compaction.
 */
function providerCall(url: string, headers: RequestInit["headers"] | undefined, upstream: FetchFunction): ProviderCall {
  return async (body, options = {}) => {
    let target = url;
    if (options.pathSuffix) {
      const parsed = new URL(url);
      parsed.pathname = `${parsed.pathname.replace(/\/$/, "")}/${options.pathSuffix}`;
      target = parsed.href;
    }
    const sent = withBetas(headers, options.betas ?? []);
    sent.delete("content-length");
    sent.delete("idempotency-key");
    sent.set("content-type", "application/json");
    sent.set("accept", "application/json");
    const response = await upstream(target, {
      method: "POST",
      headers: sent,
      body: JSON.stringify(body),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`the provider answered ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as unknown;
  };
}

/** A refusal the SDK surfaces unchanged: 200, and the body fails with it when read. */
function refusalAsErrorBody(error: Error, sse: boolean): Response {
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(error);
      },
    }),
    {
      status: 200,
      headers: { "content-type": sse ? "text/event-stream" : "application/json", "x-compactor-refused": "budget" },
    },
  );
}

/** A refusal in the provider's own error format, for callers that see HTTP (proxies). */
function refusalAsHttp(error: Error, format: ProviderFormat): Response {
  const body =
    format === "anthropic"
      ? { type: "error", error: { type: "rate_limit_error", message: error.message } }
      : { error: { message: error.message, type: "insufficient_quota", code: "compactor_budget_exceeded", param: null } };
  return new Response(JSON.stringify(body), {
    status: 429,
    headers: { "content-type": "application/json", "x-should-retry": "false", "x-compactor-refused": "budget" },
  });
}

/** Reports an outcome once; whatever settle does never reaches the caller. */
function settleSafely(prepared: PreparedRequest, outcome: CallOutcome): void {
  try {
    const result: unknown = prepared.settle(outcome);
    if (typeof (result as Promise<void> | undefined)?.then === "function") (result as Promise<void>).then(undefined, () => {});
  } catch {
    // settle must never make the user's call fail.
  }
}

/** A JSON response body as the outcome reports it (undefined when it is not JSON). */
function jsonOutcome(bytes: ArrayBuffer | Uint8Array, durationMs: number): CallOutcome {
  let response: unknown;
  try {
    response = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    response = undefined;
  }
  return { kind: "response", response, durationMs };
}

/** The handler's preparation, or undefined when it failed (then the original request goes out, unsettled). */
async function prepareSafely(handler: RequestHandler, request: OutgoingRequest): Promise<PreparedRequest | undefined> {
  try {
    const prepared: unknown = await handler.prepare(request);
    return isRecord(prepared) ? (prepared as unknown as PreparedRequest) : undefined;
  } catch {
    return undefined;
  }
}

/** An HTTP error answer, as the outcome reports it (the SDK builds its own error class from the same response). */
export interface HttpErrorOutcome {
  status: number;
  headers: Headers;
}

/**
 * Observe, JSON: the body is read once, here (the SDK reads a JSON body whole before it parses it anyway), the
 * caller gets a `Response` over the same bytes, and the parse and accounting run after the caller's turn. No
 * second branch of the stream is kept.
 */
async function observeJson(response: Response, prepared: PreparedRequest, startedAt: number, later: boolean): Promise<Response> {
  if (response.body === null || response.bodyUsed) {
    settleSafely(prepared, { kind: "response", response: undefined, durationMs: elapsedSince(startedAt) });
    return response;
  }
  let bytes: ArrayBuffer | Uint8Array;
  try {
    bytes = knownBodies.get(response) ?? (await response.arrayBuffer());
  } catch (error) {
    // The body broke off (or the caller aborted): the caller's body fails the same way when read.
    settleSafely(prepared, { kind: "error", error, durationMs: elapsedSince(startedAt) });
    return sameResponse(response, failingBody(error));
  }
  // Settled before the caller sees the response (when the SDK call resolves, the call is recorded), or just
  // after (a proxy relays first).
  const durationMs = elapsedSince(startedAt);
  if (later) setImmediate(() => settleSafely(prepared, jsonOutcome(bytes, durationMs)));
  else settleSafely(prepared, jsonOutcome(bytes, durationMs));
  const copy = sameResponse(response, bytes);
  knownBodies.set(copy, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  return copy;
}

/**
 * Observe, server-sent events: compactor reads its own branch of the stream to the end, whether the caller
 * reads the other or not; each chunk reaches the caller as it arrives.
 */
function observeStream(response: Response, prepared: PreparedRequest, startedAt: number): Response {
  let mine: Response;
  try {
    mine = response.clone();
  } catch (error) {
    // A body already used or locked: nothing to observe; the caller gets it as it is.
    settleSafely(prepared, { kind: "error", error, durationMs: elapsedSince(startedAt) });
    return response;
  }
  void observeBody(mine.body, true, startedAt).then((outcome) => settleSafely(prepared, outcome));
  return response;
}

function elapsedSince(startedAt: number): number {
  return Math.max(performance.now() - startedAt, Number.EPSILON);
}

/** A body that fails with `error` when read. */
function failingBody(error: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(error);
    },
  });
}

/** The provider's response (status, headers, URL) over `body`. */
function sameResponse(response: Response, body: ArrayBuffer | Uint8Array | ReadableStream<Uint8Array>): Response {
  const copy = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(copy, "url", { value: response.url, enumerable: false });
  Object.defineProperty(copy, "redirected", { value: response.redirected, enumerable: false });
  return copy;
}

/** Creates the wire-level core around a request handler (the session runtime). */
export function createWireCore(options: WireCoreOptions): WireCore {
  const formats = options.formats ?? allFormats;
  const refusal = options.refusal ?? "error-body";
  const { handler, defaultSession } = options;

  return async function core(request: WireRequest, upstream: FetchFunction): Promise<Response> {
    const { init } = request;
    // 1. Route.
    if (hasInternalHeader(init.headers)) {
      return upstream(request.url, { ...init, headers: withoutHeader(init.headers, INTERNAL_HEADER) });
    }
    const format = formatOf(request.method, request.url, formats);
    // Given params are used without reading `text` (the proxy decodes its body only when something reads it).
    const known =
      format === undefined ? undefined : (request.params ?? (request.text !== undefined ? options.bodySource?.(request.text) : undefined));
    const params = format === undefined ? undefined : (known ?? parseBody(request.text));
    const header = takeSessionHeader({ headers: init.headers });
    const headers = (header.requestOptions as { headers: RequestInit["headers"] | undefined }).headers;
    const sessionId = header.sessionId ?? defaultSession;
    if (format === undefined || params === undefined) {
      return upstream(request.url, headers === init.headers ? init : { ...init, headers });
    }

    // 2. Prepare.
    const startedAt = performance.now();
    const stream = params.stream === true;
    const outgoing: OutgoingRequest = { format, sessionId, params, stream };
    if (typeof params.model !== "string") {
      const model = modelInPath(request.url);
      if (model !== undefined) outgoing.model = model;
    }
    // Not enumerable: the request reads (and logs) as the four fields it is about.
    if (init.signal) Object.defineProperty(outgoing, "signal", { value: init.signal, enumerable: false });
    // Native compaction is sent only where the path is the API's own (`…/messages`, `…/responses`): not on
    // Vertex's or Bedrock's model paths, whose bodies and features differ.
    if (/\/(?:messages|responses)$/.test(new URL(request.url).pathname)) {
      Object.defineProperty(outgoing, "provider", { value: providerCall(request.url, headers, upstream), enumerable: false });
    }
    const prepared = await prepareSafely(handler, outgoing);
    if (prepared?.refuse instanceof Error) {
      return refusal === "http" ? refusalAsHttp(prepared.refuse, format) : refusalAsErrorBody(prepared.refuse, stream);
    }
    const sent = prepared !== undefined && isRecord(prepared.params) ? prepared.params : params;
    if (prepared && request.onPrepared) {
      try {
        const { promptSizes } = prepared;
        request.onPrepared({ changed: sent !== params, ...(promptSizes ? { promptSizes } : {}) });
      } catch {
        // The caller's hook never breaks the call.
      }
    }
    let sentInit: RequestInit = headers === init.headers ? init : { ...init, headers };
    if (prepared?.betas && prepared.betas.length > 0) sentInit = { ...sentInit, headers: withBetas(sentInit.headers, prepared.betas) };
    // Unchanged params go out as the caller's own bytes.
    if (sent !== params) sentInit = { ...sentInit, body: request.serialize?.(sent) ?? JSON.stringify(sent) };

    // A new checkpoint reaches a shared store before the answer does (usually it is there already), so that the
    // session's next call finds it in whichever process serves it.
    const checkpointStored = prepared?.checkpointStored;
    const send: FetchFunction = checkpointStored
      ? async (url, sendInit) => {
          const response = await upstream(url, sendInit);
          await checkpointStored(sendInit?.signal);
          return response;
        }
      : upstream;

    // 3-4. Send and observe, answering recall calls (offload on).
    if (prepared?.recall) {
      return recallStage({
        format,
        url: request.url,
        init: sentInit,
        params: sent,
        prepared,
        hooks: prepared.recall,
        upstream: send,
        startedAt,
        isEventStream: (response) => isEventStream(response, params),
      });
    }

    // 3. Send.
    let response: Response;
    try {
      response = await send(request.url, sentInit);
    } catch (error) {
      if (prepared) settleSafely(prepared, { kind: "error", error, durationMs: performance.now() - startedAt });
      throw error;
    }

    // 4. Observe.
    if (prepared === undefined) return response;
    if (!response.ok) {
      const error: HttpErrorOutcome = { status: response.status, headers: response.headers };
      settleSafely(prepared, { kind: "error", error, durationMs: performance.now() - startedAt });
      return response;
    }
    if (isEventStream(response, params)) return observeStream(response, prepared, startedAt);
    return observeJson(response, prepared, startedAt, options.settle === "after-return");
  };
}

export type { FormatSet };
export { SESSION_HEADER };
