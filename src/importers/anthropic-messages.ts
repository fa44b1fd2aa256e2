/**
 * Anthropic Messages JSON: `{model?, system?, tools?, messages: [...]}` (a request, or a whole conversation),
 * or a bare array of messages in Anthropic shape. Calls are derived from the assistant messages; an assistant
 * message that is a stored response (with `usage`, `id`, `model`) gives its call usage and model.
 *
 * @module
 */
import type { Transcript } from "../transcript/types.js";
import { usageFromAnthropic } from "../usage/normalize.js";
import { anthropicMessage, anthropicSystem, anthropicTools } from "./internal/anthropic-blocks.js";
import {
  atSource,
  isObject,
  type JsonObject,
  readArray,
  readObject,
  readOptionalString,
  type Source,
} from "./internal/reader.js";
import {
  callsFromAssistantMessages,
  fileId,
  fillToolResultNames,
  mainModel,
} from "./internal/transcript-parts.js";

const anthropicOnlyBlocks = new Set([
  "tool_use",
  "tool_result",
  "thinking",
  "redacted_thinking",
  "document",
  "server_tool_use",
]);
const openAIOnlyParts = new Set(["image_url", "input_audio", "file", "refusal"]);
const anthropicUsageFields = ["input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"];
const openAIUsageFields = ["prompt_tokens", "completion_tokens"];

/** Which chat dialect a message list is written in, judged by roles, block types and stored usage fields. */
export function chatDialect(messages: unknown[]): "anthropic" | "openai" | "unknown" {
  for (const message of messages) {
    if (!isObject(message)) continue;
    if (message.role === "system" || message.role === "developer" || message.role === "tool") return "openai";
    if (message.tool_calls !== undefined || message.tool_call_id !== undefined) return "openai";
    const usage = message.usage;
    if (isObject(usage)) {
      if (anthropicUsageFields.some((field) => field in usage)) return "anthropic";
      if (openAIUsageFields.some((field) => field in usage)) return "openai";
    }
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (!isObject(block) || typeof block.type !== "string") continue;
      if (anthropicOnlyBlocks.has(block.type)) return "anthropic";
      if (block.type === "image" && isObject(block.source)) return "anthropic";
      if (openAIOnlyParts.has(block.type)) return "openai";
    }
  }
  return "unknown";
}

/**
 * True for a parsed Anthropic Messages document (Anthropic-only blocks or usage fields, a top-level `system` or
 * Anthropic tools decide).
 */
export function isAnthropicMessagesDocument(document: unknown): boolean {
  if (Array.isArray(document)) return chatDialect(document) === "anthropic";
  if (!isObject(document) || !Array.isArray(document.messages)) return false;
  const dialect = chatDialect(document.messages);
  if (dialect !== "unknown") return dialect === "anthropic";
  const tools = document.tools;
  const anthropicTools =
    Array.isArray(tools) && tools.some((tool) => isObject(tool) && "input_schema" in tool);
  return "system" in document || anthropicTools;
}

/** Reads a parsed Anthropic Messages document into one transcript. */
export function importAnthropicMessages(file: string, document: unknown): Transcript[] {
  const source: Source = { file };
  const root: JsonObject = Array.isArray(document)
    ? { messages: document }
    : readObject(document, source, "$");
  const base = Array.isArray(document) ? "$" : "$.messages";
  const list = readArray(root.messages, source, base);
  const messages = list.map((item, index) => anthropicMessage(item, source, `${base}[${index}]`));
  fillToolResultNames(messages);
  const model = readOptionalString(root.model, source, "$.model");
  const calls = callsFromAssistantMessages(messages, (_message, index) => {
    const raw = list[index] as JsonObject;
    const path = `${base}[${index}]`;
    const usage =
      raw.usage === undefined
        ? undefined
        : atSource(source, () => usageFromAnthropic(raw.usage, `${path}.usage`));
    return {
      usage,
      model: readOptionalString(raw.model, source, `${path}.model`) ?? model,
      responseId: readOptionalString(raw.id, source, `${path}.id`),
    };
  });
  const transcript: Transcript = {
    file,
    id: fileId(file),
    format: "anthropic-messages",
    provider: "anthropic",
    messages,
    calls,
  };
  const sessionModel = mainModel(calls, model);
  if (sessionModel !== undefined) transcript.model = sessionModel;
  const system = anthropicSystem(root.system, source, "$.system");
  if (system !== undefined) transcript.system = system;
  const tools = anthropicTools(root.tools, source, "$.tools");
  if (tools !== undefined) transcript.tools = tools;
  return [transcript];
}
