/**
 * Structural equality of JSON-like values, for the session counter's prefix check. It is much cheaper than
 * hashing when two messages share their strings (an adapter that rebuilds message objects from the same
 * request keeps the same string values, and V8 compares identical strings by pointer), and never tokenises.
 *
 * @module
 */
import type { Message } from "../transcript/types.js";

/** Deep equality of JSON-like values; `undefined` object members count as absent, as in JSON. */
export function sameJson(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== "object" || typeof right !== "object" || left === null || right === null) return false;
  if (Array.isArray(left)) {
    if (!Array.isArray(right) || left.length !== right.length) return false;
    for (let index = 0; index < left.length; index += 1) {
      if (!sameJson(left[index], right[index])) return false;
    }
    return true;
  }
  if (Array.isArray(right)) return false;
  return sameMembers(left as Record<string, unknown>, right as Record<string, unknown>, undefined);
}

function sameMembers(
  left: Record<string, unknown>,
  right: Record<string, unknown>,
  ignored: string | undefined,
): boolean {
  let leftCount = 0;
  for (const key in left) {
    const value = left[key];
    if (value === undefined || key === ignored) continue;
    leftCount += 1;
    if (!Object.hasOwn(right, key) || !sameJson(value, right[key])) return false;
  }
  let rightCount = 0;
  for (const key in right) {
    if (right[key] !== undefined && key !== ignored) rightCount += 1;
  }
  return leftCount === rightCount;
}

/**
 * True when two messages send the same content: role, blocks, wire form and extra fields alike. The
 * `pinned` flag is ignored: pinning does not change what is sent.
 */
export function sameMessage(left: Message, right: Message): boolean {
  if (left === right) return true;
  return sameMembers(
    left as unknown as Record<string, unknown>,
    right as unknown as Record<string, unknown>,
    "pinned",
  );
}
