/**
 * Answers one well-formed request on a provider route: validation, the script's reply, usage, and the response
 * (JSON, SSE, an error, a malformed body or a dropped connection).
 *
 * @module
 */

import type { ServerResponse } from "node:http";
import { isObject, type JsonObject, type ProviderHandler, type RenderContext } from "./handler.js";
import { breakConnection, sendEvents, sendJson } from "./http.js";
import type { PromptCache } from "./prefix-cache.js";
import { type CountTokens, layoutPrompt } from "./prompt.js";
import { defaultErrorMessage } from "./provider-errors.js";
import type { RecordedRequest } from "./recorded-request.js";
import type { ScriptRunner } from "./script.js";
import { combineUsage, countReplyTokens } from "./usage.js";
import {
  answerAnthropicCompaction,
  answerResponsesCompact,
  answerResponsesTrigger,
  addServerUsage,
  responsesCompactionDue,
  type CompactionState,
  checkAnthropicCompaction,
  checkResponsesCompaction,
  compactionState,
  sendAnthropicIssue,
  sendOpenAIIssue,
} from "./native-compaction.js";

/** What answering needs from the server. */
export interface RespondState {
  runner: ScriptRunner;
  countTokens: CountTokens;
  cache: PromptCache;
  now: () => number;
  deltaCharacters: number;
  /** Hands out the 0-based index of the next call that reaches the script. */
  nextCallIndex: () => number;
  /** Anthropic Threads the server holds, by the id of their latest reply. */
  threads?: Map<string, StoredThread>;
  /** Provider-native compaction: the server's signing key and count (made on first use). */
  compaction?: CompactionState;
}

/** Answers `POST /v1/responses/compact` (OpenAI's standalone compaction). */
export function respondCompact(state: RespondState, recorded: RecordedRequest, body: JsonObject, response: ServerResponse): void {
  state.compaction ??= compactionState(state.countTokens, state.cache, state.now);
  answerResponsesCompact(state.compaction, recorded, body, response);
}

/** What the server keeps of an Anthropic thread: its create-only fields and the whole conversation. */
export interface StoredThread {
  system?: unknown;
  tools?: unknown;
  messages: unknown[];
}

/**
 * Anthropic SDK 1.x Threads: `thread: {type: "create"}` stores the conversation and its reply under the reply's
 * id; `thread: {type: "continue", previous_message_id}` sends only the new messages, which the server appends to
 * what it holds (taking `system` and `tools` from the thread). Returns the body to answer as if it were one
 * stateless request, or an error.
 */
function expandThread(
  body: JsonObject,
  threads: Map<string, StoredThread>,
): { body: JsonObject; threaded: boolean } | { status: number; message: string } {
  const thread = body.thread;
  if (!isObject(thread)) return { body, threaded: false };
  const { thread: _thread, ...rest } = body;
  if (thread.type === "create") return { body: rest, threaded: true };
  if (thread.type !== "continue") return { status: 400, message: `thread.type: Input should be 'create' or 'continue'` };
  const previous = typeof thread.previous_message_id === "string" ? threads.get(thread.previous_message_id) : undefined;
  if (previous === undefined) {
    return { status: 404, message: `thread_not_found: no thread holds previous_message_id ${String(thread.previous_message_id)}` };
  }
  if (rest.system !== undefined || rest.tools !== undefined) {
    return { status: 400, message: "thread_unsupported_request: `system` and `tools` are taken from the thread on a continue" };
  }
  const messages = Array.isArray(rest.messages) ? rest.messages : [];
  return {
    body: {
      ...rest,
      ...(previous.system !== undefined ? { system: previous.system } : {}),
      ...(previous.tools !== undefined ? { tools: previous.tools } : {}),
      messages: [...previous.messages, ...messages],
    },
    threaded: true,
  };
}

/** Sends a provider-shaped error and records its status. */
export function sendError(
  handler: ProviderHandler,
  recorded: RecordedRequest,
  response: ServerResponse,
  error: {
    status: number;
    message: string;
    param?: string | null;
    code?: string;
    headers?: Record<string, string>;
  },
): void {
  recorded.status = error.status;
  const body = handler.errorBody(
    error.status,
    error.message,
    error.param ?? null,
    error.code,
    recorded.requestId,
  );
  sendJson(response, error.status, body, { [handler.requestIdHeader]: recorded.requestId, ...error.headers });
}

