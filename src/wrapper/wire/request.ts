/**
 * One HTTP request as the wire-level core sees it: the URL, the `RequestInit` the caller passed (the SDKs pass a
 * string body and a `Headers`), and nothing copied that need not be. Built from whatever a `fetch` receives.
 *
 * @module
 */

import type { PromptSizes } from "../contract.js";

/** A `fetch` function: the SDKs', the platform's, or any other with its signature. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What {@link WireRequest.onPrepared} is told. */
export interface PreparedInfo {
  /** True when the body sent is not the caller's own. */
  changed: boolean;
  /** The sizes of the caller's request and of the one sent, computed when called (compacted requests only). */
  promptSizes?: () => PromptSizes;
}

/** A request on its way to the provider. */
export interface WireRequest {
  /** Absolute URL. */
  url: string;
  /** Upper-case method. */
  method: string;
  /** The request's init, as given (headers and body included). Never mutated. */
  init: RequestInit;
  /** The body when it is text (the SDKs send JSON as a string); undefined for streams, forms and no body. */
  text: string | undefined;
  /**
   * Called once the runtime has decided what to send, before it is sent (not for requests the core forwards
   * untouched, nor for refused ones). Whatever it throws is ignored.
   */
  onPrepared?: (prepared: PreparedInfo) => void;
  /**
   * The body already parsed, when the caller has it (the proxy parses incrementally per session): exactly
   * `JSON.parse(text)`. The core then does not parse it again.
   */
  params?: Record<string, unknown>;
  /**
   * Writes a body compactor changed, when the caller can do better than `JSON.stringify` (the proxy writes the
   * parts still parsed from its own body as the client's bytes). Must give what `JSON.stringify(params)` gives,
   * up to insignificant whitespace.
   */
  serialize?: (params: Record<string, unknown>) => string | Uint8Array;
}

/**
 * Response bodies already in memory, by response (the proxy's upstream client reads the three APIs' JSON answers
 * whole): read from here without going through the body's stream. Only for responses whose body is unread.
 */
export const knownBodies = new WeakMap<Response, Uint8Array>();

/**
 * The request a `fetch(input, init)` call describes. A `Request` input is read (its body consumed) only when it
 * carries a body; plain URLs with an init are taken as they are.
 */
export async function wireRequestOf(input: string | URL | Request, init: RequestInit | undefined): Promise<WireRequest> {
  if (typeof input === "string" || input instanceof URL) {
    const given = init ?? {};
    const url = typeof input === "string" ? input : input.href;
    return { url, method: (given.method ?? "GET").toUpperCase(), init: given, text: textOf(given.body) };
  }
  // A Request (what a proxy or some clients hand over): its settings become an init; init overrides them.
  const request = input;
  const body = request.body === null ? undefined : await request.text();
  const merged: RequestInit = {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    ...(body !== undefined ? { body } : {}),
    ...init,
  };
  return {
    url: request.url,
    method: (merged.method ?? "GET").toUpperCase(),
    init: merged,
    text: init?.body !== undefined ? textOf(init.body) : body,
  };
}

function textOf(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return undefined;
}
