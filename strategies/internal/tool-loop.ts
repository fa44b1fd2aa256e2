/**
 * The part of a view that a provider needs verbatim to continue a tool loop.
 *
 * @module
 */
import type { Message } from "../../src/transcript/types.js";

/**
 * Start of the assistant run holding the last tool call, when that run carries thinking blocks; otherwise
 * `messages.length`. Anthropic rejects a tool loop whose last tool-using assistant turn lost the thinking it
 * started with, and compactor's invariant check enforces it, so no cut may come after this index.
 */
export function lastThinkingToolTurn(messages: readonly Message[]): number {
  // The last one: scanned from the end.
  let last = messages.length - 1;
  while (last >= 0) {
    const message = messages[last] as Message;
    if (message.role === "assistant" && message.content.some((block) => block.type === "tool_call")) break;
    last--;
  }
  if (last < 0) return messages.length;
  let start = last;
  while (start > 0 && messages[start - 1]?.role === "assistant") start--;
  const run = messages.slice(start, last + 1);
  return run.some((message) => message.content.some((block) => block.type === "thinking"))
    ? start
    : messages.length;
}