/** Answers `body` on `handler`'s route, filling in `recorded` as it goes. */
export async function respond(
  state: RespondState,
  handler: ProviderHandler,
  recorded: RecordedRequest,
  body: JsonObject,
  response: ServerResponse,
): Promise<void> {
  let threaded = false;
  if (handler.provider === "anthropic" && body.thread !== undefined) {
    state.threads ??= new Map();
    const expanded = expandThread(body, state.threads);
    if ("status" in expanded) return sendError(handler, recorded, response, { status: expanded.status, message: expanded.message, param: null });
    body = expanded.body;
    threaded = expanded.threaded;
  }
  // Provider-native compaction: its parameters, blocks and items are checked first; a compaction request is
  // answered here and never reaches the script.
  state.compaction ??= compactionState(state.countTokens, state.cache, state.now);
  if (handler.provider === "anthropic") {
    const nativeIssue = checkAnthropicCompaction(state.compaction, body, recorded.headers);
    if (nativeIssue) return sendAnthropicIssue(recorded, response, nativeIssue);
  } else if (handler.provider === "openai-responses") {
    const nativeIssue = checkResponsesCompaction(state.compaction, body);
    if (nativeIssue) return sendOpenAIIssue(recorded, response, nativeIssue);
  }
  const issue = handler.validate(body);
  if (issue !== undefined) {
    recorded.validationError = issue.message;
    return sendError(handler, recorded, response, { status: 400, ...issue });
  }
  if (handler.provider === "anthropic" && body.compaction !== undefined && body.compaction !== null) {
    return answerAnthropicCompaction(state.compaction, recorded, body, response);
  }
  const prompt = layoutPrompt(handler.provider, body, state.countTokens);
  recorded.prompt = prompt;
  // OpenAI Responses: a final `compaction_trigger` compacts on demand (the answer is the item alone);
  // `context_management` past its threshold compacts first and the reply follows its item.
  const due =
    handler.provider === "openai-responses" ? responsesCompactionDue(state.compaction, body, prompt.totalTokens) : undefined;
  if (due?.trigger) return answerResponsesTrigger(due, recorded, body, response, state.now());
  const callIndex = state.nextCallIndex();
  const lastUserText = handler.lastUserText(body);
  const reply = await state.runner.next(recorded, {
    provider: handler.provider,
    callIndex,
    prompt,
    lastUserText,
  });
  recorded.reply = reply;
  const headers = { [handler.requestIdHeader]: recorded.requestId };

  if (reply.kind === "error") {
    const retryAfter: Record<string, string> =
      reply.retryAfter === undefined ? {} : { "retry-after": String(reply.retryAfter) };
    const message = reply.message ?? defaultErrorMessage(reply.status);
    return sendError(handler, recorded, response, { status: reply.status, message, headers: retryAfter });
  }
  if (reply.kind === "malformed") {
    const broken = reply.body ?? '{"id": "broken';
    recorded.status = 200;
    if (!recorded.stream) return sendJson(response, 200, broken, headers);
    return sendEvents(response, [{ event: handler.firstEventName, data: broken }], { headers });
  }

  const message = reply.kind === "message" ? reply : reply.reply;
  const output = countReplyTokens(message, state.countTokens, { provider: handler.provider, body });
  const usage = combineUsage(prompt, state.cache[handler.cacheFamily](prompt, state.now()), output);
  recorded.usage = due ? addServerUsage(usage, due.usage) : usage;
  const breakAfter = reply.kind === "broken-stream" ? reply.afterEvents : undefined;
  if (breakAfter !== undefined && !recorded.stream) {
    recorded.status = 0;
    return breakConnection(response);
  }
  const context: RenderContext = {
    callNumber: callIndex + 1,
    createdSeconds: Math.floor(state.now() / 1000),
    deltaCharacters: state.deltaCharacters,
    body,
    ...(due ? { compaction: { item: due.item, usage: due.usage } } : {}),
  };
  recorded.status = 200;
  if (threaded) {
    const rendered = handler.render(message, usage, context) as { id: string; content: unknown };
    const messages = Array.isArray(body.messages) ? body.messages : [];
    state.threads?.set(rendered.id, {
      ...(body.system !== undefined ? { system: body.system } : {}),
      ...(body.tools !== undefined ? { tools: body.tools } : {}),
      messages: [...messages, { role: "assistant", content: rendered.content }],
    });
  }
  if (!recorded.stream) return sendJson(response, 200, handler.render(message, usage, context), headers);
  return sendEvents(response, handler.events(message, usage, context), { headers, breakAfter });
}
