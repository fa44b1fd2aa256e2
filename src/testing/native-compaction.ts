/**
 * Provider-native compaction on the test server, in the providers' wire formats:
 *
 * - Anthropic on-demand compaction (beta `compact-2026-09-04`): a Messages request with
 *   `compaction: {type: "summarize"}` is answered with one signed `compaction` block (`stop_reason:
 *   "compaction"`, top-level usage 0, the call's usage in `usage.iterations`); streamed, the block arrives whole
 *   in one `content_block_start`, with no deltas. A later request may carry one block, first in `messages`.
 *   Rejected as the API rejects them: the parameter or a block without the beta header, `compaction` with
 *   `context_management`, `stop_sequences`, a structured-output format or a forced `tool_choice`; a block that is
 *   not first (`compaction_block_misplaced`), more than one (`compaction_block_ambiguous`), a signature the
 *   server did not issue (`compaction_signature_invalid`), content changed since (`compaction_content_mismatch`),
 *   fields the API did not return; nothing to summarize (`compaction_nothing_to_summarize`).
 * - OpenAI `POST /v1/responses/compact`: the input's user messages, then one `compaction` item whose
 *   `encrypted_content` only this server can read back; `usage` of the compaction pass. A Responses request may
 *   carry such items; one the server did not issue is rejected. `context_management: [{type: "compaction",
 *   compact_threshold}]` on create compacts when the prompt passes the threshold (a `compaction` item first in
 *   the output), and a final `compaction_trigger` input item compacts on demand (the output is the item alone).
 *
 * The summary is deterministic: the number of messages and tool results, the task's opening and the latest
 * user text, so tests can assert on it.
 *
 * @module
 */
