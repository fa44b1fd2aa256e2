/**
 * OpenAI Responses input/output items ⇄ neutral messages, one message per item. Message items map to
 * messages (`developer` kept in `wire.role`), `function_call` to an assistant tool call, `function_call_output`
 * to a `tool` message with one result, `reasoning` to an assistant thinking block (encrypted content and
 * summary kept byte for byte); every other item (web search, compaction, item references, ...) is kept whole
 * as an opaque block in a message marked `wire.item`.
 *
 * @module
 */
import { ProviderFormatError } from "../errors.js";
import type {
  Block,
  Message,
  Role,
  ThinkingBlock,
  ToolCallBlock,
  ToolResultBlock,
} from "../transcript/types.js";
import {
  argumentsText,
  imageSourceFromUrl,
  imageSourceToUrl,
  opaque,
  opaqueValue,
  parseArguments,
  plainString,
  textBlock,
  wireForm,
} from "./internal/content.js";
import {
  compose,
  expectArray,
  expectObject,
  expectString,
  extraOf,
  type Fields,
  fieldsOf,
  isObject,
  type JsonObject,
  take,
  takeOptionalString,
  takeString,
} from "./internal/fields.js";

const format = "openai-responses";
const messageRoles = new Set(["user", "assistant", "system", "developer"]);

/** The text part type a role uses unless told otherwise. */
function defaultTextType(role: Role): string {
  return role === "assistant" ? "output_text" : "input_text";
}

/** Reads one input or output item at `path` (e.g. `input[4]`). */
export function readResponsesItem(value: unknown, path: string): Message {
  const object = expectObject(value, path, "an input item object");
  const type = object.type;
  if (type === "message" || (type === undefined && "role" in object)) return readMessageItem(object, path);
  const fields = fieldsOf(object);
  if (type === "function_call") {
    take(fields, "type");
    const id = takeString(fields, "call_id", path);
    const name = takeString(fields, "name", path);
    const rawArguments = takeString(fields, "arguments", path);
    const block: ToolCallBlock = {
      type: "tool_call",
      id,
      name,
      input: parseArguments(rawArguments),
      rawArguments,
    };
    const extra = extraOf(fields);
    if (extra) block.extra = extra;
    return { role: "assistant", content: [block] };
  }
  if (type === "function_call_output") {
    take(fields, "type");
    const block: ToolResultBlock = {
      type: "tool_result",
      callId: takeString(fields, "call_id", path),
      content: [],
    };
    const output = take(fields, "output");
    if (typeof output === "string") {
      block.content = [textBlock(output)];
      block.wire = { content: "string" };
    } else {
      const parts = expectArray(output, `${path}.output`, "a string or an array of content parts");
      block.content = parts.map((part, index) => readPart(part, "tool", `${path}.output[${index}]`));
    }
    const extra = extraOf(fields);
    if (extra) block.extra = extra;
    return { role: "tool", content: [block] };
  }
  if (type === "reasoning") return { role: "assistant", content: [readReasoning(fields)] };
  const itemType = expectString(type, `${path}.type`, "a string item type");
  const role: Role = itemType.endsWith("_output") ? "tool" : object.role === "user" ? "user" : "assistant";
  return { role, content: [opaque(format, object)], wire: { item: true } };
}

function readMessageItem(object: JsonObject, path: string): Message {
  const fields = fieldsOf(object);
  const wireRole = take(fields, "role");
  if (typeof wireRole !== "string" || !messageRoles.has(wireRole)) {
    throw new ProviderFormatError(`${path}.role`, '"user", "assistant", "system" or "developer"', wireRole);
  }
  const role: Role = wireRole === "developer" ? "system" : (wireRole as Role);
  const content = take(fields, "content");
  const message: Message = { role, content: [] };
  if (typeof content === "string") {
    message.content = [textBlock(content)];
  } else {
    const parts = expectArray(content, `${path}.content`, "a string or an array of content parts");
    message.content = parts.map((part, index) => readPart(part, role, `${path}.content[${index}]`));
  }
  const wire = wireForm(
    typeof content === "string" ? "string" : undefined,
    wireRole === "developer" ? wireRole : undefined,
  );
  if (wire) message.wire = wire;
  const extra = extraOf(fields);
  if (extra) message.extra = extra;
  return message;
}

