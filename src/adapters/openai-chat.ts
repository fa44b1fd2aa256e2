/**
 * OpenAI Chat Completions requests ⇄ neutral {@link Conversation}. System and developer messages stay in
 * `messages` (role `system`, `wire.role` remembers `developer`); each `tool` message becomes a neutral `tool`
 * message holding one {@link ToolResultBlock}; the legacy `function` role becomes a `tool` message with
 * `wire.role: "function"` and plain text content. Lossless for every valid request.
 *
 * @module
 */
import type {
  ChatCompletionCreateParams,
  ChatCompletionMessage,
} from "openai/resources/chat/completions/completions";
import { ProviderFormatError } from "../errors.js";
import type {
  Block,
  Conversation,
  Message,
  ToolDefinition,
  ToolResultBlock,
  WireForm,
} from "../transcript/types.js";
import { nameToolResults, plainString, textBlock, wireForm } from "./internal/content.js";
import {
  compose,
  expectArray,
  expectObject,
  expectString,
  extraOf,
  type Fields,
  fieldsOf,
  nested,
  take,
  takeOptionalString,
  takeString,
  without,
} from "./internal/fields.js";
import { readChatPart, readChatToolCall, writeChatPart, writeChatToolCall } from "./openai-chat-parts.js";

/**
 * Converts an OpenAI `chat.completions.create` body to a neutral conversation.
 *
 * @throws {@link ProviderFormatError} naming the JSON path of the first malformed field.
 */
