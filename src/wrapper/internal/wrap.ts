/**
 * Installs compactor on an SDK client: its `fetch` (both SDKs keep the `fetch` they were given, or the
 * platform's, on the instance and call it for every request, retries included) is replaced by the wire-level
 * core, which forwards to the client's own `fetch`. The client object is the user's own: spies, key rotation,
 * subclasses, Azure deployments and API versions, timeouts and their guards, `withResponse()` and `asResponse()`
 * all stay the SDK's. Clients made from it with `withOptions()` inherit the same `fetch`, so they are covered too.
 *
 * @module
 */

import type { RequestHandler } from "../contract.js";
import { InvalidOptionError } from "../../errors.js";
import type { ProviderFormat } from "../../transcript/types.js";
import { UnsupportedClientError } from "../unsupported-client-error.js";
import { createWireCore, type WireCore } from "../wire/core.js";
import { type FetchFunction, wireRequestOf } from "../wire/request.js";

/** One SDK: how to recognise its clients and which APIs it speaks. */
export interface SdkDescription {
  /** The npm package, e.g. `openai`. */
  packageName: string;
  /** For error messages: `an Anthropic client (from @anthropic-ai/sdk)`. */
  clientDescription: string;
  /** The path of the `create` whose presence identifies the SDK's clients, e.g. `["messages"]`. */
  requiredPath: readonly string[];
  /** The APIs its clients speak. */
  formats: readonly ProviderFormat[];
}

type Indexable = Record<PropertyKey, unknown>;

function isObject(value: unknown): value is Indexable {
  return (typeof value === "object" || typeof value === "function") && value !== null;
}

/** True when `root` has a `create` function at `path`. */
export function hasCreate(root: unknown, path: readonly string[]): boolean {
  let current: unknown = root;
  for (const key of path) {
    if (!isObject(current)) return false;
    current = current[key];
  }
  return isObject(current) && typeof current.create === "function";
}

/** True when `client` has the `create` that identifies `sdk`'s clients. */
export function looksLike(client: unknown, sdk: SdkDescription): boolean {
  return hasCreate(client, sdk.requiredPath);
}

/** The upstream `fetch` behind each fetch compactor installed, so that wrapping twice never stacks two cores. */
const upstreamOf = new WeakMap<FetchFunction, FetchFunction>();

/** The fetch compactor installed, its core's handler; for `sessionReport` on `withOptions()` copies. */
const handlerOf = new WeakMap<FetchFunction, RequestHandler>();

/** The handler behind a client (or a copy made from it with `withOptions()`) compactor is installed on. */
export function installedHandler(client: unknown): RequestHandler | undefined {
  if (!isObject(client)) return undefined;
  const fetch = client.fetch;
  return typeof fetch === "function" ? handlerOf.get(fetch as FetchFunction) : undefined;
}

/** A `fetch` that sends every request through `core`, forwarding with `upstream`. */
export function fetchThrough(core: WireCore, upstream: FetchFunction, handler: RequestHandler): FetchFunction {
  const fetch: FetchFunction = async (input, init) => core(await wireRequestOf(input, init), upstream);
  upstreamOf.set(fetch, upstream);
  handlerOf.set(fetch, handler);
  return fetch;
}

/** The fetch to forward to: the client's own, or, when compactor is already installed, the one behind it. */
export function upstreamFetch(fetch: FetchFunction): FetchFunction {
  return upstreamOf.get(fetch) ?? fetch;
}

/** Bodies remembered per client, at most this many at a time (each is taken by the fetch that sends it). */
const rememberedBodies = 32;

/**
 * Remembers, for each JSON body the client sends, the object it was serialised from (the params the user passed:
 * both SDKs hand it to their `prepareRequest` hook with the serialised request, just before `fetch`). The core
 * then needs no `JSON.parse`, and unchanged messages keep their identity from call to call, so only new ones are
 * hashed. The hook itself is called through unchanged; a body it does not know is simply parsed.
 */
function rememberBodies(target: Indexable): ((text: string) => Record<string, unknown> | undefined) | undefined {
  const prepareRequest = target.prepareRequest;
  if (typeof prepareRequest !== "function") return undefined;
  const bodies = new Map<string, Record<string, unknown>>();
  const remembering = async function (this: unknown, request: unknown, context: unknown): Promise<unknown> {
    const result: unknown = await Reflect.apply(prepareRequest, this, [request, context]);
    const body = (request as { body?: unknown } | undefined)?.body;
    const source = (context as { options?: { body?: unknown } } | undefined)?.options?.body;
    if (typeof body === "string" && isObject(source) && !Array.isArray(source)) {
      if (bodies.size >= rememberedBodies) bodies.clear();
      bodies.set(body, source as Record<string, unknown>);
    }
    return result;
  };
  Object.defineProperty(target, "prepareRequest", {
    value: remembering,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return (text) => {
    const source = bodies.get(text);
    if (source !== undefined) bodies.delete(text);
    return source;
  };
}

/**
 * Installs compactor on `client` (the same object is returned, with the SDK's type).
 *
 * @throws {@link UnsupportedClientError} when `client` is not a client of `sdk` or keeps no `fetch`.
 */
export function wrapWith<C>(client: C, handler: RequestHandler, defaultSession: string, sdk: SdkDescription): C {
  const expected = `${sdk.clientDescription} with a \`fetch\` and \`${[...sdk.requiredPath, "create"].join(".")}\``;
  if (!looksLike(client, sdk)) throw new UnsupportedClientError(client, expected);
  if (typeof handler !== "object" || handler === null || typeof handler.prepare !== "function") {
    throw new InvalidOptionError("handler", "an object with a `prepare(request)` method", handler);
  }
  if (typeof defaultSession !== "string" || defaultSession === "") {
    throw new InvalidOptionError("session", "a non-empty string", defaultSession);
  }
  const target = client as Indexable;
  const current = target.fetch;
  if (typeof current !== "function") throw new UnsupportedClientError(client, expected);
  const core = createWireCore({
    handler,
    defaultSession,
    formats: new Set(sdk.formats),
    bodySource: rememberBodies(target),
  });
  const fetch = fetchThrough(core, upstreamFetch(current as FetchFunction), handler);
  const own = Object.getOwnPropertyDescriptor(target, "fetch");
  Object.defineProperty(target, "fetch", {
    value: fetch,
    writable: true,
    configurable: true,
    enumerable: own?.enumerable ?? true,
  });
  return client;
}
