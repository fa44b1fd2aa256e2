/**
 * OpenAI Responses requests ⇄ neutral {@link Conversation}. `instructions` becomes the neutral `system`;
 * `input` (a string or an item list) becomes the messages, one per item (see `openai-responses-items.ts`).
 * Lossless for every valid request.
 *
 * @module
 */
import type {
  ResponseCreateParams,
  ResponseInputItem,
  ResponseOutputItem,
} from "openai/resources/responses/responses";
import { ProviderFormatError } from "../errors.js";
import type { Conversation, Message, ToolDefinition } from "../transcript/types.js";
import { nameToolResults, textBlock } from "./internal/content.js";
import {
  compose,
  expectArray,
  expectObject,
  expectString,
  extraOf,
  fieldsOf,
  take,
  takeOptionalString,
  without,
} from "./internal/fields.js";
import { readResponsesItem, writeResponsesItems } from "./openai-responses-items.js";

/**
 * Converts an OpenAI `responses.create` body to a neutral conversation.
 *
 * @throws {@link ProviderFormatError} naming the JSON path (`input[3].content[0].type`) of the first
 * malformed field.
 */
export function fromOpenAIResponsesRequest(params: ResponseCreateParams): Conversation {
  const fields = fieldsOf(expectObject(params, "request", "a request object"));
  const conversation: Conversation = { format: "openai-responses", messages: [] };
  const model = takeOptionalString(fields, "model");
  if (model !== undefined) conversation.model = model;
  const instructions = takeOptionalString(fields, "instructions");
  if (instructions !== undefined) conversation.system = [textBlock(instructions)];

  const input = take(fields, "input");
  if (input === undefined) {
    conversation.wire = { input: "absent" };
  } else if (typeof input === "string") {
    conversation.messages = [{ role: "user", content: [textBlock(input)] }];
    conversation.wire = { input: "string" };
  } else {
    const items = expectArray(input, "input", "a string or an array of input items");
    conversation.messages = items.map((item, index) => readResponsesItem(item, `input[${index}]`));
    nameToolResults(conversation.messages);
  }

  if (Array.isArray(fields.tools)) {
    const tools = take(fields, "tools") as unknown[];
    conversation.tools = tools.map((tool, index) => readTool(tool, `tools[${index}]`));
  }
  const extra = extraOf(fields);
  if (extra) conversation.extra = extra;
  return conversation;
}

/** Converts a response's `output` items to the neutral messages they add to the history (one per item). */
export function fromOpenAIResponsesOutput(
  output: readonly (ResponseOutputItem | ResponseInputItem)[],
): Message[] {
  const items = expectArray(output, "output", "an array of output items");
  const messages = items.map((item, index) => readResponsesItem(item, `output[${index}]`));
  nameToolResults(messages);
  return messages;
}

function readTool(value: unknown, path: string): ToolDefinition {
  const object = expectObject(value, path, "a tool object");
  if (object.type !== "function") {
    const name = typeof object.name === "string" ? object.name : expectString(object.type, `${path}.type`);
    return { name, extra: { ...object } };
  }
  const fields = fieldsOf(object);
  take(fields, "type");
  const tool: ToolDefinition = { name: expectString(take(fields, "name"), `${path}.name`) };
  const description = takeOptionalString(fields, "description");
  if (description !== undefined) tool.description = description;
  if ("parameters" in fields) tool.parameters = take(fields, "parameters");
  const extra = extraOf(fields);
  if (extra) tool.extra = extra;
  return tool;
}

/**
 * Converts a neutral conversation back to an OpenAI `responses.create` body. The system prompt is written as
 * `instructions` (text blocks joined by a blank line).
 *
 * @throws {@link ProviderFormatError} for blocks this format cannot carry (an opaque block from another
 * provider, non-text instructions).
 */
export function toOpenAIResponsesRequest(conversation: Conversation): ResponseCreateParams {
  const request = compose(conversation.extra, {
    model: conversation.model,
    instructions: conversation.system === undefined ? undefined : instructionsText(conversation),
    input: writeInput(conversation),
    tools: conversation.tools?.map((tool) =>
      tool.extra?.type !== undefined
        ? { ...tool.extra }
        : compose(without(tool.extra), {
            type: "function",
            name: tool.name,
            description: tool.description,
            parameters: tool.parameters,
          }),
    ),
  });
  return request as unknown as ResponseCreateParams;
}

function instructionsText(conversation: Conversation): string {
  return (conversation.system ?? [])
    .map((block, index) => {
      if (block.type === "text" || block.type === "summary") return block.text;
      throw new ProviderFormatError(`system[${index}].type`, "text in Responses instructions", block.type);
    })
    .join("\n\n");
}

function writeInput(conversation: Conversation): unknown {
  const { messages, wire } = conversation;
  if (wire?.input === "absent" && messages.length === 0) return undefined;
  const only = messages.length === 1 ? messages[0] : undefined;
  const block = only?.content.length === 1 ? only.content[0] : undefined;
  if (
    wire?.input === "string" &&
    only?.role === "user" &&
    only.extra === undefined &&
    only.wire === undefined &&
    block?.type === "text" &&
    block.extra === undefined
  ) {
    return block.text;
  }
  return messages.flatMap((message, index) => writeResponsesItems(message, `messages[${index}]`));
}
