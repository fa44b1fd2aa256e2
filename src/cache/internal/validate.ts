/**
 * Option checks for the cache simulators, with errors that name the field and what was expected.
 *
 * @module
 */
import { InvalidOptionError } from "../../errors.js";

/** Returns `value` if it is a non-negative integer, `fallback` if undefined; throws otherwise. */
export function nonNegativeInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InvalidOptionError(field, "a non-negative integer", value);
  }
  return value;
}

/** Returns `value` if it is a positive finite number, `fallback` if undefined; throws otherwise. */
export function positiveNumber(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(field, "a positive finite number", value);
  }
  return value;
}

/** Returns `value` if it is one of `allowed`, `fallback` if undefined; throws otherwise. */
export function oneOf<T extends string>(
  field: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(field, allowed.map((item) => `"${item}"`).join(" or "), value);
  }
  return value as T;
}

/** Returns `value` if it is a non-empty string; throws otherwise. */
export function requiredString(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidOptionError(field, "a non-empty string", value);
  }
  return value;
}
