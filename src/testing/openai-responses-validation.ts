/**
 * Request checks of the OpenAI Responses route: the 400s the real API answers (messages worded like its own).
 *
 * @module
 */

import { isObject, type JsonObject } from "./handler.js";
import type { ValidationIssue } from "./provider-errors.js";

/**
 * The first reason the Responses API would answer this body with a 400, if any. With `previous_response_id`
 * the calls live in the stored response, so outputs without a call in `input` are accepted.
 */
export function validateResponsesRequest(body: JsonObject): ValidationIssue | undefined {
  if (typeof body.model !== "string" || body.model === "") {
    return {
      message: "Missing required parameter: 'model'.",
      param: "model",
      code: "missing_required_parameter",
    };
  }
  const input = body.input;
  if (input === undefined || typeof input === "string") return undefined;
  if (!Array.isArray(input)) {
    return {
      message: "Invalid type for 'input': expected one of a string or an array of input items.",
      param: "input",
      code: "invalid_type",
    };
  }
  const chained = typeof body.previous_response_id === "string";
  const calls = new Set<string>();
  const outputs = new Set<string>();
  for (const [index, item] of input.entries()) {
    if (!isObject(item)) {
      return { message: `Invalid type for 'input[${index}]': expected an object.`, param: `input[${index}]` };
    }
    if (item.type === "function_call") calls.add(String(item.call_id));
    if (item.type !== "function_call_output") continue;
    const callId = String(item.call_id);
    if (!chained && !calls.has(callId)) {
      return {
        message: `No tool call found for function call output with call_id ${callId}.`,
        param: "input",
      };
    }
    outputs.add(callId);
  }
  for (const callId of calls) {
    if (!outputs.has(callId))
      return { message: `No tool output found for function call ${callId}.`, param: "input" };
  }
  return undefined;
}