import { createHmac, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { isObject, type JsonObject, padded, textOf } from "./handler.js";
import { sendEvents, sendJson } from "./http.js";
import type { PromptCache } from "./prefix-cache.js";
import { type CountTokens, layoutPrompt } from "./prompt.js";
import { anthropicErrorBody, openaiErrorBody } from "./provider-errors.js";
import type { RecordedRequest, ServerUsage } from "./recorded-request.js";
import { combineUsage, toResponsesUsage } from "./usage.js";

/** The beta header value of Anthropic's on-demand compaction. */
export const compactionBeta = "compact-2026-09-04";

/** What answering a compaction needs from the server. */
export interface CompactionState {
  countTokens: CountTokens;
  cache: PromptCache;
  now: () => number;
  /** Key of this server's signatures and encrypted items (random per server). */
  secret: Buffer;
  /** Number of compactions made, for ids. */
  made: number;
}

/** A fresh compaction state. */
export function compactionState(
  countTokens: CountTokens,
  cache: PromptCache,
  now: () => number,
): CompactionState {
  return { countTokens, cache, now, secret: randomBytes(32), made: 0 };
}

/** An error a compaction check found: HTTP status, message, and Anthropic's `error.details.error_code`. */
export interface CompactionIssue {
  status: number;
  message: string;
  errorCode?: string;
  param?: string | null;
}

function mac(state: CompactionState, text: string): string {
  return createHmac("sha256", state.secret).update(text).digest("base64url");
}

function betasOf(headers: IncomingHttpHeaders): string[] {
  const value = headers["anthropic-beta"];
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

function blocksOf(content: unknown): unknown[] {
  return Array.isArray(content) ? content : [];
}

/** Longest summary, in characters: about 3,500 tokens, the size of real compaction summaries. */
const summaryCharacters = 14_000;

/** The text of one message or item (text, tool results, tool calls), for the summary. */
function lineOf(message: JsonObject): string {
  const parts: string[] = [];
  const text = textOf(message.content);
  if (text !== "") parts.push(text);
  for (const block of blocksOf(message.content)) {
    if (!isObject(block)) continue;
    if (block.type === "tool_use")
      parts.push(`called ${String(block.name)} ${JSON.stringify(block.input ?? {})}`);
    if (block.type === "tool_result")
      parts.push(`result: ${textOf(block.content) || String(block.content ?? "")}`);
  }
  if (message.type === "function_call")
    parts.push(`called ${String(message.name)} ${String(message.arguments ?? "")}`);
  if (message.type === "function_call_output") parts.push(`result: ${String(message.output ?? "")}`);
  return parts.join(" ").replace(/\s+/g, " ").slice(0, 160);
}

/**
 * The deterministic summary of a conversation: a header (messages, tool results, the task, the latest user
 * text), then one line per message, cut at {@link summaryCharacters}.
 */
function summaryOf(messages: readonly unknown[]): string {
  let toolResults = 0;
  const texts: string[] = [];
  const lines: string[] = [];
  for (const message of messages) {
    if (!isObject(message)) continue;
    for (const block of blocksOf(message.content)) {
      if (isObject(block) && block.type === "tool_result") toolResults++;
      if (isObject(block) && block.type === "compaction" && typeof block.content === "string")
        texts.push(block.content);
    }
    if (message.type === "function_call_output") toolResults++;
    if (message.role === "user") {
      const text = textOf(message.content);
      if (text !== "") texts.push(text);
    }
    const line = lineOf(message);
    if (line !== "") lines.push(`- ${String(message.role ?? message.type)}: ${line}`);
  }
  const task = (texts[0] ?? "").slice(0, 200);
  const latest = (texts.at(-1) ?? "").slice(0, 200);
  const header = `Summary of ${messages.length} messages (${toolResults} tool results). Task: ${task} Latest: ${latest}`;
  return [header, ...lines].join("\n").slice(0, summaryCharacters);
}

const anthropicBlockFields = new Set([
  "type",
  "content",
  "encrypted_content",
  "signature",
  "tool_changes",
  "cache_control",
]);

/**
 * The first reason the Anthropic API would reject this request's use of compaction, if any (the rest of the
 * request is checked by the route's own validation).
 */
export function checkAnthropicCompaction(
  state: CompactionState,
  body: JsonObject,
  headers: IncomingHttpHeaders,
): CompactionIssue | undefined {
  const beta = betasOf(headers).includes(compactionBeta);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const requested = body.compaction !== undefined && body.compaction !== null;
  if (requested) {
    if (!beta) return { status: 400, message: `compaction: requires anthropic-beta: ${compactionBeta}` };
    if (!isObject(body.compaction) || body.compaction.type !== "summarize")
      return { status: 400, message: "compaction.type: Input should be 'summarize'" };
    if (body.context_management !== undefined && body.context_management !== null)
      return { status: 400, message: "compaction: cannot be combined with context_management" };
    if (body.stop_sequences !== undefined)
      return { status: 400, message: "compaction: cannot be combined with stop_sequences" };
    if (isObject(body.output_config) && body.output_config.format !== undefined)
      return { status: 400, message: "compaction: cannot be combined with output_config.format" };
    if (isObject(body.tool_choice) && (body.tool_choice.type === "any" || body.tool_choice.type === "tool"))
      return {
        status: 400,
        message: `compaction: cannot be combined with tool_choice of type '${body.tool_choice.type}'`,
      };
    if (
      !messages.some(
        (message) => isObject(message) && (message.role === "user" || message.role === "assistant"),
      )
    )
      return {
        status: 400,
        message: "compaction_nothing_to_summarize: messages has no user or assistant content",
        errorCode: "compaction_nothing_to_summarize",
      };
  }
  let found = 0;
  for (const [index, message] of messages.entries()) {
    if (!isObject(message)) continue;
    for (const [blockIndex, block] of blocksOf(message.content).entries()) {
      if (!isObject(block) || block.type !== "compaction") continue;
      const where = `messages.${index}.content.${blockIndex}`;
      if (!beta) {
        return {
          status: 400,
          message: `${where}: Input tag 'compaction' found using 'type' does not match any of the expected tags`,
        };
      }
      const extra = Object.keys(block).find((key) => !anthropicBlockFields.has(key));
      if (extra !== undefined)
        return { status: 400, message: `${where}.compaction.${extra}: Extra inputs are not permitted` };
      if (block.content === null) continue; // a failed compaction: a no-op
      found++;
      if (found > 1) {
        return {
          status: 400,
          message: "compaction_block_ambiguous: send exactly one compaction block, the newest",
          errorCode: "compaction_block_ambiguous",
        };
      }
      if (index !== 0 || blockIndex !== 0) {
        return {
          status: 400,
          message: `compaction_block_misplaced: the compaction block at ${where} must be the first block of the conversation`,
          errorCode: "compaction_block_misplaced",
        };
      }
      const [id, signed] = typeof block.signature === "string" ? block.signature.split(".") : [];
      if (id === undefined || signed === undefined || !id.startsWith("cmp")) {
        return {
          status: 400,
          message: `compaction_signature_invalid: the signature of ${where} does not verify`,
          errorCode: "compaction_signature_invalid",
        };
      }
      if (typeof block.content !== "string" || mac(state, `${id}\u0000${block.content}`) !== signed) {
        return {
          status: 400,
          message: `compaction_content_mismatch: the content of ${where} differs from what its signature covers`,
          errorCode: "compaction_content_mismatch",
        };
      }
    }
  }
  return undefined;
}

/** The usage of a compaction pass over `body`'s prompt, written `summary` long. */
function passUsage(
  state: CompactionState,
  provider: "anthropic" | "openai-responses",
  body: JsonObject,
  summary: string,
): ServerUsage {
  const prompt = layoutPrompt(provider, body, state.countTokens);
  const cache = state.cache[provider === "anthropic" ? "anthropic" : "openai"](prompt, state.now());
  const outputTokens = state.countTokens(summary, { provider, kind: "output" } as never);
  return combineUsage(prompt, cache, { outputTokens, reasoningTokens: 0 });
}

/** Answers an Anthropic compaction request (the body carries `compaction`): the signed block, JSON or SSE. */
export async function answerAnthropicCompaction(
  state: CompactionState,
  recorded: RecordedRequest,
  body: JsonObject,
  response: ServerResponse,
): Promise<void> {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const content = summaryOf(messages);
  state.made++;
  const id = `cmp${padded(state.made)}`;
  const block = { type: "compaction", content, signature: `${id}.${mac(state, `${id}\u0000${content}`)}` };
  const usage = passUsage(state, "anthropic", body, content);
  recorded.usage = usage;
  recorded.status = 200;
  const iteration = {
    type: "compaction",
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation_input_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cacheWrite5mTokens,
      ephemeral_1h_input_tokens: usage.cacheWrite1hTokens,
    },
  };
  const wireUsage = {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: "standard",
    iterations: [iteration],
  };
  const message = {
    id: `msg_test_compaction_${padded(state.made)}`,
    type: "message",
    role: "assistant",
    model: String(body.model),
    content: [block],
    stop_reason: "compaction",
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: wireUsage,
  };
  const headers = { "request-id": recorded.requestId };
  if (body.stream !== true) return sendJson(response, 200, message, headers);
  const events: unknown[] = [
    { type: "message_start", message: { ...message, content: [], stop_reason: null } },
    { type: "content_block_start", index: 0, content_block: block },
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: "compaction", stop_sequence: null, stop_details: null, container: null },
      usage: {
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        iterations: [iteration],
      },
    },
    { type: "message_stop" },
  ];
  return sendEvents(
    response,
    events.map((event) => ({ event: (event as { type: string }).type, data: JSON.stringify(event) })),
    { headers },
  );
}

