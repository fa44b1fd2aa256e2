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

const pending: Promise<never> = new Promise<never>(() => {});

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

/**
 * The `APIPromise` class of the very SDK copy `client` comes from, found without sending anything: the client's
 * own `request()` is run on a stand-in whose request never starts (its options never resolve).
 */
function probeClass(client: object): ApiPromiseConstructor | undefined {
  const request = (client as { request?: unknown }).request;
  if (typeof request !== "function") return undefined;
  try {
    const standIn = Object.create(client, {
      makeRequest: { value: () => pending },
      makeTracedRequest: { value: () => pending },
    });
    const created: unknown = Reflect.apply(request, standIn, [pending]);
    const createdClass = (created as { constructor?: unknown } | null)?.constructor;
    return isApiPromiseConstructor(createdClass) ? createdClass : undefined;
  } catch {
    return undefined;
  }
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
