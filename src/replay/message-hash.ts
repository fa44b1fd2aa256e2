/**
 * Content hashes of neutral messages, memoised per message object (replays hash each message once).
 *
 * @module
 */
import { hashMessage } from "../transcript/hash.js";
import type { Message } from "../transcript/types.js";

const memo = new WeakMap<Message, string>();

/** The content hash of a neutral message. */
export function messageHash(message: Message): string {
  let hash = memo.get(message);
  if (hash === undefined) {
    hash = hashMessage(message);
    memo.set(message, hash);
  }
  return hash;
}
