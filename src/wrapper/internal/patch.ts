/**
 * Copies an SDK client and patches `create` methods on the copy's resource instances, so the user's client is
 * never changed and the SDK's helpers (which call `create` through the resource or through `_client`) go through
 * the patch too.
 *
 * @module
 */

import type { RequestHandler } from "../contract.js";
import type { ProviderFormat } from "../../transcript/types.js";
import { type ApiPromiseSupport, apiPromiseSupport } from "./api-promise.js";
import { type CreateMethod, interceptCreate } from "./intercept.js";

/** One `create` to patch: where it is on the client, and the wire format it speaks. */
export interface PatchPoint {
  /** Property path from the client to the resource, e.g. `["chat", "completions"]`. */
  path: readonly string[];
  format: ProviderFormat;
}

/** What every patch of one wrapped client shares. */
export interface PatchPlan {
  /** The SDK package, for finding its `APIPromise` when the client cannot be probed. */
  packageName: string;
  points: readonly PatchPoint[];
  handler: RequestHandler;
  defaultSession: string;
}

type Indexable = Record<PropertyKey, unknown>;

function isObject(value: unknown): value is Indexable {
  return (typeof value === "object" || typeof value === "function") && value !== null;
}

/** Reads `object[key]`, pinning it as an own data property so later reads see the same (patched) instance. */
function pinned(object: Indexable, key: string): unknown {
  const value = object[key];
  const own = Object.getOwnPropertyDescriptor(object, key);
  if (isObject(value) && (own === undefined || !("value" in own))) {
    Object.defineProperty(object, key, { value, writable: true, configurable: true, enumerable: true });
  }
  return value;
}

/** The resource at `path` under `root`, if every step is an object. */
export function resourceAt(root: unknown, path: readonly string[]): Indexable | undefined {
  let current: unknown = root;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = pinned(current, key);
  }
  return isObject(current) ? current : undefined;
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

function patchPoint(copy: Indexable, point: PatchPoint, plan: PatchPlan, support: ApiPromiseSupport): void {
  const resource = resourceAt(copy, point.path);
  if (resource === undefined || typeof resource.create !== "function") return;
  const original = resource.create as CreateMethod;
  const client = isObject(resource._client) ? resource._client : copy;
  const create = interceptCreate({
    format: point.format,
    handler: plan.handler,
    defaultSession: plan.defaultSession,
    create: (params, requestOptions) => Reflect.apply(original, resource, [params, requestOptions]),
    client,
    support,
  });
  Object.defineProperty(resource, "create", {
    value: create,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/**
 * Patches, in place, a client that compactor owns (a copy), and its `withOptions` so that copies made from it
 * are patched too. Returns false, leaving it untouched, when the SDK's `APIPromise` cannot be found.
 */
export function patchClient(copy: object, plan: PatchPlan): boolean {
  const support = apiPromiseSupport(copy, plan.packageName);
  if (support === undefined) return false;
  const target = copy as Indexable;
  for (const point of plan.points) patchPoint(target, point, plan, support);
  const withOptions = target.withOptions;
  if (typeof withOptions === "function") {
    const patchedWithOptions = (options: unknown): unknown => {
      const next: unknown = Reflect.apply(withOptions, copy, [options]);
      if (isObject(next)) patchClient(next, plan);
      return next;
    };
    Object.defineProperty(copy, "withOptions", {
      value: patchedWithOptions,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  return true;
}

/**
 * A copy of `client` made by the SDK itself (`client.withOptions({})`), sharing its settings and auth state;
 * undefined when the client has no `withOptions` or it returns no object.
 */
export function copyClient(client: object, options: Record<string, unknown> = {}): object | undefined {
  const withOptions = (client as Indexable).withOptions;
  if (typeof withOptions !== "function") return undefined;
  const copy: unknown = Reflect.apply(withOptions, client, [options]);
  return isObject(copy) && copy !== client ? copy : undefined;
}
