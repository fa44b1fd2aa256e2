/**
 * The OpenAI Responses route (`POST /v1/responses`): a reply rendered as a `response` object, or as the event
 * sequence response.created → response.in_progress → per output item (output_item.added, content/summary
 * parts, output_text / function_call_arguments / reasoning_summary_text deltas and dones, output_item.done) →
 * response.completed with usage. Thinking parts become `reasoning` items whose summary is the thinking text and
 * whose `encrypted_content` is the signature.
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
import { addServerUsage } from "./native-compaction.js";
import { validateResponsesRequest } from "./openai-responses-validation.js";
import { openaiErrorBody } from "./provider-errors.js";
import type { ServerUsage } from "./recorded-request.js";
import type { MessageReply } from "./reply.js";
import { toResponsesUsage } from "./usage.js";

type Item = OpenAI.Responses.ResponseOutputItem;
type Unsequenced<T> = T extends unknown ? Omit<T, "sequence_number"> : never;
type StreamEvent = Unsequenced<OpenAI.Responses.ResponseStreamEvent>;

function outputOf(message: MessageReply, callNumber: number): Item[] {
  const prefix = padded(callNumber);
  return message.parts.map((part, index): Item => {
    if (part.type === "text") {
      const content = [{ type: "output_text" as const, text: part.text, annotations: [], logprobs: [] }];
      return {
        id: `msg_test_${prefix}_${index}`,
        type: "message",
        role: "assistant",
        status: "completed",
        content,
      };
    }
    if (part.type === "thinking") {
      const summary = [{ type: "summary_text" as const, text: part.text }];
      return {
        id: `rs_test_${prefix}_${index}`,
        type: "reasoning",
        summary,
        encrypted_content: part.signature,
      };
    }
    return {
      id: `fc_test_${prefix}_${index}`,
      type: "function_call",
      status: "completed",
      call_id: part.id ?? `call_test_${prefix}_${index}`,
      name: part.name,
      arguments: JSON.stringify(part.input ?? {}),
    };
  });
}

function renderResponse(
  output: Item[],
  usage: ServerUsage | undefined,
  context: RenderContext,
): Omit<OpenAI.Responses.Response, "output_text"> {
  const body = context.body;
  return {
    id: `resp_test_${padded(context.callNumber)}`,
    object: "response",
    created_at: context.createdSeconds,
    status: usage === undefined ? "in_progress" : "completed",
    error: null,
    incomplete_details: null,
    instructions: (body.instructions ?? null) as OpenAI.Responses.Response["instructions"],
    max_output_tokens: typeof body.max_output_tokens === "number" ? body.max_output_tokens : null,
    model: String(body.model),
    output,
    parallel_tool_calls: body.parallel_tool_calls !== false,
    previous_response_id: typeof body.previous_response_id === "string" ? body.previous_response_id : null,
    metadata: isObject(body.metadata) ? (body.metadata as Record<string, string>) : {},
    temperature: typeof body.temperature === "number" ? body.temperature : 1,
    top_p: typeof body.top_p === "number" ? body.top_p : 1,
    tool_choice: (body.tool_choice ?? "auto") as OpenAI.Responses.Response["tool_choice"],
    tools: (Array.isArray(body.tools) ? body.tools : []) as OpenAI.Responses.Tool[],
    ...(usage === undefined ? {} : { usage: toResponsesUsage(usage) }),
  };
}

function itemEvents(item: Item, outputIndex: number, size: number): StreamEvent[] {
  const at = { item_id: item.id ?? "", output_index: outputIndex };
  if (item.type === "message") {
    const first = item.content[0];
    const text = first?.type === "output_text" ? first.text : "";
    const part = { type: "output_text" as const, text, annotations: [], logprobs: [] };
    return [
      {
        type: "response.output_item.added",
        output_index: outputIndex,
        item: { ...item, status: "in_progress", content: [] },
      },
      { type: "response.content_part.added", ...at, content_index: 0, part: { ...part, text: "" } },
      ...splitIntoDeltas(text, size).map(
        (delta): StreamEvent => ({
          type: "response.output_text.delta",
          ...at,
          content_index: 0,
          delta,
          logprobs: [],
        }),
      ),
      { type: "response.output_text.done", ...at, content_index: 0, text, logprobs: [] },
      { type: "response.content_part.done", ...at, content_index: 0, part },
      { type: "response.output_item.done", output_index: outputIndex, item },
    ];
  }
  if (item.type === "reasoning") {
    const text = item.summary[0]?.text ?? "";
    return [
      { type: "response.output_item.added", output_index: outputIndex, item: { ...item, summary: [] } },
      {
        type: "response.reasoning_summary_part.added",
        ...at,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      },
      ...splitIntoDeltas(text, size).map(
        (delta): StreamEvent => ({
          type: "response.reasoning_summary_text.delta",
          ...at,
          summary_index: 0,
          delta,
        }),
      ),
      { type: "response.reasoning_summary_text.done", ...at, summary_index: 0, text },
      {
        type: "response.reasoning_summary_part.done",
        ...at,
        summary_index: 0,
        part: { type: "summary_text", text },
      },
      { type: "response.output_item.done", output_index: outputIndex, item },
    ];
  }
  if ((item as { type: string }).type === "compaction") {
    return [
      { type: "response.output_item.added", output_index: outputIndex, item },
      { type: "response.output_item.done", output_index: outputIndex, item },
    ] as unknown as StreamEvent[];
  }
  if (item.type === "function_call") {
    return [
      {
        type: "response.output_item.added",
        output_index: outputIndex,
        item: { ...item, status: "in_progress", arguments: "" },
      },
      ...splitIntoDeltas(item.arguments, size).map(
        (delta): StreamEvent => ({ type: "response.function_call_arguments.delta", ...at, delta }),
      ),
      { type: "response.function_call_arguments.done", ...at, name: item.name, arguments: item.arguments },
      { type: "response.output_item.done", output_index: outputIndex, item },
    ];
  }
  return [];
}

/** The reply's output items, after a server-side compaction's item when there was one. */
function outputWith(message: MessageReply, context: RenderContext): Item[] {
  const output = outputOf(message, context.callNumber);
  return context.compaction ? [context.compaction.item as unknown as Item, ...output] : output;
}

