/**
 * Answers one well-formed request on a provider route: validation, the script's reply, usage, and the response
 * (JSON, SSE, an error, a malformed body or a dropped connection).
 *
 * @module
 */

import type { ServerResponse } from "node:http";
import type { JsonObject, ProviderHandler, RenderContext } from "./handler.js";
import { breakConnection, sendEvents, sendJson } from "./http.js";
import type { PromptCache } from "./prefix-cache.js";
import { type CountTokens, layoutPrompt } from "./prompt.js";
import { defaultErrorMessage } from "./provider-errors.js";
import type { RecordedRequest } from "./recorded-request.js";
import type { ScriptRunner } from "./script.js";
import { combineUsage, countReplyTokens } from "./usage.js";

/** What answering needs from the server. */
export interface RespondState {
  runner: ScriptRunner;
  countTokens: CountTokens;
  cache: PromptCache;
  now: () => number;
  deltaCharacters: number;
  /** Hands out the 0-based index of the next call that reaches the script. */
  nextCallIndex: () => number;
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
  const issue = handler.validate(body);
  if (issue !== undefined) {
    recorded.validationError = issue.message;
    return sendError(handler, recorded, response, { status: 400, ...issue });
  }
  const prompt = layoutPrompt(handler.provider, body, state.countTokens);
  recorded.prompt = prompt;
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
  recorded.usage = usage;
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
  };
  recorded.status = 200;
  if (!recorded.stream) return sendJson(response, 200, handler.render(message, usage, context), headers);
  return sendEvents(response, handler.events(message, usage, context), { headers, breakAfter });
}
