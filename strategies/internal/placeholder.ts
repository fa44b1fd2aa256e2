/**
 * An observation replaced by a placeholder text, shared by the parts that remove tool output (observation
 * masking, lossless removals).
 *
 * @module
 */
import type { Message, ToolResultBlock } from "../../src/transcript/types.js";

/**
 * One object per (message, block, placeholder text): replacing the same observation the same way on a later call
 * yields the very same message, whose hash and tokens are memoised, so the compacted prefix stays byte-identical.
 */
const replacedMemo = new WeakMap<Message, Map<string, Message>>();

/**
 * `current` with its block `blockIndex` (a tool result) holding only `text`, or, when `blockIndex` is negative or
 * not a tool result (a text observation), the whole message's content replaced by `text`.
 */
export function withPlaceholder(current: Message, blockIndex: number, text: string): Message {
  let byKey = replacedMemo.get(current);
  if (!byKey) {
    byKey = new Map();
    replacedMemo.set(current, byKey);
  }
  const key = `${blockIndex}\u0000${text}`;
  let replaced = byKey.get(key);
  if (!replaced) {
    const placeholder = { type: "text" as const, text };
    const block = blockIndex >= 0 ? current.content[blockIndex] : undefined;
    replaced =
      block?.type === "tool_result"
        ? {
            ...current,
            content: current.content.map((item, index) =>
              index === blockIndex ? ({ ...block, content: [placeholder] } satisfies ToolResultBlock) : item,
            ),
          }
        : { ...current, content: [placeholder] };
    byKey.set(key, replaced);
  }
  return replaced;
}
