/**
 * Request checks of the OpenAI Chat Completions route: the 400s the real API answers (messages worded like its
 * own, with `param` naming the offending message).
 *
 * @module
 */

import { isObject, type JsonObject } from "./handler.js";
import type { ValidationIssue } from "./provider-errors.js";

const roles = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

function toolCallIdsOf(message: JsonObject): string[] {
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  return calls.flatMap((call) => (isObject(call) && typeof call.id === "string" ? [call.id] : []));
}

function unansweredIssue(assistantIndex: number, pending: Set<string>): ValidationIssue {
  return {
    message:
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each " +
      `'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(", ")}`,
    param: `messages.[${assistantIndex}].role`,
  };
}

/** The first reason the Chat Completions API would answer this body with a 400, if any. */
export function validateChatRequest(body: JsonObject): ValidationIssue | undefined {
  if (typeof body.model !== "string" || body.model === "") {
    return { message: "you must provide a model parameter", param: null };
  }
  if (body.messages === undefined) {
    return {
      message: "Missing required parameter: 'messages'.",
      param: "messages",
      code: "missing_required_parameter",
    };
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return {
      message:
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      param: "messages",
      code: "empty_array",
    };
  }
  // Tool messages must directly follow the assistant message whose tool_calls they answer, one per call.
  let pending = new Set<string>();
  let assistantIndex = -1;
  for (const [index, message] of body.messages.entries()) {
    if (!isObject(message) || typeof message.role !== "string" || !roles.has(message.role)) {
      return { message: `Invalid value for 'messages[${index}].role'.`, param: `messages.[${index}].role` };
    }
    if (message.role === "tool") {
      if (assistantIndex < 0 || !pending.delete(String(message.tool_call_id))) {
        return {
          message:
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `messages.[${index}].role`,
        };
      }
      continue;
    }
    if (pending.size > 0) return unansweredIssue(assistantIndex, pending);
    const ids = message.role === "assistant" ? toolCallIdsOf(message) : [];
    pending = new Set(ids);
    assistantIndex = ids.length > 0 ? index : -1;
  }
  if (pending.size > 0) return unansweredIssue(assistantIndex, pending);
  return undefined;
}
