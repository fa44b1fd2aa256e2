/**
 * What the session runtime needs to know of each wire format: where the history is in a request, how to
 * put a rewritten one back, and where usage is in a response or a stream.
 *
 * @module
 */
import { usageFromAnthropic, usageFromOpenAIChat, usageFromOpenAIResponses } from "../usage/index.js";
import type { ProviderFormat, Usage } from "../transcript/types.js";

type Params = Record<string, unknown>;

/** Per-format accessors. */
export interface FormatBinding {
  format: ProviderFormat;
  /** The history list of the request (raw provider messages or items), or undefined when it is not a list. */
  messages(params: Params): unknown[] | undefined;
  /** A shallow copy of `params` with the history replaced. */
  withMessages(params: Params, messages: unknown[]): Params;
  /** The parts no strategy touches (system prompt, instructions, tools), for token counting. */
  fixedParts(params: Params): unknown[];
  /** Why this request must be sent as it is (provider-side context management, server-held history). */
  notCompactable(params: Params): string | undefined;
  /** Usage of a parsed (non-stream) response. */
  responseUsage(response: unknown): Usage | undefined;
  /** Usage accumulated over a stream's events; undefined when the stream did not report it. */
  streamUsage(events: readonly unknown[]): Usage | undefined;
  /** Model the response says it used. */
  responseModel(response: unknown): string | undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

/**
 * True when an Anthropic `context_management` value edits nothing: every edit is `clear_thinking_*` with
 * `keep: "all"` (Claude Code sends exactly this on every request). Such a request is compacted like any other;
 * any other edit (clearing tool uses or thinking, server-side compaction) leaves the request to the provider.
 */
function isNoOpContextManagement(value: unknown): boolean {
  const edits = record(value)?.edits;
  if (!Array.isArray(edits)) return false;
  return edits.every((edit) => {
    const item = record(edit);
    return typeof item?.type === "string" && item.type.startsWith("clear_thinking_") && item.keep === "all";
  });
}

const anthropic: FormatBinding = {
  format: "anthropic",
  messages: (params) => (Array.isArray(params.messages) ? params.messages : undefined),
  withMessages: (params, messages) => ({ ...params, messages }),
  fixedParts: (params) => [params.system, params.tools].filter((part) => part !== undefined),
  notCompactable: (params) => {
    if (params.context_management !== undefined && !isNoOpContextManagement(params.context_management))
      return "the request uses Anthropic context_management";
    if (params.compaction !== undefined && params.compaction !== null)
      return "the request uses Anthropic server-side compaction (compaction)";
    if (params.thread !== undefined && params.thread !== null)
      return "the request is on a server-held Anthropic thread (thread)";
    return undefined;
  },
  responseUsage: (response) => {
    const usage = record(response)?.usage;
    return usage === undefined ? undefined : usageFromAnthropic(usage);
  },
  streamUsage: (events) => {
    let start: Record<string, unknown> | undefined;
    let delta: Record<string, unknown> | undefined;
    for (const event of events) {
      const item = record(event);
      if (item?.type === "message_start") start = record(record(item.message)?.usage);
      else if (item?.type === "message_delta") delta = { ...delta, ...record(item.usage) };
    }
    if (!start && !delta) return undefined;
    // message_delta carries cumulative counts; where it repeats a field, it is the final value.
    const merged: Record<string, unknown> = { ...start };
    for (const [key, value] of Object.entries(delta ?? {}))
      if (value !== null && value !== undefined) merged[key] = value;
    return usageFromAnthropic(merged);
  },
  responseModel: (response) => {
    const model = record(response)?.model;
    return typeof model === "string" ? model : undefined;
  },
};

const openAIChat: FormatBinding = {
  format: "openai-chat",
  messages: (params) => (Array.isArray(params.messages) ? params.messages : undefined),
  withMessages: (params, messages) => ({ ...params, messages }),
  fixedParts: (params) => [params.tools, params.functions].filter((part) => part !== undefined),
  notCompactable: () => undefined,
  responseUsage: (response) => {
    const usage = record(response)?.usage;
    return usage === undefined || usage === null ? undefined : usageFromOpenAIChat(usage);
  },
  streamUsage: (events) => {
    for (let index = events.length - 1; index >= 0; index--) {
      const usage = record(events[index])?.usage;
      if (usage !== undefined && usage !== null) return usageFromOpenAIChat(usage);
    }
    return undefined;
  },
  responseModel: (response) => {
    const model = record(response)?.model;
    return typeof model === "string" ? model : undefined;
  },
};

const openAIResponses: FormatBinding = {
  format: "openai-responses",
  messages: (params) => (Array.isArray(params.input) ? params.input : undefined),
  withMessages: (params, messages) => ({ ...params, input: messages }),
  fixedParts: (params) => [params.instructions, params.tools].filter((part) => part !== undefined),
  notCompactable: (params) => {
    if (params.previous_response_id !== undefined && params.previous_response_id !== null) {
      return "the request continues a server-held conversation (previous_response_id)";
    }
    if (params.conversation !== undefined && params.conversation !== null)
      return "the request uses a server-held conversation";
    if (params.context_management !== undefined) return "the request uses OpenAI server-side compaction";
    return undefined;
  },
  responseUsage: (response) => {
    const usage = record(response)?.usage;
    return usage === undefined || usage === null ? undefined : usageFromOpenAIResponses(usage);
  },
  streamUsage: (events) => {
    for (let index = events.length - 1; index >= 0; index--) {
      const event = record(events[index]);
      const usage = record(event?.response)?.usage;
      if (usage !== undefined && usage !== null) return usageFromOpenAIResponses(usage);
    }
    return undefined;
  },
  responseModel: (response) => {
    const model = record(response)?.model;
    return typeof model === "string" ? model : undefined;
  },
};

/** The binding of a wire format. */
export function bindingFor(format: ProviderFormat): FormatBinding {
  switch (format) {
    case "anthropic":
      return anthropic;
    case "openai-chat":
      return openAIChat;
    case "openai-responses":
      return openAIResponses;
  }
}

/** An Anthropic reply's content blocks, rebuilt from its stream events (text, thinking, tool input). */
export function anthropicContentFromEvents(events: readonly unknown[]): unknown[] {
  const blocks: Record<string, unknown>[] = [];
  const json: string[] = [];
  for (const event of events) {
    const item = record(event);
    const index = typeof item?.index === "number" ? item.index : -1;
    if (item?.type === "content_block_start") {
      blocks[index] = { ...record(item.content_block) };
      json[index] = "";
    } else if (item?.type === "content_block_delta" && blocks[index]) {
      const block = blocks[index] as Record<string, unknown>;
      const delta = record(item.delta);
      if (delta?.type === "text_delta") block.text = `${block.text ?? ""}${String(delta.text ?? "")}`;
      else if (delta?.type === "thinking_delta")
        block.thinking = `${block.thinking ?? ""}${String(delta.thinking ?? "")}`;
      else if (delta?.type === "signature_delta") block.signature = delta.signature;
      else if (delta?.type === "input_json_delta") json[index] = `${json[index] ?? ""}${String(delta.partial_json ?? "")}`;
    } else if (item?.type === "content_block_stop" && blocks[index]) {
      const text = json[index];
      if (text) {
        try {
          (blocks[index] as Record<string, unknown>).input = JSON.parse(text);
        } catch {
          // An incomplete tool input stays as it started.
        }
      }
    }
  }
  return blocks.filter((block) => block !== undefined);
}

/** The response object of a finished stream, rebuilt from its events where the format carries one whole. */
export function streamResponse(format: ProviderFormat, events: readonly unknown[]): unknown {
  if (format === "openai-responses") {
    for (let index = events.length - 1; index >= 0; index--) {
      const event = record(events[index]);
      if (event?.type === "response.completed" || event?.type === "response.incomplete")
        return event.response;
    }
  }
  if (format === "anthropic") {
    const start = record(events.map(record).find((event) => event?.type === "message_start")?.message);
    return start ? { ...start, content: anthropicContentFromEvents(events) } : undefined;
  }
  const first = record(events[0]);
  return first ? { model: first.model } : undefined;
}
