/**
 * The Anthropic Messages route (`POST /v1/messages`): a reply rendered as a `Message`, or as the SSE sequence
 * message_start → (content_block_start, ping after the first, content_block_delta…, content_block_stop)… →
 * message_delta (usage) → message_stop.
 *
 * @module
 */

import type Anthropic from "@anthropic-ai/sdk";
import { validateAnthropicRequest } from "./anthropic-validation.js";
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
import { anthropicErrorBody } from "./provider-errors.js";
import type { ServerUsage } from "./recorded-request.js";
import { type MessageReply, stopReasonOf } from "./reply.js";
import { toAnthropicUsage } from "./usage.js";

const stopReasons = { end: "end_turn", tool_call: "tool_use", max_tokens: "max_tokens" } as const;

function contentOf(message: MessageReply, callNumber: number): Anthropic.ContentBlock[] {
  return message.parts.map((part, index): Anthropic.ContentBlock => {
    // No `citations` field: the API omits it on plain text (and strict clients such as the AI SDK reject null).
    if (part.type === "text") return { type: "text", text: part.text } as Anthropic.TextBlock;
    if (part.type === "thinking") return { type: "thinking", thinking: part.text, signature: part.signature };
    const id = part.id ?? `toolu_test_${padded(callNumber)}_${index}`;
    return { type: "tool_use", id, name: part.name, input: part.input, caller: { type: "direct" } };
  });
}

/** `usage.iterations` of a reply with a server-side compaction: the compaction, then the answer itself. */
function iterationsOf(message: MessageReply, usage: Anthropic.Usage): { iterations?: unknown[] } {
  const compaction = message.serverCompaction;
  if (compaction === undefined) return {};
  const { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cache_creation } = usage;
  const empty = { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: null };
  return {
    iterations: [
      { type: "compaction", input_tokens: compaction.inputTokens, output_tokens: compaction.outputTokens, ...empty },
      { type: "message", input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cache_creation },
    ],
  };
}

function renderMessage(message: MessageReply, usage: ServerUsage, context: RenderContext): Anthropic.Message {
  const wireUsage = toAnthropicUsage(usage);
  return {
    id: `msg_test_${padded(context.callNumber)}`,
    type: "message",
    role: "assistant",
    model: String(context.body.model),
    content: contentOf(message, context.callNumber),
    stop_reason: stopReasons[stopReasonOf(message)],
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: { ...wireUsage, ...iterationsOf(message, wireUsage) },
  };
}

/** The empty block a content_block_start announces, and the deltas that fill it. */
function blockEvents(
  block: Anthropic.ContentBlock,
  size: number,
): [Anthropic.ContentBlock, Anthropic.RawContentBlockDelta[]] {
  if (block.type === "text") {
    const deltas = splitIntoDeltas(block.text, size).map((text) => ({ type: "text_delta" as const, text }));
    return [{ ...block, text: "" }, deltas];
  }
  if (block.type === "thinking") {
    const deltas: Anthropic.RawContentBlockDelta[] = splitIntoDeltas(block.thinking, size).map(
      (thinking) => ({
        type: "thinking_delta" as const,
        thinking,
      }),
    );
    deltas.push({ type: "signature_delta", signature: block.signature });
    return [{ ...block, thinking: "", signature: "" }, deltas];
  }
  if (block.type === "tool_use") {
    const json = JSON.stringify(block.input ?? {});
    const deltas = splitIntoDeltas(json, size).map((partial_json) => ({
      type: "input_json_delta" as const,
      partial_json,
    }));
    return [{ ...block, input: {} }, deltas];
  }
  return [block, []];
}

function streamEvents(message: MessageReply, usage: ServerUsage, context: RenderContext): SseEvent[] {
  const complete = renderMessage(message, usage, context);
  const events: Anthropic.RawMessageStreamEvent[] = [];
  const startUsage = { ...complete.usage, output_tokens: Math.min(1, complete.usage.output_tokens) };
  events.push({
    type: "message_start",
    message: { ...complete, content: [], stop_reason: null, usage: startUsage },
  });
  const sse: SseEvent[] = [];
  complete.content.forEach((block, index) => {
    const [start, deltas] = blockEvents(block, context.deltaCharacters);
    events.push({ type: "content_block_start", index, content_block: start });
    for (const delta of deltas) events.push({ type: "content_block_delta", index, delta });
    events.push({ type: "content_block_stop", index });
  });
  events.push({
    type: "message_delta",
    delta: { stop_reason: complete.stop_reason, stop_sequence: null, stop_details: null, container: null },
    usage: {
      input_tokens: complete.usage.input_tokens,
      cache_creation_input_tokens: complete.usage.cache_creation_input_tokens,
      cache_read_input_tokens: complete.usage.cache_read_input_tokens,
      output_tokens: complete.usage.output_tokens,
      output_tokens_details: complete.usage.output_tokens_details,
      server_tool_use: null,
      ...iterationsOf(message, complete.usage),
    },
  });
  events.push({ type: "message_stop" });
  for (const event of events) {
    sse.push({ event: event.type, data: JSON.stringify(event) });
    // The real API sends one ping right after the first content block starts.
    if (event.type === "content_block_start" && event.index === 0) {
      sse.push({ event: "ping", data: JSON.stringify({ type: "ping" }) });
    }
  }
  return sse;
}

function lastUserText(body: JsonObject): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.filter((message) => isObject(message) && message.role === "user").at(-1);
  return isObject(last) ? textOf(last.content) : "";
}

/** The Anthropic Messages handler. */
export const anthropicHandler: ProviderHandler = {
  provider: "anthropic",
  cacheFamily: "anthropic",
  requestIdHeader: "request-id",
  firstEventName: "message_start",
  validate: validateAnthropicRequest,
  errorBody: (status, message, _param, _code, requestId) => anthropicErrorBody(status, message, requestId),
  lastUserText,
  render: renderMessage,
  events: streamEvents,
};
