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
  // The lossless removals and masking of one pipeline read the same view one after the other, and the next call's
  // view is this one with messages appended (the same message objects: messages are never changed in place): the
  // last answer is reused, extended with what the appended messages add.
  const last = lastFound;
  if (last !== undefined && last.mode === textObservations && last.messages.length <= messages.length) {
    const seen = last.messages;
    let same = 0;
    while (same < seen.length && seen[same] === messages[same]) same++;
    if (same === seen.length) {
      if (same === messages.length) return last.found;
      const extended = extendObservations(last.found, last.textMode, messages, same, textObservations);
      if (extended !== undefined) {
        lastFound = { messages: messages.slice(), mode: textObservations, textMode: extended.textMode, found: extended.found };
        return extended.found;
      }
    }
  }
  const hasTools = messages.some((message) =>
    message.content.some((block) => block.type === "tool_call" || block.type === "tool_result"),
  );
  const textMode = textObservations === true || (textObservations === "auto" && !hasTools);
  const found = scanObservations(messages, textMode, 0, { observations: [], calls: new Map(), lastAssistant: -1 });
  lastFound = { messages: messages.slice(), mode: textObservations, textMode, found };
  return found;
}

/** What {@link findObservations} returns; shared between its callers, who must not change it. */
export interface Observations {
  readonly observations: readonly Observation[];
  readonly calls: ReadonlyMap<string, ToolCallBlock>;
  readonly lastAssistant: number;
}

let lastFound:
  | { messages: Message[]; mode: boolean | "auto"; textMode: boolean; found: Observations }
  | undefined;

/**
 * The observations of `messages`, given those of its first `from` messages (`before`, scanned with the same
 * `textMode`), or undefined when the messages from `from` on change the mode (`"auto"`: the first tool block in
 * a conversation that had none), which needs a whole scan. The earlier lists and map are shared, not changed:
 * copied when something is added, the same objects otherwise.
 */
function extendObservations(
  before: Observations,
  textMode: boolean,
  messages: readonly Message[],
  from: number,
  textObservations: boolean | "auto",
): { found: Observations; textMode: boolean } | undefined {
  if (textObservations === "auto" && textMode) {
    for (let index = from; index < messages.length; index++) {
      for (const block of (messages[index] as Message).content) {
        if (block.type === "tool_call" || block.type === "tool_result") return undefined;
      }
    }
  }
  const added = scanObservations(messages, textMode, from, { observations: [], calls: new Map(), lastAssistant: -1 });
  let calls: ReadonlyMap<string, ToolCallBlock> = before.calls;
  if (added.calls.size > 0) {
    const merged = new Map(before.calls);
    for (const [id, call] of added.calls) merged.set(id, call);
    calls = merged;
  }
  return {
    textMode,
    found: {
      observations:
        added.observations.length === 0 ? before.observations : [...before.observations, ...added.observations],
      calls,
      lastAssistant: added.lastAssistant >= 0 ? added.lastAssistant : before.lastAssistant,
    },
  };
}

/** Scans `messages` from `from` on into `into` (observations in order, calls by id, the last assistant's index). */
function scanObservations(
  messages: readonly Message[],
  textMode: boolean,
  from: number,
  into: { observations: Observation[]; calls: Map<string, ToolCallBlock>; lastAssistant: number },
): Observations {
  const { calls, observations } = into;
  let lastAssistant = into.lastAssistant;
  // Plain index loops: `entries()` allocates a pair per message and per block, on every call of a session.
  for (let messageIndex = from; messageIndex < messages.length; messageIndex++) {
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
