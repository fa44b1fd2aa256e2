/**
 * Reading OpenAI Chat Completions messages (as logged by agents) into neutral {@link Message}s. Lenient about
 * what logs add (unknown fields are kept in `extra`), strict about shapes that make a message unreadable.
 *
 * @module
 */
import type {
  Block,
  ImageBlock,
  Message,
  OpaqueBlock,
  TextBlock,
  ToolCallBlock,
  ToolDefinition,
  ToolResultBlock,
  WireForm,
} from "../../transcript/types.js";
import {
  fail,
  isObject,
  type JsonObject,
  readArray,
  readObject,
  readOptionalString,
  readString,
  type Source,
} from "./reader.js";

const knownMessageKeys = new Set(["role", "content", "tool_calls", "tool_call_id"]);

function extraOf(object: JsonObject, known: ReadonlySet<string>): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    if (known.has(key)) continue;
    extra ??= {};
    extra[key] = object[key];
  }
  return extra;
}

/** How the message spelled its content and role, when not the common list / neutral role. */
function wireFormOf(object: JsonObject): WireForm | undefined {
  const wire: WireForm = {};
  if (!("content" in object)) wire.content = "absent";
  else if (object.content === null) wire.content = "null";
  else if (typeof object.content === "string") wire.content = "string";
  if (object.role === "developer" || object.role === "function") wire.role = object.role;
  return wire.content === undefined && wire.role === undefined ? undefined : wire;
}

function imageFromUrl(url: string): ImageBlock {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    return { type: "image", source: { kind: "base64", mediaType: match[1], data: match[2] } };
  }
  return { type: "image", source: { kind: "url", url } };
}

/** One content part (`text`, `image_url`; anything else is kept as an {@link OpaqueBlock}). */
function partToBlock(value: unknown, source: Source, path: string): TextBlock | ImageBlock | OpaqueBlock {
  const part = readObject(value, source, path);
  if (part.type === "text") return { type: "text", text: readString(part.text, source, `${path}.text`) };
  if (part.type === "image_url") {
    const image = readObject(part.image_url, source, `${path}.image_url`);
    return imageFromUrl(readString(image.url, source, `${path}.image_url.url`));
  }
  if (typeof part.type !== "string") fail(source, `${path}.type`, "a content part type", part.type);
  return { type: "opaque", format: "openai-chat", value: part };
}

/** Message content: a string, `null`, or an array of parts. */
export function contentToBlocks(
  value: unknown,
  source: Source,
  path: string,
): Array<TextBlock | ImageBlock | OpaqueBlock> {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value === "" ? [] : [{ type: "text", text: value }];
  if (!Array.isArray(value)) return fail(source, path, "a string, null or an array of content parts", value);
  const parts: unknown[] = value;
  return parts.map((part, index) => partToBlock(part, source, `${path}[${index}]`));
}

function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function toolCallToBlock(value: unknown, source: Source, path: string): ToolCallBlock {
  const call = readObject(value, source, path);
  const id = readString(call.id, source, `${path}.id`);
  const fn = readObject(call.function, source, `${path}.function`);
  const name = readString(fn.name, source, `${path}.function.name`);
  const raw = fn.arguments;
  if (typeof raw === "string")
    return { type: "tool_call", id, name, input: parseArguments(raw), rawArguments: raw };
  return { type: "tool_call", id, name, input: raw ?? {} };
}

/** One OpenAI chat message at `path`. `tool` (and legacy `function`) messages become `tool` messages. */
export function messageFromOpenAIChat(value: unknown, source: Source, path: string): Message {
  const object = readObject(value, source, path);
  const role = object.role;
  const extra = extraOf(object, knownMessageKeys);
  let message: Message;
  if (role === "tool" || role === "function") {
    const callId =
      role === "tool"
        ? readString(object.tool_call_id, source, `${path}.tool_call_id`)
        : readString(object.name, source, `${path}.name`);
    const result: ToolResultBlock = {
      type: "tool_result",
      callId,
      content: contentToBlocks(object.content, source, `${path}.content`),
    };
    const name = readOptionalString(object.name, source, `${path}.name`);
    if (name !== undefined) result.name = name;
    message = { role: "tool", content: [result] };
  } else if (role === "system" || role === "developer" || role === "user") {
    message = {
      role: role === "user" ? "user" : "system",
      content: contentToBlocks(object.content, source, `${path}.content`),
    };
  } else if (role === "assistant") {
    const content: Block[] = contentToBlocks(object.content, source, `${path}.content`);
    if (object.tool_calls !== undefined && object.tool_calls !== null) {
      const calls = readArray(object.tool_calls, source, `${path}.tool_calls`);
      calls.forEach((call, index) => {
        content.push(toolCallToBlock(call, source, `${path}.tool_calls[${index}]`));
      });
    }
    message = { role: "assistant", content };
  } else {
    return fail(source, `${path}.role`, "one of system, developer, user, assistant, tool, function", role);
  }
  if (extra !== undefined) message.extra = extra;
  const wire = wireFormOf(object);
  if (wire !== undefined) message.wire = wire;
  return message;
}

/** An array of OpenAI chat messages at `path`. */
export function messagesFromOpenAIChat(value: unknown, source: Source, path: string): Message[] {
  const list = readArray(value, source, path);
  return list.map((item, index) => messageFromOpenAIChat(item, source, `${path}[${index}]`));
}

/** OpenAI function tools (`[{type: "function", function: {name, description, parameters}}]`). */
export function toolsFromOpenAI(value: unknown, source: Source, path: string): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = readArray(value, source, path);
  return list.map((item, index) => {
    const itemPath = `${path}[${index}]`;
    const tool = readObject(item, source, itemPath);
    const fn = isObject(tool.function) ? tool.function : tool;
    const fnPath = isObject(tool.function) ? `${itemPath}.function` : itemPath;
    const definition: ToolDefinition = { name: readString(fn.name, source, `${fnPath}.name`) };
    const description = readOptionalString(fn.description, source, `${fnPath}.description`);
    if (description !== undefined) definition.description = description;
    if (fn.parameters !== undefined) definition.parameters = fn.parameters;
    return definition;
  });
}
