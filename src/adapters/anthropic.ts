/**
 * Anthropic Messages requests ⇄ neutral {@link Conversation}. Lossless: `toAnthropicRequest(fromAnthropicRequest(x))`
 * deep-equals `x` for every valid request, including string-vs-array content, `null` fields and unknown keys.
 *
 * @module
 */
import type { Message as AnthropicResponse, MessageCreateParams } from "@anthropic-ai/sdk/resources/messages";
import { ProviderFormatError } from "../errors.js";
import type { Block, Conversation, Message, ToolDefinition } from "../transcript/types.js";
import { readAnthropicBlock, writeAnthropicBlock } from "./anthropic-blocks.js";
import { nameToolResults, plainString, textBlock } from "./internal/content.js";
import {
  cacheControlField,
  compose,
  expectArray,
  expectObject,
  expectString,
  extraOf,
  fieldsOf,
  take,
  takeCacheControl,
  takeOptionalString,
} from "./internal/fields.js";

const roles = new Set(["user", "assistant", "system"]);

/**
 * Converts an Anthropic `messages.create` body to a neutral conversation.
 *
 * @throws {@link ProviderFormatError} naming the JSON path (`messages[3].content[0].type`) of the first
 * malformed field.
 */
export function fromAnthropicRequest(params: MessageCreateParams): Conversation {
  const fields = fieldsOf(expectObject(params, "request", "a request object"));
  const conversation: Conversation = { format: "anthropic", messages: [] };
  const model = takeOptionalString(fields, "model");
  if (model !== undefined) conversation.model = model;

  const system = take(fields, "system");
  if (typeof system === "string") {
    conversation.system = [textBlock(system)];
    conversation.wire = { system: "string" };
  } else if (system !== undefined) {
    conversation.system = expectArray(system, "system", "a string or an array of text blocks").map(
      (block, index) => readAnthropicBlock(block, `system[${index}]`),
    );
  }

  const messages = expectArray(take(fields, "messages"), "messages", "an array of messages");
  conversation.messages = messages.map((message, index) => readMessage(message, `messages[${index}]`));
  nameToolResults(conversation.messages);

  if (Array.isArray(fields.tools)) {
    const tools = take(fields, "tools") as unknown[];
    conversation.tools = tools.map((tool, index) => readTool(tool, `tools[${index}]`));
  }
  const extra = extraOf(fields);
  if (extra) conversation.extra = extra;
  return conversation;
}

function readMessage(value: unknown, path: string): Message {
  const fields = fieldsOf(expectObject(value, path, "a message object"));
  const role = take(fields, "role");
  if (typeof role !== "string" || !roles.has(role)) {
    throw new ProviderFormatError(`${path}.role`, '"user", "assistant" or "system"', role);
  }
  const content = take(fields, "content");
  const message: Message = { role: role as Message["role"], content: [] };
  if (typeof content === "string") {
    message.content = [textBlock(content)];
    message.wire = { content: "string" };
  } else {
    message.content = expectArray(content, `${path}.content`, "a string or an array of content blocks").map(
      (block, index) => readAnthropicBlock(block, `${path}.content[${index}]`),
    );
  }
  const extra = extraOf(fields);
  if (extra) message.extra = extra;
  return message;
}

function readTool(value: unknown, path: string): ToolDefinition {
  const fields = fieldsOf(expectObject(value, path, "a tool object"));
  const tool: ToolDefinition = { name: expectString(take(fields, "name"), `${path}.name`) };
  const description = takeOptionalString(fields, "description");
  if (description !== undefined) tool.description = description;
  if ("input_schema" in fields) tool.parameters = take(fields, "input_schema");
  const cacheControl = takeCacheControl(fields);
  if (cacheControl) tool.cacheControl = cacheControl;
  const extra = extraOf(fields);
  if (extra) tool.extra = extra;
  return tool;
}

/**
 * Converts an Anthropic response to the neutral assistant message it adds to the history. Only the content
 * is kept; id, usage and stop reason belong to the call, not to the history.
 */
export function fromAnthropicResponse(message: AnthropicResponse): Message {
  const object = expectObject(message, "response", "a message object");
  const content = expectArray(object.content, "response.content", "an array of content blocks");
  return {
    role: "assistant",
    content: content.map((block, index) => readAnthropicBlock(block, `response.content[${index}]`)),
  };
}

/**
 * Converts a neutral conversation back to an Anthropic `messages.create` body.
 *
 * @throws {@link ProviderFormatError} when a message cannot be spelled in this format (a `tool` role, an
 * opaque block from another provider).
 */
export function toAnthropicRequest(conversation: Conversation): MessageCreateParams {
  let system: unknown;
  if (conversation.system !== undefined) {
    system =
      conversation.wire?.system === "string"
        ? plainString(conversation.system, { content: "string" })
        : undefined;
    system ??= conversation.system.map((block, index) => writeAnthropicBlock(block, `system[${index}]`));
  }
  const request = compose(conversation.extra, {
    model: conversation.model,
    system,
    messages: conversation.messages.map((message, index) => writeMessage(message, `messages[${index}]`)),
    tools: conversation.tools?.map((tool) =>
      compose(tool.extra, {
        name: tool.name,
        description: tool.description,
        input_schema: tool.parameters,
        cache_control: cacheControlField(tool.cacheControl),
      }),
    ),
  });
  return request as unknown as MessageCreateParams;
}

function writeMessage(message: Message, path: string): unknown {
  if (!roles.has(message.role)) {
    throw new ProviderFormatError(
      `${path}.role`,
      '"user", "assistant" or "system" in an Anthropic request',
      message.role,
    );
  }
  const text = plainString(message.content, message.wire);
  const content =
    text ??
    message.content.map((block: Block, index) => writeAnthropicBlock(block, `${path}.content[${index}]`));
  return compose(message.extra, { role: message.role, content });
}
