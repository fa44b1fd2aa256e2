/**
 * The OpenAI Chat Completions route (`POST /v1/chat/completions`): a reply rendered as a `chat.completion`, or as
 * `chat.completion.chunk` data events (role, content deltas, tool call deltas, finish reason, then the usage chunk
 * when `stream_options.include_usage` is set) closed by `data: [DONE]`. Thinking parts are not sent (Chat
 * Completions has no field for them) but count as reasoning tokens.
 *
 * @module
 */

import type OpenAI from "openai";
import {
  isObject,
  type JsonObject,
  type ProviderHandler,
  padded,
  type RenderContext,
  splitIntoDeltas,
  textOf,
} from "./handler.js";
import type { SseEvent } from "./http.js";
import { validateChatRequest } from "./openai-chat-validation.js";
import { openaiErrorBody } from "./provider-errors.js";
import type { ServerUsage } from "./recorded-request.js";
import { type MessageReply, stopReasonOf } from "./reply.js";
import { toChatUsage } from "./usage.js";

const finishReasons = { end: "stop", tool_call: "tool_calls", max_tokens: "length" } as const;
const systemFingerprint = "fp_compactor_test";

function toolCallsOf(
  message: MessageReply,
  callNumber: number,
): OpenAI.ChatCompletionMessageFunctionToolCall[] {
  return message.parts.flatMap((part, index) =>
    part.type === "tool_call"
      ? [
          {
            id: part.id ?? `call_test_${padded(callNumber)}_${index}`,
            type: "function" as const,
            function: { name: part.name, arguments: JSON.stringify(part.input ?? {}) },
          },
        ]
      : [],
  );
}

function textOfReply(message: MessageReply): string | null {
  const texts = message.parts.flatMap((part) => (part.type === "text" ? [part.text] : []));
  return texts.length === 0 ? null : texts.join("");
}

function renderCompletion(
  message: MessageReply,
  usage: ServerUsage,
  context: RenderContext,
): OpenAI.ChatCompletion {
  const toolCalls = toolCallsOf(message, context.callNumber);
  const assistant: OpenAI.ChatCompletionMessage = {
    role: "assistant",
    content: textOfReply(message),
    refusal: null,
    annotations: [],
  };
  if (toolCalls.length > 0) assistant.tool_calls = toolCalls;
  return {
    id: `chatcmpl-test-${padded(context.callNumber)}`,
    object: "chat.completion",
    created: context.createdSeconds,
    model: String(context.body.model),
    choices: [
      { index: 0, message: assistant, logprobs: null, finish_reason: finishReasons[stopReasonOf(message)] },
    ],
    usage: toChatUsage(usage),
    service_tier: "default",
    system_fingerprint: systemFingerprint,
  };
}

function includeUsage(body: JsonObject): boolean {
  return isObject(body.stream_options) && body.stream_options.include_usage === true;
}

function streamEvents(message: MessageReply, usage: ServerUsage, context: RenderContext): SseEvent[] {
  const withUsage = includeUsage(context.body);
  const chunk = (
    choices: OpenAI.ChatCompletionChunk.Choice[],
    usageField: OpenAI.CompletionUsage | null = null,
  ): OpenAI.ChatCompletionChunk => ({
    id: `chatcmpl-test-${padded(context.callNumber)}`,
    object: "chat.completion.chunk",
    created: context.createdSeconds,
    model: String(context.body.model),
    service_tier: "default",
    system_fingerprint: systemFingerprint,
    choices,
    ...(withUsage ? { usage: usageField } : {}),
  });
  const delta = (value: OpenAI.ChatCompletionChunk.Choice.Delta): OpenAI.ChatCompletionChunk =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: null }]);

  const text = textOfReply(message);
  const chunks: OpenAI.ChatCompletionChunk[] = [
    delta({ role: "assistant", content: text === null ? null : "", refusal: null }),
  ];
  if (text !== null) {
    for (const piece of splitIntoDeltas(text, context.deltaCharacters))
      chunks.push(delta({ content: piece }));
  }
  toolCallsOf(message, context.callNumber).forEach((call, index) => {
    const { id, type } = call;
    chunks.push(
      delta({ tool_calls: [{ index, id, type, function: { name: call.function.name, arguments: "" } }] }),
    );
    for (const piece of splitIntoDeltas(call.function.arguments, context.deltaCharacters)) {
      chunks.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  const finishReason = finishReasons[stopReasonOf(message)];
  chunks.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]));
  if (withUsage) chunks.push(chunk([], toChatUsage(usage)));
  return [...chunks.map((value) => ({ data: JSON.stringify(value) })), { data: "[DONE]" }];
}

function lastUserText(body: JsonObject): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.filter((message) => isObject(message) && message.role === "user").at(-1);
  return isObject(last) ? textOf(last.content) : "";
}

/** The OpenAI Chat Completions handler. */
export const openaiChatHandler: ProviderHandler = {
  provider: "openai-chat",
  cacheFamily: "openai",
  requestIdHeader: "x-request-id",
  firstEventName: undefined,
  validate: validateChatRequest,
  errorBody: (status, message, param, code) => openaiErrorBody(status, message, param, code),
  lastUserText,
  render: renderCompletion,
  events: streamEvents,
};
