/**
 * The SDKs' `APIPromise`, seen through the few members the plumbing relies on. Both SDKs (Stainless-generated)
 * build one as `new APIPromise(client, responsePromise, parseResponse)`: `responsePromise` resolves to the
 * response "props" (`{ response, options, controller, ... }`) and `parseResponse(client, props)` turns them
 * into the parsed body or a `Stream`. Everything here is feature-detected, so a client whose promise does not
 * look like that is left unwrapped rather than broken.
 *
 * @module
 */

import { createRequire } from "node:module";

/** How the parsed body is computed from the response props. */
export type ParseResponse = (client: unknown, props: unknown) => unknown;

/** The constructor of an SDK's `APIPromise`. */
export type ApiPromiseConstructor = new (
  client: unknown,
  responsePromise: Promise<unknown>,
  parseResponse: ParseResponse,
) => object;

/** An `APIPromise` instance, with the internals read by the plumbing (each may be absent). */
interface ApiPromiseInternals {
  responsePromise?: unknown;
  _responseProps?: unknown;
  parseResponse?: unknown;
  parse?: unknown;
  asResponse?: unknown;
}

/** What the plumbing needs from an SDK's `APIPromise`. */
export interface ApiPromiseSupport {
  /** The SDK's own class, so the wrapped `create` returns exactly what the SDK's `create` returns. */
  ApiPromise: ApiPromiseConstructor;
  /** The response props of a real call's promise, without parsing its body. */
  responseProps(promise: object): Promise<unknown>;
  /** Parses the body of a real call with its own parser (the SDK's chain of `_thenUnwrap` transforms). */
  parse(promise: object, client: unknown, props: unknown): Promise<unknown>;
}

/** A promise that never settles, fresh for each use so that nothing waiting on it is kept alive forever. */
function never(): Promise<never> {
  return new Promise<never>(() => {});
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function isApiPromiseConstructor(value: unknown): value is ApiPromiseConstructor {
  if (typeof value !== "function") return false;
  const prototype = (value as { prototype?: Record<string, unknown> }).prototype;
  return (
    typeof prototype?.then === "function" &&
    typeof prototype.withResponse === "function" &&
    typeof prototype.asResponse === "function"
  );
}

/** The methods of a client that send a request; the probe replaces them with ones that never do. */
const sendingMethods = ["makeRequest", "makeTracedRequest"] as const;

/** A client's `request(options)`. */
type RequestMethod = (this: unknown, options: unknown) => unknown;

function classOf(created: unknown): ApiPromiseConstructor | undefined {
  const createdClass = (created as { constructor?: unknown } | null)?.constructor;
  return isApiPromiseConstructor(createdClass) ? createdClass : undefined;
}

/** Runs the client's `request()` on a stand-in inheriting from it, so the client itself is not touched. */
function probeStandIn(client: object, request: RequestMethod): ApiPromiseConstructor | undefined {
  const neverSend = { value: () => never() };
  const standIn = Object.create(client, { makeRequest: neverSend, makeTracedRequest: neverSend });
  return classOf(Reflect.apply(request, standIn, [never()]));
}

/**
 * Runs the client's `request()` on the client itself, its sending methods shadowed for the duration of the
 * (synchronous) call. Needed when `request()` reads `#private` fields, which a stand-in does not have (openai 7).
 */
function probeInPlace(client: object, request: RequestMethod): ApiPromiseConstructor | undefined {
  const saved = sendingMethods.map((key) => [key, Object.getOwnPropertyDescriptor(client, key)] as const);
  try {
    for (const key of sendingMethods) {
      Object.defineProperty(client, key, { value: () => never(), writable: true, configurable: true });
    }
    return classOf(Reflect.apply(request, client, [never()]));
  } finally {
    for (const [key, descriptor] of saved) {
      if (descriptor === undefined) Reflect.deleteProperty(client, key);
      else Object.defineProperty(client, key, descriptor);
    }
  }
}

/**
 * The `APIPromise` class of the very SDK copy `client` comes from, found without sending anything: the client's
 * own `request()` is run with options that never resolve and sending methods that never send.
 */
function probeClass(client: object): ApiPromiseConstructor | undefined {
  const request = (client as { request?: unknown }).request;
  if (typeof request !== "function") return undefined;
  for (const probe of [probeStandIn, probeInPlace]) {
    try {
      const found = probe(client, request as RequestMethod);
      if (found !== undefined) return found;
    } catch {
      // This way of probing does not fit the client: try the next one.
    }
  }
  return undefined;
}

const requireHere = createRequire(import.meta.url);

/** The class from the SDK package resolvable from here (may be another copy than the client's). */
function requireClass(packageName: string): ApiPromiseConstructor | undefined {
  for (const path of [`${packageName}/core/api-promise`, `${packageName}/api-promise`]) {
    try {
      const loaded = requireHere(path) as { APIPromise?: unknown };
      if (isApiPromiseConstructor(loaded.APIPromise)) return loaded.APIPromise;
    } catch {
      // Not installed here, or another layout: try the next path.
    }
  }
  return undefined;
}

function responsePropsOf(promise: ApiPromiseInternals): Promise<unknown> {
  if (typeof promise._responseProps === "function") {
    return Promise.resolve(Reflect.apply(promise._responseProps, promise, []));
  }
  if (isThenable(promise.responsePromise)) return Promise.resolve(promise.responsePromise);
  // Last resort for an unknown layout: the raw response alone.
  if (typeof promise.asResponse === "function") {
    return Promise.resolve(Reflect.apply(promise.asResponse, promise, [])).then((response) => ({
      response,
      options: {},
    }));
  }
  return Promise.reject(new TypeError("compactor: the SDK's APIPromise exposes no response"));
}

async function parseWith(promise: ApiPromiseInternals, client: unknown, props: unknown): Promise<unknown> {
  if (typeof promise.parseResponse === "function") return promise.parseResponse(client, props);
  if (typeof promise.parse === "function") return Reflect.apply(promise.parse, promise, []);
  return promise;
}

const supportByClass = new WeakMap<object, ApiPromiseSupport | null>();

/**
 * Finds how to build `APIPromise`s for `client`: the class of the client's own SDK copy if it can be probed,
 * else the class of `packageName` as resolved from compactor. Undefined when neither fits.
 */
export function apiPromiseSupport(client: object, packageName: string): ApiPromiseSupport | undefined {
  const key = (client as { constructor?: unknown }).constructor;
  const cacheKey = typeof key === "function" ? key : undefined;
  const cached = cacheKey === undefined ? undefined : supportByClass.get(cacheKey);
  if (cached !== undefined) return cached ?? undefined;
  const ApiPromise = probeClass(client) ?? requireClass(packageName);
  const support =
    ApiPromise === undefined
      ? undefined
      : {
          ApiPromise,
          responseProps: (promise: object) => responsePropsOf(promise),
          parse: (promise: object, sdkClient: unknown, props: unknown) =>
            parseWith(promise, sdkClient, props),
        };
  if (cacheKey !== undefined) supportByClass.set(cacheKey, support ?? null);
  return support;
}