/** Sends an Anthropic compaction issue in the API's error format (with `error.details.error_code`). */
export function sendAnthropicIssue(
  recorded: RecordedRequest,
  response: ServerResponse,
  issue: CompactionIssue,
): void {
  recorded.status = issue.status;
  recorded.validationError = issue.message;
  const body = anthropicErrorBody(issue.status, issue.message, recorded.requestId) as {
    error: Record<string, unknown>;
  };
  if (issue.errorCode) body.error.details = { error_code: issue.errorCode };
  sendJson(response, issue.status, body, { "request-id": recorded.requestId });
}

/** Sends an OpenAI compaction issue in the API's error format. */
export function sendOpenAIIssue(
  recorded: RecordedRequest,
  response: ServerResponse,
  issue: CompactionIssue,
): void {
  recorded.status = issue.status;
  recorded.validationError = issue.message;
  sendJson(
    response,
    issue.status,
    openaiErrorBody(issue.status, issue.message, issue.param ?? null, issue.errorCode),
    {
      "x-request-id": recorded.requestId,
    },
  );
}

/** A `compaction` item this server can read back. */
function compactionItem(state: CompactionState, summary: string): JsonObject {
  state.made++;
  const id = `cmp_test_${padded(state.made)}`;
  const payload = Buffer.from(JSON.stringify({ id, summary })).toString("base64url");
  return {
    id,
    type: "compaction",
    encrypted_content: `${payload}.${mac(state, payload)}`,
    created_by: "compactor-test-server",
  };
}

