/**
 * Stable content hashes of neutral messages and blocks: SHA-256 of a canonical JSON (keys sorted, `undefined`
 * members left out, as `JSON.stringify` does). Two messages hash alike exactly when they are deep-equal as
 * JSON, whatever order their keys were built in. Used for compaction checkpoints, token memoisation and the
 * invariant checker.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Block, Message } from "./types.js";

/**
 * Canonical JSON of a value: object keys sorted, `undefined` members and functions left out, arrays kept in
 * order (an `undefined` array element becomes `null`, as in `JSON.stringify`).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined || typeof item === "function" ? "null" : canonicalJson(item))).join(",")}]`;
  }
  const toJson = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJson === "function") return canonicalJson(toJson.call(value));
  const entries = Object.keys(value)
    .sort()
    .flatMap((key) => {
      const member = (value as Record<string, unknown>)[key];
      if (member === undefined || typeof member === "function") return [];
      return [`${JSON.stringify(key)}:${canonicalJson(member)}`];
    });
  return `{${entries.join(",")}}`;
}

/** Hex SHA-256 of the canonical JSON of any value. */
export function hashValue(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

const messageHashes = new WeakMap<Message, string>();

/**
 * Stable content hash of a message: role, content, wire form and extra fields count; the `pinned` flag does
 * not (pinning a message does not change what is sent). Memoised per message object: messages are treated as
 * immutable once hashed (edit a copy, not the object), as the token estimator also assumes.
 */
export function hashMessage(message: Message): string {
  let hash = messageHashes.get(message);
  if (hash === undefined) {
    const { pinned: _pinned, ...content } = message;
    hash = hashValue(content);
    messageHashes.set(message, hash);
  }
  return hash;
}

/** Stable content hash of a list of blocks (a system prompt, a message's content). */
export function hashBlocks(blocks: readonly Block[]): string {
  return hashValue(blocks);
}
