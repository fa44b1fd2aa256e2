/**
 * Reading provider JSON field by field. A reader copies the object into a {@link Fields} bag, takes the fields
 * it understands out of it, and keeps what is left as the neutral `extra`, so nothing is lost. Every failed
 * expectation throws a {@link ProviderFormatError} naming the JSON path.
 *
 * @module
 */
import { ProviderFormatError } from "../../errors.js";
import type { CacheControl, Extra } from "../../transcript/types.js";

/** A JSON object as read from the wire. */
export type JsonObject = Record<string, unknown>;

/** The not-yet-consumed fields of one provider object. */
export type Fields = JsonObject;

/** True for a plain (non-array, non-null) object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value as an object, or throws naming `path`. */
export function expectObject(value: unknown, path: string, expected = "an object"): JsonObject {
  if (!isObject(value)) throw new ProviderFormatError(path, expected, value);
  return value;
}

/** The value as an array, or throws naming `path`. */
export function expectArray(value: unknown, path: string, expected = "an array"): unknown[] {
  if (!Array.isArray(value)) throw new ProviderFormatError(path, expected, value);
  return value;
}

/** The value as a string, or throws naming `path`. */
export function expectString(value: unknown, path: string, expected = "a string"): string {
  if (typeof value !== "string") throw new ProviderFormatError(path, expected, value);
  return value;
}

/** A shallow copy of `object` from which fields can be taken. */
export function fieldsOf(object: JsonObject): Fields {
  return { ...object };
}

/** Removes `key` from the bag and returns its value. */
export function take(fields: Fields, key: string): unknown {
  const value = fields[key];
  delete fields[key];
  return value;
}

/** Removes `key` and returns it as a string; throws naming `path.key` when it is not one. */
export function takeString(fields: Fields, key: string, path: string): string {
  return expectString(take(fields, key), `${path}.${key}`);
}

/** Removes and returns `key` only when it is a string; any other value stays in the bag. */
export function takeOptionalString(fields: Fields, key: string): string | undefined {
  const value = fields[key];
  if (typeof value !== "string") return undefined;
  delete fields[key];
  return value;
}

/** Removes and returns `key` only when it is a boolean; any other value stays in the bag. */
export function takeOptionalBoolean(fields: Fields, key: string): boolean | undefined {
  const value = fields[key];
  if (typeof value !== "boolean") return undefined;
  delete fields[key];
  return value;
}

/** The remaining fields as `extra`, or `undefined` when none remain. */
export function extraOf(fields: Fields): Extra | undefined {
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/**
 * Removes and returns `cache_control` when it is exactly `{type: "ephemeral"}` with an optional `ttl` of
 * `"5m"` or `"1h"`. Anything else (`null`, unknown keys) stays in the bag and is written back verbatim.
 */
export function takeCacheControl(fields: Fields): CacheControl | undefined {
  const value = fields.cache_control;
  if (!isObject(value) || value.type !== "ephemeral") return undefined;
  const keys = Object.keys(value);
  if (keys.some((key) => key !== "type" && key !== "ttl")) return undefined;
  const ttl = value.ttl;
  if ("ttl" in value && ttl !== "5m" && ttl !== "1h") return undefined;
  delete fields.cache_control;
  return ttl === "5m" || ttl === "1h" ? { type: "ephemeral", ttl } : { type: "ephemeral" };
}

/** Copies `extra` and sets each defined entry of `values` on top (later keys win; `undefined` is skipped). */
export function compose(extra: Extra | undefined, values: JsonObject): JsonObject {
  const output: JsonObject = { ...extra };
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) output[key] = value;
  }
  return output;
}

/** `extra` without the listed keys (nested objects an adapter rebuilds itself). */
export function without(extra: Extra | undefined, ...keys: string[]): Extra | undefined {
  if (extra === undefined) return undefined;
  const copy = { ...extra };
  for (const key of keys) delete copy[key];
  return copy;
}

/** The object stored at `extra[key]`, or an empty object. */
export function nested(extra: Extra | undefined, key: string): JsonObject {
  const value = extra?.[key];
  return isObject(value) ? value : {};
}

/** Writes the cache marker back in the provider's spelling. */
export function cacheControlField(cacheControl: CacheControl | undefined): JsonObject | undefined {
  if (cacheControl === undefined) return undefined;
  return cacheControl.ttl === undefined
    ? { type: "ephemeral" }
    : { type: "ephemeral", ttl: cacheControl.ttl };
}
