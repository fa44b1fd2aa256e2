/**
 * Request checks of the Anthropic Messages route: the 400s the real API answers (messages worded like its own).
 *
 * @module
 */

import { isObject, type JsonObject } from "./handler.js";
import type { ValidationIssue } from "./provider-errors.js";

const maximumBreakpoints = 4;

function issue(message: string): ValidationIssue {
  return { message, param: null };
}

function blocksOf(content: unknown): unknown[] {
  return Array.isArray(content) ? content : [];
}

function idsOf(content: unknown, type: string, field: string): string[] {
  return blocksOf(content).flatMap((block) =>
    isObject(block) && block.type === type && typeof block[field] === "string"
      ? [block[field] as string]
      : [],
  );
}

function countBreakpoints(body: JsonObject): number {
  const marked = (value: unknown): number => (isObject(value) && isObject(value.cache_control) ? 1 : 0);
  let count = marked(body);
  for (const tool of blocksOf(body.tools)) count += marked(tool);
  for (const block of blocksOf(body.system)) count += marked(block);
  for (const message of blocksOf(body.messages)) {
    if (!isObject(message)) continue;
    for (const block of blocksOf(message.content)) count += marked(block);
  }
  return count;
}

/** Every breakpoint's TTL in prompt order (tools, system, messages, then the top-level one, which marks the end). */
function breakpointTtls(body: JsonObject): Array<{ ttl: string; where: string }> {
  const found: Array<{ ttl: string; where: string }> = [];
  const visit = (value: unknown, where: string): void => {
    if (!isObject(value) || !isObject(value.cache_control)) return;
    const ttl = value.cache_control.ttl;
    found.push({ ttl: typeof ttl === "string" ? ttl : "5m", where });
  };
  for (const [index, tool] of blocksOf(body.tools).entries()) visit(tool, `tools.${index}`);
  for (const [index, block] of blocksOf(body.system).entries()) visit(block, `system.${index}`);
  for (const [index, message] of blocksOf(body.messages).entries()) {
    if (!isObject(message)) continue;
    for (const [blockIndex, block] of blocksOf(message.content).entries()) {
      visit(block, `messages.${index}.content.${blockIndex}`);
      if (isObject(block) && block.type === "tool_result")
        for (const [inner, part] of blocksOf(block.content).entries())
          visit(part, `messages.${index}.content.${blockIndex}.content.${inner}`);
    }
  }
  visit(body, "cache_control");
  return found;
}

/** Anthropic processes the prompt in order and requires longer-lived entries first: no 1h after a 5m. */
function checkTtlOrder(body: JsonObject): ValidationIssue | undefined {
  let firstShort: string | undefined;
  for (const { ttl, where } of breakpointTtls(body)) {
    if (ttl === "5m") firstShort ??= where;
    else if (ttl === "1h" && firstShort !== undefined) {
      return issue(
        `${where}.cache_control: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control ` +
          `block (${firstShort}). Cache entries with a longer TTL must appear before shorter ones.`,
      );
    }
  }
  return undefined;
}

function checkShape(body: JsonObject): ValidationIssue | undefined {
  if (typeof body.model !== "string" || body.model === "") return issue("model: Field required");
  if (body.max_tokens === undefined) return issue("max_tokens: Field required");
  if (typeof body.max_tokens !== "number" || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    return issue("max_tokens: Input should be a positive integer");
  }
  if (body.messages === undefined) return issue("messages: Field required");
  if (!Array.isArray(body.messages)) return issue("messages: Input should be a valid list");
  if (body.messages.length === 0) return issue("messages: at least one message is required");
  for (const [index, message] of body.messages.entries()) {
    if (!isObject(message)) return issue(`messages.${index}: Input should be a valid dictionary`);
    if (message.role !== "user" && message.role !== "assistant" && message.role !== "system") {
      return issue(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
    if (typeof message.content !== "string" && !Array.isArray(message.content)) {
      return issue(`messages.${index}.content: Input should be a valid string or list`);
    }
    for (const [blockIndex, block] of blocksOf(message.content).entries()) {
      if (!isObject(block) || typeof block.type !== "string") {
        return issue(`messages.${index}.content.${blockIndex}.type: Field required`);
      }
      if (block.type === "thinking" && typeof block.signature !== "string") {
        return issue(`messages.${index}.content.${blockIndex}.thinking.signature: Field required`);
      }
    }
  }
  return undefined;
}

interface Numbered {
  message: JsonObject;
  /** Position in the request's `messages`, for error messages. */
  index: number;
}

function checkToolPairs(conversation: Numbered[]): ValidationIssue | undefined {
  for (const [position, { message, index }] of conversation.entries()) {
    const previous = conversation[position - 1]?.message;
    const offered = previous?.role === "assistant" ? idsOf(previous.content, "tool_use", "id") : [];
    for (const [blockIndex, block] of blocksOf(message.content).entries()) {
      if (!isObject(block) || block.type !== "tool_result") continue;
      if (message.role === "user" && offered.includes(String(block.tool_use_id))) continue;
      return issue(
        `messages.${index}.content.${blockIndex}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ` +
          `${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block ` +
          "in the previous message.",
      );
    }
    if (message.role !== "assistant") continue;
    const next = conversation[position + 1]?.message;
    const answered = next?.role === "user" ? idsOf(next.content, "tool_result", "tool_use_id") : [];
    const unanswered = idsOf(message.content, "tool_use", "id").filter((id) => !answered.includes(id));
    if (unanswered.length > 0) {
      return issue(
        `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
          `${unanswered.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in ` +
          "the next message.",
      );
    }
  }
  return undefined;
}

/** The first reason the Anthropic Messages API would answer this body with a 400, if any. */
export function validateAnthropicRequest(body: JsonObject): ValidationIssue | undefined {
  const shapeIssue = checkShape(body);
  if (shapeIssue !== undefined) return shapeIssue;
  const conversation = (body.messages as JsonObject[])
    .map((message, index): Numbered => ({ message, index }))
    .filter(({ message }) => message.role !== "system");
  // A conversation may open with an assistant message that holds an on-demand compaction block.
  const opening = conversation[0]?.message;
  const firstBlock = opening && Array.isArray(opening.content) ? (opening.content as unknown[])[0] : undefined;
  const leadsWithCompaction = isObject(firstBlock) && firstBlock.type === "compaction";
  if (opening?.role !== "user" && !leadsWithCompaction)
    return issue('messages: first message must use the "user" role');
  const pairIssue = checkToolPairs(conversation);
  if (pairIssue !== undefined) return pairIssue;
  const breakpoints = countBreakpoints(body);
  if (breakpoints > maximumBreakpoints) {
    return issue(
      `A maximum of ${maximumBreakpoints} blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
  }
  return checkTtlOrder(body);
}
