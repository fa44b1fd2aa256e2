/**
 * Observations (tool results, and for text agents the user messages that answer the assistant) and their
 * replacement by a placeholder text, shared by the parts that remove tool output (observation masking, lossless
 * removals).
 *
 * @module
 */
import type { Message, ToolCallBlock, ToolResultBlock } from "../../src/transcript/types.js";

/** Where an observation is. */
export interface Observation {
  messageIndex: number;
  /** Index of the tool result block, or -1 for a whole text message. */
  blockIndex: number;
}

/**
 * Tool results (and, for text agents, observation messages) in order, with the calls they answer and the index
 * of the last assistant message. `textObservations: "auto"` treats user text as observations only in a
 * conversation with no tool blocks at all.
 */
export function findObservations(
  messages: readonly Message[],
  textObservations: boolean | "auto",
): Observations {
  // The lossless removals and masking of one pipeline read the same view one after the other: the last answer
  // is reused when the view holds the very same message objects (messages are never changed in place).
  const last = lastFound;
  if (last !== undefined && last.view === messages && last.mode === textObservations) {
    const seen = last.messages;
    let same = seen.length === messages.length;
    for (let index = 0; same && index < seen.length; index++) same = seen[index] === messages[index];
    if (same) return last.found;
  }
  const found = scanObservations(messages, textObservations);
  lastFound = { view: messages, messages: [...messages], mode: textObservations, found };
  return found;
}

/** What {@link findObservations} returns; shared between its callers, who must not change it. */
export interface Observations {
  readonly observations: readonly Observation[];
  readonly calls: ReadonlyMap<string, ToolCallBlock>;
  readonly lastAssistant: number;
}

let lastFound:
  | { view: readonly Message[]; messages: Message[]; mode: boolean | "auto"; found: Observations }
  | undefined;

function scanObservations(messages: readonly Message[], textObservations: boolean | "auto"): Observations {
  const hasTools = messages.some((message) =>
    message.content.some((block) => block.type === "tool_call" || block.type === "tool_result"),
  );
  const textMode = textObservations === true || (textObservations === "auto" && !hasTools);
  const calls = new Map<string, ToolCallBlock>();
  const observations: Observation[] = [];
  let lastAssistant = -1;
  // Plain index loops: `entries()` allocates a pair per message and per block, on every call of a session.
  for (let messageIndex = 0; messageIndex < messages.length; messageIndex++) {
    const message = messages[messageIndex] as Message;
    if (message.role === "assistant") lastAssistant = messageIndex;
    const content = message.content;
    for (let blockIndex = 0; blockIndex < content.length; blockIndex++) {
      const block = content[blockIndex] as Message["content"][number];
      if (block.type === "tool_call") calls.set(block.id, block);
      if (block.type === "tool_result") observations.push({ messageIndex, blockIndex });
    }
    const answersAssistant = messages[messageIndex - 1]?.role === "assistant";
    const onlyText = message.content.length > 0 && message.content.every((block) => block.type === "text");
    if (textMode && message.role === "user" && answersAssistant && onlyText) {
      observations.push({ messageIndex, blockIndex: -1 });
    }
  }
  return { observations, calls, lastAssistant };
}

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