/** The first reason OpenAI would reject the Responses request's compaction items or trigger, if any. */
export function checkResponsesCompaction(
  state: CompactionState,
  body: JsonObject,
): CompactionIssue | undefined {
  const input = Array.isArray(body.input) ? body.input : [];
  for (const [index, item] of input.entries()) {
    if (!isObject(item)) continue;
    if (item.type === "compaction_trigger" && index !== input.length - 1) {
      return {
        status: 400,
        message: "The compaction_trigger item must be the final input item.",
        param: `input[${index}]`,
      };
    }
    if (item.type !== "compaction") continue;
    const [payload, signed] =
      typeof item.encrypted_content === "string" ? item.encrypted_content.split(".") : [];
    if (payload === undefined || signed === undefined || mac(state, payload) !== signed) {
      return {
        status: 400,
        message: `The encrypted content for item input[${index}] could not be verified.`,
        param: `input[${index}].encrypted_content`,
        errorCode: "invalid_encrypted_content",
      };
    }
  }
  const management = body.context_management;
  if (management !== undefined && management !== null) {
    if (!Array.isArray(management))
      return {
        status: 400,
        message: "Invalid type for 'context_management': expected an array.",
        param: "context_management",
      };
    for (const [index, entry] of management.entries()) {
      if (!isObject(entry) || entry.type !== "compaction")
        return {
          status: 400,
          message: `Invalid value for 'context_management[${index}].type': expected 'compaction'.`,
          param: `context_management[${index}].type`,
        };
      const threshold = entry.compact_threshold;
      if (
        threshold !== undefined &&
        threshold !== null &&
        (typeof threshold !== "number" || !Number.isInteger(threshold) || threshold < 1)
      )
        return {
          status: 400,
          message: `Invalid 'context_management[${index}].compact_threshold': expected a positive integer.`,
          param: `context_management[${index}].compact_threshold`,
        };
    }
  }
  return undefined;
}

/** The user messages of a Responses input, as the compact endpoint returns them. */
function userMessages(input: readonly unknown[]): JsonObject[] {
  return input.filter(
    (item): item is JsonObject =>
      isObject(item) && (item.type === "message" || item.type === undefined) && item.role === "user",
  );
}

/** Answers `POST /v1/responses/compact`. */
export function answerResponsesCompact(
  state: CompactionState,
  recorded: RecordedRequest,
  body: JsonObject,
  response: ServerResponse,
): void {
  if (typeof body.model !== "string" || body.model === "") {
    sendOpenAIIssue(recorded, response, {
      status: 400,
      message: "Missing required parameter: 'model'.",
      param: "model",
      errorCode: "missing_required_parameter",
    });
    return;
  }
  const input =
    typeof body.input === "string"
      ? [{ role: "user", content: body.input }]
      : Array.isArray(body.input)
        ? body.input
        : [];
  if (input.length === 0) {
    sendOpenAIIssue(recorded, response, {
      status: 400,
      message: "Nothing to compact: 'input' is empty.",
      param: "input",
    });
    return;
  }
  const issue = checkResponsesCompaction(state, { ...body, input });
  if (issue) {
    sendOpenAIIssue(recorded, response, issue);
    return;
  }
  const summary = summaryOf(input);
  const usage = passUsage(state, "openai-responses", { ...body, input }, summary);
  recorded.usage = usage;
  recorded.status = 200;
  sendJson(
    response,
    200,
    {
      id: `resp_compact_${padded(state.made + 1)}`,
      object: "response.compaction",
      created_at: Math.floor(state.now() / 1000),
      output: [...userMessages(input), compactionItem(state, summary)],
      usage: toResponsesUsage(usage),
    },
    { "x-request-id": recorded.requestId },
  );
}