function readPart(value: unknown, role: Role, path: string): Block & ToolResultBlock["content"][number] {
  const object = expectObject(value, path, "a content part object");
  const type = expectString(object.type, `${path}.type`, "a string part type");
  const fields = fieldsOf(object);
  if (type === "input_text" || type === "output_text") {
    const text = takeString(fields, "text", path);
    if (type === defaultTextType(role)) take(fields, "type");
    const extra = extraOf(fields);
    return extra ? { type: "text", text, extra } : { type: "text", text };
  }
  if (type === "input_image" && typeof object.image_url === "string") {
    take(fields, "type");
    const source = imageSourceFromUrl(take(fields, "image_url") as string);
    const extra = extraOf(fields);
    return extra ? { type: "image", source, extra } : { type: "image", source };
  }
  return opaque(format, object);
}

function readReasoning(fields: Fields): ThinkingBlock {
  take(fields, "type");
  const texts = (items: unknown): string[] =>
    Array.isArray(items)
      ? items.flatMap((item) => (isObject(item) && typeof item.text === "string" ? [item.text] : []))
      : [];
  const summary = texts(fields.summary);
  const block: ThinkingBlock = {
    type: "thinking",
    text: (summary.length > 0 ? summary : texts(fields.content)).join("\n"),
  };
  const encrypted = takeOptionalString(fields, "encrypted_content");
  if (encrypted !== undefined) block.encryptedContent = encrypted;
  const extra = extraOf(fields);
  if (extra) block.extra = extra;
  return block;
}

/** Writes one neutral message as one or more items; `path` names it in errors. */
export function writeResponsesItems(message: Message, path: string): unknown[] {
  const items: unknown[] = [];
  let parts: Block[] | undefined;
  const flush = (): void => {
    if (parts !== undefined) items.push(writeMessageItem(message, parts, path));
    parts = undefined;
  };
  message.content.forEach((block, index) => {
    const blockPath = `${path}.content[${index}]`;
    if (block.type === "tool_call") {
      flush();
      items.push(
        compose(block.extra, {
          type: "function_call",
          call_id: block.id,
          name: block.name,
          arguments: argumentsText(block.rawArguments, block.input),
        }),
      );
    } else if (block.type === "tool_result") {
      flush();
      const output =
        plainString(block.content, block.wire) ??
        block.content.map((part, partIndex) => writePart(part, "tool", `${blockPath}.content[${partIndex}]`));
      items.push(compose(block.extra, { type: "function_call_output", call_id: block.callId, output }));
    } else if (block.type === "thinking") {
      flush();
      items.push(writeReasoning(block));
    } else if (block.type === "opaque" && message.wire?.item) {
      flush();
      items.push(opaqueValue(block, format, blockPath));
    } else {
      parts ??= [];
      parts.push(block);
    }
  });
  flush();
  if (items.length === 0) items.push(writeMessageItem(message, [], path));
  return items;
}

function writeMessageItem(message: Message, parts: readonly Block[], path: string): unknown {
  if (message.role === "tool") {
    throw new ProviderFormatError(`${path}.role`, "a tool message to hold only tool results", message.role);
  }
  const role = message.role === "system" ? (message.wire?.role ?? "system") : message.role;
  const content =
    plainString(parts, message.wire) ??
    parts.map((part, index) => writePart(part, message.role, `${path}.content[${index}]`));
  return compose(message.extra, { role, content });
}

function writePart(block: Block, role: Role, path: string): unknown {
  switch (block.type) {
    case "text":
      return compose(block.extra, { type: block.extra?.type ?? defaultTextType(role), text: block.text });
    case "summary":
      return { type: defaultTextType(role), text: block.text };
    case "image":
      return compose(block.extra, { type: "input_image", image_url: imageSourceToUrl(block.source) });
    case "opaque":
      return opaqueValue(block, format, path);
    default:
      throw new ProviderFormatError(`${path}.type`, "a text, image or opaque content part", block.type);
  }
}

function writeReasoning(block: ThinkingBlock): unknown {
  const summary =
    block.extra?.summary ?? (block.text === "" ? [] : [{ type: "summary_text", text: block.text }]);
  return compose(block.extra, { type: "reasoning", summary, encrypted_content: block.encryptedContent });
}
