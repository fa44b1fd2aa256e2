/**
 * Reading Anthropic Messages content (request messages, responses, Claude Code log lines) into neutral
 * {@link Block}s. Block types the neutral model does not name (server tools, documents, ...) are kept whole as
 * {@link OpaqueBlock}s, so nothing is dropped silently.
 *
 * @module
 */
import type {
  Block,
  CacheControl,
  ImageBlock,
  Message,
  OpaqueBlock,
  TextBlock,
  ToolDefinition,
  ToolResultBlock,
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

function cacheControlOf(block: JsonObject): CacheControl | undefined {
  const control = block.cache_control;
  if (!isObject(control) || control.type !== "ephemeral") return undefined;
  return control.ttl === "1h" || control.ttl === "5m"
    ? { type: "ephemeral", ttl: control.ttl }
    : { type: "ephemeral" };
}

function withCacheControl<Result extends Block>(result: Result, block: JsonObject): Result {
  const control = cacheControlOf(block);
  if (control !== undefined && result.type !== "thinking" && result.type !== "summary") {
    (result as Result & { cacheControl?: CacheControl }).cacheControl = control;
  }
  return result;
}

function imageBlock(block: JsonObject, source: Source, path: string): ImageBlock {
  const image = readObject(block.source, source, `${path}.source`);
  if (image.type === "url") {
    return {
      type: "image",
      source: { kind: "url", url: readString(image.url, source, `${path}.source.url`) },
    };
  }
  if (image.type === "base64") {
    return {
      type: "image",
      source: {
        kind: "base64",
        mediaType: readString(image.media_type, source, `${path}.source.media_type`),
        data: readString(image.data, source, `${path}.source.data`),
      },
    };
  }
  return fail(source, `${path}.source.type`, '"url" or "base64"', image.type);
}

function resultContent(
  value: unknown,
  source: Source,
  path: string,
): Array<TextBlock | ImageBlock | OpaqueBlock> {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [{ type: "text", text: value }];
  const parts = readArray(value, source, path);
  return parts.map((part, index) => {
    const block = anthropicBlock(part, source, `${path}[${index}]`);
    return block.type === "text" || block.type === "image" || block.type === "opaque"
      ? block
      : { type: "opaque", format: "anthropic", value: part };
  });
}

/** One Anthropic content block at `path`. */
export function anthropicBlock(value: unknown, source: Source, path: string): Block {
  const block = readObject(value, source, path);
  switch (block.type) {
    case "text":
      return withCacheControl({ type: "text", text: readString(block.text, source, `${path}.text`) }, block);
    case "image":
      return withCacheControl(imageBlock(block, source, path), block);
    case "tool_use":
      return withCacheControl(
        {
          type: "tool_call",
          id: readString(block.id, source, `${path}.id`),
          name: readString(block.name, source, `${path}.name`),
          input: block.input ?? {},
        },
        block,
      );
    case "tool_result": {
      const result: ToolResultBlock = {
        type: "tool_result",
        callId: readString(block.tool_use_id, source, `${path}.tool_use_id`),
        content: resultContent(block.content, source, `${path}.content`),
      };
      if (block.is_error === true) result.isError = true;
      if (typeof block.content === "string") result.wire = { content: "string" };
      else if (block.content === undefined) result.wire = { content: "absent" };
      return withCacheControl(result, block);
    }
    case "thinking": {
      const signature = readOptionalString(block.signature, source, `${path}.signature`);
      const text = readString(block.thinking, source, `${path}.thinking`);
      return signature === undefined ? { type: "thinking", text } : { type: "thinking", text, signature };
    }
    case "redacted_thinking":
      return { type: "thinking", text: "", redactedData: readString(block.data, source, `${path}.data`) };
    default:
      if (typeof block.type !== "string")
        return fail(source, `${path}.type`, "a content block type", block.type);
      return { type: "opaque", format: "anthropic", value: block };
  }
}

/** Content as a string (one text block) or an array of blocks. */
export function anthropicContent(value: unknown, source: Source, path: string): Block[] {
  if (typeof value === "string") return value === "" ? [] : [{ type: "text", text: value }];
  if (!Array.isArray(value)) return fail(source, path, "a string or an array of content blocks", value);
  const list: unknown[] = value;
  return list.map((item, index) => anthropicBlock(item, source, `${path}[${index}]`));
}

/** One Anthropic message `{role: "user" | "assistant", content}`. */
export function anthropicMessage(value: unknown, source: Source, path: string): Message {
  const object = readObject(value, source, path);
  if (object.role !== "user" && object.role !== "assistant") {
    return fail(source, `${path}.role`, '"user" or "assistant"', object.role);
  }
  const message: Message = {
    role: object.role,
    content: anthropicContent(object.content, source, `${path}.content`),
  };
  if (typeof object.content === "string") message.wire = { content: "string" };
  return message;
}

/** Anthropic `system`: a string or an array of text blocks. */
export function anthropicSystem(value: unknown, source: Source, path: string): Block[] | undefined {
  if (value === undefined || value === null) return undefined;
  return anthropicContent(value, source, path);
}

/** Anthropic tools (`[{name, description, input_schema}]`). */
export function anthropicTools(value: unknown, source: Source, path: string): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  return readArray(value, source, path).map((item, index) => {
    const tool = readObject(item, source, `${path}[${index}]`);
    const definition: ToolDefinition = { name: readString(tool.name, source, `${path}[${index}].name`) };
    const description = readOptionalString(tool.description, source, `${path}[${index}].description`);
    if (description !== undefined) definition.description = description;
    if (tool.input_schema !== undefined) definition.parameters = tool.input_schema;
    const control = cacheControlOf(tool);
    if (control !== undefined) definition.cacheControl = control;
    return definition;
  });
}
