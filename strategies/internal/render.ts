/**
 * Renders neutral messages as plain text for a summarizer, inside a delimited block that the content
 * cannot close: anything in the messages that looks like one of the delimiters is escaped.
 *
 * @module
 */
import type { Block, Message } from "../../src/transcript/types.js";
import { hasLookalikes, visibleForm } from "./prompt-safety.js";

/** Tag names compactor uses to delimit data in a summarizer prompt. */
export const delimiterTags = ["transcript", "previous_summary"] as const;

const delimiterPattern = new RegExp(`<(\\s*/?\\s*)(${delimiterTags.join("|")})(\\b[^>]*)>`, "gi");

/**
 * Escapes every opening or closing tag that looks like a delimiter (`</transcript>`, `< transcript foo>`,
 * any case, full-width `＜／ｔｒａｎｓｃｒｉｐｔ＞`, split by zero-width characters) by replacing its angle brackets with
 * `&lt;` / `&gt;`, so text cannot end the data block early. Text holding such a look-alike is given in its
 * folded form (NFKC, invisible characters removed).
 */
export function escapeDelimiters(text: string): string {
  // Full-width brackets and letters, and zero-width characters inside a tag, read as the tag: fold them first.
  if (hasLookalikes(text)) {
    const visible = visibleForm(text);
    delimiterPattern.lastIndex = 0;
    if (delimiterPattern.test(visible)) text = visible;
    delimiterPattern.lastIndex = 0;
  }
  return text.replace(delimiterPattern, (_match, slash: string, tag: string, rest: string) => {
    return `&lt;${slash}${tag}${rest}&gt;`;
  });
}

/** Shortens `text` to at most `limit` characters, keeping its start and end. */
export function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const half = Math.floor((limit - 40) / 2);
  if (half <= 0) return text.slice(0, Math.max(0, limit));
  return `${text.slice(0, half)}\n[... ${text.length - 2 * half} characters omitted ...]\n${text.slice(-half)}`;
}

/** Text of a block as a summarizer should read it. */
export function renderBlock(block: Block, maxResultCharacters: number): string {
  switch (block.type) {
    case "text":
      return block.text;
    case "image":
      return "[image]";
    case "thinking":
      return block.text ? `(thinking) ${block.text}` : "(thinking, redacted)";
    case "summary":
      return `(summary of earlier messages) ${block.text}`;
    case "tool_call":
      return `(tool call ${block.name}, id ${block.id}) ${block.rawArguments ?? JSON.stringify(block.input ?? null)}`;
    case "tool_result": {
      const body = block.content.map((part) => renderBlock(part, maxResultCharacters)).join("\n");
      const label = `(tool result${block.name ? ` of ${block.name}` : ""}, id ${block.callId}${block.isError ? ", error" : ""})`;
      return `${label}\n${clip(body, maxResultCharacters)}`;
    }
    default:
      return "";
  }
}

/** Options of {@link renderMessages}. */
export interface RenderOptions {
  /** Longest tool result kept in full; longer ones keep their start and end. @default 4000 */
  maxResultCharacters?: number;
  /** Number shown for the first message. @default 1 */
  firstNumber?: number;
}

/** Renders messages as numbered plain text, delimiters escaped. */
export function renderMessages(messages: readonly Message[], options: RenderOptions = {}): string {
  const { maxResultCharacters = 4000, firstNumber = 1 } = options;
  return messages
    .map((message, index) => {
      const body = message.content.map((block) => renderBlock(block, maxResultCharacters)).join("\n");
      return `[${firstNumber + index}] ${message.role}:\n${escapeDelimiters(body)}`;
    })
    .join("\n\n");
}