export function fromOpenAIChatRequest(params: ChatCompletionCreateParams): Conversation {
  const fields = fieldsOf(expectObject(params, "request", "a request object"));
  const conversation: Conversation = { format: "openai-chat", messages: [] };
  const model = takeOptionalString(fields, "model");
  if (model !== undefined) conversation.model = model;
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

/** Converts a response's `choices[i].message` to the neutral assistant message it adds to the history. */
export function fromOpenAIChatResponse(message: ChatCompletionMessage): Message {
  const object = expectObject(message, "message", "a chat completion message object");
  if (object.role !== "assistant") throw new ProviderFormatError("message.role", '"assistant"', object.role);
  return readMessage(object, "message");
}

function readContent(fields: Fields, path: string): { content: Block[]; form: WireForm["content"] } {
  if (!("content" in fields)) return { content: [], form: "absent" };
  const content = take(fields, "content");
  if (content === null) return { content: [], form: "null" };
  if (typeof content === "string") return { content: [textBlock(content)], form: "string" };
  const parts = expectArray(content, `${path}.content`, "a string or an array of content parts");
  return {
    content: parts.map((part, index) => readChatPart(part, `${path}.content[${index}]`)),
    form: undefined,
  };
}

function readMessage(value: unknown, path: string): Message {
  const fields = fieldsOf(expectObject(value, path, "a message object"));
  const role = take(fields, "role");
  let message: Message;
  if (role === "system" || role === "developer" || role === "user") {
    const { content, form } = readContent(fields, path);
    if (form === "null" || form === "absent") {
      throw new ProviderFormatError(`${path}.content`, "a string or an array of content parts", null);
    }
    message = { role: role === "user" ? "user" : "system", content };
    const wire = wireForm(form, role === "developer" ? "developer" : undefined);
    if (wire) message.wire = wire;
  } else if (role === "assistant") {
    // An empty list has no blocks to carry it; it stays in `extra` and is written back as it was.
    const emptyList = Array.isArray(fields.content) && fields.content.length === 0;
    const { content, form } = emptyList ? { content: [], form: undefined } : readContent(fields, path);
    if (Array.isArray(fields.tool_calls) && fields.tool_calls.length > 0) {
      const calls = take(fields, "tool_calls") as unknown[];
      content.push(...calls.map((call, index) => readChatToolCall(call, `${path}.tool_calls[${index}]`)));
    }
    message = { role: "assistant", content };
    const wire = wireForm(form);
    if (wire) message.wire = wire;
  } else if (role === "tool") {
    const callId = takeString(fields, "tool_call_id", path);
    const { content, form } = readContent(fields, path);
    if (form === "null" || form === "absent") {
      throw new ProviderFormatError(`${path}.content`, "a string or an array of text parts", null);
    }
    const result: ToolResultBlock = {
      type: "tool_result",
      callId,
      content: content as ToolResultBlock["content"],
    };
    const wire = wireForm(form);
    if (wire) result.wire = wire;
    message = { role: "tool", content: [result] };
  } else if (role === "function") {
    expectString(fields.name, `${path}.name`);
    const { content, form } = readContent(fields, path);
    message = { role: "tool", content, wire: { ...wireForm(form), role: "function" } };
  } else {
    throw new ProviderFormatError(
      `${path}.role`,
      '"system", "developer", "user", "assistant", "tool" or "function"',
      role,
    );
  }
  const extra = extraOf(fields);
  if (extra) message.extra = extra;
  return message;
}

function readTool(value: unknown, path: string): ToolDefinition {
  const object = expectObject(value, path, "a tool object");
  if (object.type !== "function") {
    const custom = nested(object, "custom");
    const name = typeof custom.name === "string" ? custom.name : expectString(object.type, `${path}.type`);
    return { name, extra: { ...object } };
  }
  const fields = fieldsOf(object);
  take(fields, "type");
  const functionFields = fieldsOf(expectObject(take(fields, "function"), `${path}.function`, "an object"));
  const tool: ToolDefinition = { name: takeString(functionFields, "name", `${path}.function`) };
  const description = takeOptionalString(functionFields, "description");
  if (description !== undefined) tool.description = description;
  if ("parameters" in functionFields) tool.parameters = take(functionFields, "parameters");
  if (Object.keys(functionFields).length > 0) fields.function = functionFields;
  const extra = extraOf(fields);
  if (extra) tool.extra = extra;
  return tool;
}

/**
 * Converts a neutral conversation back to an OpenAI `chat.completions.create` body. A neutral `tool` message
 * holding several results becomes several `tool` messages.
 *
 * @throws {@link ProviderFormatError} for blocks this format cannot carry (thinking, a tool result outside a
 * `tool` message, an opaque block from another provider).
 */
export function toOpenAIChatRequest(conversation: Conversation): ChatCompletionCreateParams {
  const messages = conversation.messages.flatMap((message, index) =>
    writeMessage(message, `messages[${index}]`),
  );
  const request = compose(conversation.extra, {
    model: conversation.model,
    messages,
    tools: conversation.tools?.map(writeTool),
  });
  return request as unknown as ChatCompletionCreateParams;
}

function writeContent(content: readonly Block[], wire: WireForm | undefined, path: string): unknown {
  const text = plainString(content, wire);
  if (text !== undefined) return text;
  if (content.length === 0 && wire?.content === "null") return null;
  if (content.length === 0 && wire?.content === "absent") return undefined;
  return content.map((block, index) => writeChatPart(block, `${path}.content[${index}]`));
}

function writeMessage(message: Message, path: string): unknown[] {
  switch (message.role) {
    case "system":
    case "user": {
      const role = message.role === "system" ? (message.wire?.role ?? "system") : "user";
      return [compose(message.extra, { role, content: writeContent(message.content, message.wire, path) })];
    }
    case "assistant": {
      const calls = message.content.filter((block) => block.type === "tool_call");
      const parts = message.content.filter((block) => block.type !== "tool_call");
      let content = writeContent(parts, message.wire, path);
      if (parts.length === 0 && message.wire === undefined) {
        content = Array.isArray(message.extra?.content) ? undefined : calls.length > 0 ? null : "";
      }
      return [
        compose(message.extra, {
          role: "assistant",
          content,
          tool_calls: calls.length > 0 ? calls.map(writeChatToolCall) : undefined,
        }),
      ];
    }
    case "tool": {
      if (message.wire?.role === "function") return [writeFunctionMessage(message)];
      return message.content.map((block, index) => {
        if (block.type !== "tool_result") {
          throw new ProviderFormatError(
            `${path}.content[${index}].type`,
            '"tool_result" in a tool message',
            block.type,
          );
        }
        return compose(message.extra, {
          role: "tool",
          tool_call_id: block.callId,
          content: writeContent(block.content, block.wire, `${path}.content[${index}]`),
        });
      });
    }
  }
}

/** The legacy `function` role: its content is a string (or `null`), so text blocks are joined. */
function writeFunctionMessage(message: Message): unknown {
  let content: string | null | undefined = message.content
    .map((block) => (block.type === "text" || block.type === "summary" ? block.text : ""))
    .join("\n");
  if (message.content.length === 0 && message.wire?.content === "null") content = null;
  if (message.content.length === 0 && message.wire?.content === "absent") content = undefined;
  return compose(message.extra, { role: "function", content });
}

function writeTool(tool: ToolDefinition): unknown {
  if (tool.extra?.type !== undefined) return { ...tool.extra };
  return compose(without(tool.extra, "function"), {
    type: "function",
    function: compose(nested(tool.extra, "function"), {
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
    }),
  });
}
