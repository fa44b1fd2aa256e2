/**
 * Tool calls and results of neutral messages, with the violations that name them. Shared by the request
 * validator and the invariant checker.
 *
 * @module
 */
import type { Message } from "./types.js";
import type { InvariantViolation } from "./violations.js";

/** Responses item types (kept opaque) that pair with a `<type>_output` item by `call_id`. */
const pairedItemTypes = new Set([
  "computer_call",
  "custom_tool_call",
  "shell_call",
  "apply_patch_call",
  "program",
]);

/** A tool call or result found in a message. */
export interface ToolEvent {
  kind: "call" | "result";
  /** The call id (the result's `callId`). */
  id: string;
  /** Index of the message it is in. */
  index: number;
}

/** Tool calls and results of one message, including Responses items kept opaque. */
export function toolEvents(message: Message, index: number): ToolEvent[] {
  const events: ToolEvent[] = [];
  for (const block of message.content) {
    if (block.type === "tool_call") events.push({ kind: "call", id: block.id, index });
    else if (block.type === "tool_result") events.push({ kind: "result", id: block.callId, index });
    else if (block.type === "opaque" && block.format === "openai-responses") {
      const event = pairedItemEvent(block.value, index);
      if (event) events.push(event);
    }
  }
  return events;
}

function pairedItemEvent(value: unknown, index: number): ToolEvent | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { type, call_id: id } = value as { type?: unknown; call_id?: unknown };
  if (typeof type !== "string" || typeof id !== "string") return undefined;
  if (pairedItemTypes.has(type)) return { kind: "call", id, index };
  if (type.endsWith("_output") && pairedItemTypes.has(type.slice(0, -"_output".length))) {
    return { kind: "result", id, index };
  }
  return undefined;
}

/** Every tool call id of the messages. */
export function allCallIds(messages: readonly Message[]): Set<string> {
  const ids = new Set<string>();
  messages.forEach((message, index) => {
    for (const event of toolEvents(message, index)) if (event.kind === "call") ids.add(event.id);
  });
  return ids;
}

/** A call with no result where the format wants one. */
export function unanswered(id: string, index: number, where: string): InvariantViolation {
  return {
    code: "tool-call-without-result",
    messageIndex: index,
    subject: id,
    message: `Tool call ${JSON.stringify(id)} in message ${index} has no result ${where}`,
  };
}

/** A result whose call is elsewhere (misplaced) or nowhere (orphan). */
export function strayResult(
  id: string,
  index: number,
  calls: Set<string>,
  where: string,
): InvariantViolation {
  if (calls.has(id)) {
    return {
      code: "tool-result-misplaced",
      messageIndex: index,
      subject: id,
      message: `Tool result for ${JSON.stringify(id)} in message ${index} is not ${where}`,
    };
  }
  return {
    code: "tool-result-without-call",
    messageIndex: index,
    subject: id,
    message: `Tool result in message ${index} answers ${JSON.stringify(id)}, which no message calls`,
  };
}