/**
 * A compaction item for a Responses create that asks for one: the final `compaction_trigger` item (on demand),
 * or `context_management` whose `compact_threshold` the prompt passes. `undefined` when none is due.
 */
export function responsesCompactionDue(
  state: CompactionState,
  body: JsonObject,
  promptTokens: number,
): { item: JsonObject; trigger: boolean; usage: ServerUsage } | undefined {
  const input = Array.isArray(body.input) ? body.input : [];
  const last = input.at(-1);
  const trigger = isObject(last) && last.type === "compaction_trigger";
  const entries = Array.isArray(body.context_management) ? body.context_management : [];
  const threshold = entries
    .map((entry) =>
      isObject(entry) && typeof entry.compact_threshold === "number" ? entry.compact_threshold : undefined,
    )
    .find((value) => value !== undefined);
  if (!trigger && (threshold === undefined || promptTokens <= threshold)) return undefined;
  const span = trigger ? input.slice(0, -1) : input;
  const summary = summaryOf(span);
  const usage = passUsage(state, "openai-responses", { ...body, input: span }, summary);
  return { item: compactionItem(state, summary), trigger, usage };
}

/** Answers a Responses create whose last input item is `compaction_trigger`: the compaction item alone. */
export function answerResponsesTrigger(
  due: { item: JsonObject; usage: ServerUsage },
  recorded: RecordedRequest,
  body: JsonObject,
  response: ServerResponse,
  now: number,
): Promise<void> | undefined {
  recorded.usage = due.usage;
  recorded.status = 200;
  const complete = {
    id: `resp_test_trigger_${String(due.item.id)}`,
    object: "response",
    created_at: Math.floor(now / 1000),
    status: "completed",
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    model: String(body.model),
    output: [due.item],
    parallel_tool_calls: body.parallel_tool_calls !== false,
    previous_response_id: typeof body.previous_response_id === "string" ? body.previous_response_id : null,
    tool_choice: body.tool_choice ?? "auto",
    tools: Array.isArray(body.tools) ? body.tools : [],
    usage: toResponsesUsage(due.usage),
  };
  const headers = { "x-request-id": recorded.requestId };
  if (body.stream !== true) {
    sendJson(response, 200, complete, headers);
    return undefined;
  }
  const started = { ...complete, status: "in_progress", output: [], usage: null };
  const events = [
    { type: "response.created", response: started },
    { type: "response.in_progress", response: started },
    { type: "response.output_item.added", output_index: 0, item: due.item },
    { type: "response.output_item.done", output_index: 0, item: due.item },
    { type: "response.completed", response: complete },
  ];
  return sendEvents(
    response,
    events.map((event, sequence) => ({
      event: event.type,
      data: JSON.stringify({ ...event, sequence_number: sequence }),
    })),
    { headers },
  );
}

/** Two usages added (a call and the compaction pass billed with it). */
export function addServerUsage(left: ServerUsage, right: ServerUsage): ServerUsage {
  return {
    promptTokens: left.promptTokens + right.promptTokens,
    inputTokens: left.inputTokens + right.inputTokens,
    cacheReadTokens: left.cacheReadTokens + right.cacheReadTokens,
    cacheWrite5mTokens: left.cacheWrite5mTokens + right.cacheWrite5mTokens,
    cacheWrite1hTokens: left.cacheWrite1hTokens + right.cacheWrite1hTokens,
    outputTokens: left.outputTokens + right.outputTokens,
    reasoningTokens: left.reasoningTokens + right.reasoningTokens,
  };
}