/** The call's usage plus a server-side compaction's (its pass is billed with the call). */
function usageWith(usage: ServerUsage, context: RenderContext): ServerUsage {
  const extra = context.compaction?.usage;
  if (extra === undefined) return usage;
  return addServerUsage(usage, extra);
}

function streamEvents(message: MessageReply, callUsage: ServerUsage, context: RenderContext): SseEvent[] {
  const output = outputWith(message, context);
  const usage = usageWith(callUsage, context);
  const started = renderResponse([], undefined, context) as OpenAI.Responses.Response;
  const events: StreamEvent[] = [
    { type: "response.created", response: started },
    { type: "response.in_progress", response: started },
    ...output.flatMap((item, index) => itemEvents(item, index, context.deltaCharacters)),
    {
      type: "response.completed",
      response: renderResponse(output, usage, context) as OpenAI.Responses.Response,
    },
  ];
  return events.map((event, sequence) => ({
    event: event.type,
    data: JSON.stringify({ ...event, sequence_number: sequence }),
  }));
}

function lastUserText(body: JsonObject): string {
  if (typeof body.input === "string") return body.input;
  const items = Array.isArray(body.input) ? body.input : [];
  const last = items.filter((item) => isObject(item) && item.role === "user").at(-1);
  return isObject(last) ? textOf(last.content) : "";
}

/** The OpenAI Responses handler. */
export const openaiResponsesHandler: ProviderHandler = {
  provider: "openai-responses",
  cacheFamily: "openai",
  requestIdHeader: "x-request-id",
  firstEventName: "response.created",
  validate: validateResponsesRequest,
  errorBody: (status, message, param, code) => openaiErrorBody(status, message, param, code),
  lastUserText,
  render: (message, usage, context) => renderResponse(outputWith(message, context), usageWith(usage, context), context),
  events: streamEvents,
};
