/**
 * Content hashes of raw provider messages, memoised per object. Agents usually resend the very same message
 * objects call after call, so after the first call a message costs one WeakMap lookup, not a re-serialisation:
 * that keeps a call's overhead proportional to its new messages.
 *
 * @module
 */
import { createHash } from "node:crypto";

const memo = new WeakMap<object, string>();

/** Leaves cache breakpoints out: an agent moves them from call to call, the content stays the same. */
function withoutCacheControl(key: string, value: unknown): unknown {
  return key === "cache_control" ? undefined : value;
}

/**
 * Hash of a raw message: its JSON (key order as given, as the SDK serialises it), without `cache_control`
 * markers, so a message whose breakpoint moved on is still the same message.
 */
export function rawMessageHash(message: unknown): string {
  if (typeof message === "object" && message !== null) {
    const known = memo.get(message);
    if (known !== undefined) return known;
    const hash = digest(JSON.stringify(message, withoutCacheControl));
    memo.set(message, hash);
    return hash;
  }
  return digest(JSON.stringify(message) ?? "undefined");
}

/**
 * Hashes of a request's raw messages. A message that is the very object found at the same index of the
 * previous request reuses that request's hash (one comparison); the rest go through {@link rawMessageHash}.
 */
export function rawMessageHashes(
  raw: readonly unknown[],
  previous: readonly unknown[] | undefined,
  previousHashes: readonly string[],
): string[] {
  const hashes = new Array<string>(raw.length);
  for (let index = 0; index < raw.length; index++) {
    const message = raw[index];
    const same = previous !== undefined && index < previous.length && previous[index] === message;
    hashes[index] = (same ? previousHashes[index] : undefined) ?? rawMessageHash(message);
  }
  return hashes;
}

/** Short hex digest of a string. */
export function digest(text: string): string {
  return createHash("sha1").update(text).digest("base64url");
}

/** Rolling hash over a list of hashes: what a checkpoint's `prefixHash` is. */
export function prefixHash(hashes: readonly string[], end: number): string {
  const hash = createHash("sha1");
  for (let index = 0; index < end; index++) hash.update(hashes[index] ?? "");
  return hash.digest("base64url");
}

/** Length of the common prefix of two hash lists. */
export function commonPrefix(left: readonly string[], right: readonly string[]): number {
  const length = Math.min(left.length, right.length);
  let index = 0;
  while (index < length && left[index] === right[index]) index++;
  return index;
}
