/**
 * Where a conversation may be cut without breaking it. Shared by every strategy.
 *
 * @module
 */
import type { Message } from "../../src/transcript/types.js";

/**
 * End of the head that no strategy removes: leading system messages and the first user message (the task).
 * Returns the index of the first message after it.
 */
export function headEnd(messages: readonly Message[]): number {
  let index = 0;
  while (index < messages.length && messages[index]?.role === "system") index++;
  const first = messages[index];
  if (first && first.role === "user" && !first.content.some((block) => block.type === "tool_result")) index++;
  return index;
}

/**
 * Indices where the view may be cut, in ascending order: the start of each run of assistant messages after
 * the head. Cutting there never separates a tool call from its result (results always follow their call's
 * assistant run) nor a reasoning item from the call it belongs to.
 */
export function cutPoints(messages: readonly Message[]): number[] {
  const points: number[] = [];
  const start = headEnd(messages);
  for (let index = Math.max(start, 1); index < messages.length; index++) {
    if (messages[index]?.role === "assistant" && messages[index - 1]?.role !== "assistant")
      points.push(index);
  }
  return points;
}

/** Index of the first pinned message at or after `from`, or `messages.length`. */
export function firstPinned(messages: readonly Message[], from: number): number {
  for (let index = from; index < messages.length; index++) if (messages[index]?.pinned) return index;
  return messages.length;
}
