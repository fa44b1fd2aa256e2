/**
 * Context recall: did what the strategy sent still hold what the model went on to use?
 *
 * At each call, the salient tokens of the recorded output (identifiers, paths, numbers of 3+ digits) that also
 * occurred in earlier tool output are the facts the model drew from its context. Recall at that call is the
 * share of them still present in what the strategy sent; a session's recall is the mean over the calls that
 * have any. Sending the full history scores 1 by construction.
 *
 * @module
 */
import type { Block, Message } from "../transcript/types.js";

const salientPattern =
  /(?:[A-Za-z_.~-]*\/)+[A-Za-z0-9_.-]+|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|\d{3,}/g;

/**
 * Salient tokens of a text: paths (`src/a/b.py`), identifiers that look like code (contain `_`, a dot, a digit
 * or an inner capital, and are 4+ characters), and numbers of 3 or more digits.
 */
export function salientTokens(text: string): Set<string> {
  const found = new Set<string>();
  for (const match of text.matchAll(salientPattern)) {
    const token = match[0];
    if (/^\d{3,}$/.test(token) || token.includes("/")) found.add(token);
    else if (token.length >= 4 && /[_.\d]|[a-z][A-Z]/.test(token)) found.add(token);
  }
  return found;
}

function blockText(block: Block): string {
  switch (block.type) {
    case "text":
    case "thinking":
    case "summary":
      return block.text;
    case "tool_call":
      return `${block.name} ${block.rawArguments ?? JSON.stringify(block.input ?? null)}`;
    case "tool_result":
      return block.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
    default:
      return "";
  }
}

/** All text of a message, as the recall measure reads it. */
export function messageText(message: Message): string {
  return message.content.map(blockText).join("\n");
}

/** Tool-output text of a message (tool results only). */
export function toolOutputText(message: Message): string {
  return message.content
    .filter((block) => block.type === "tool_result")
    .map(blockText)
    .join("\n");
}

const salientMemo = new WeakMap<Message, Set<string>>();

/** Salient tokens of a whole message, memoised per message object. */
export function messageSalient(message: Message): Set<string> {
  let tokens = salientMemo.get(message);
  if (!tokens) {
    tokens = salientTokens(messageText(message));
    salientMemo.set(message, tokens);
  }
  return tokens;
}

const toolSalientMemo = new WeakMap<Message, Set<string>>();

/** Salient tokens of a message's tool output (empty when it holds no tool result), memoised per message object. */
export function toolOutputSalient(message: Message): Set<string> {
  let tokens = toolSalientMemo.get(message);
  if (!tokens) {
    tokens = message.content.some((block) => block.type === "tool_result")
      ? salientTokens(toolOutputText(message))
      : new Set();
    toolSalientMemo.set(message, tokens);
  }
  return tokens;
}
