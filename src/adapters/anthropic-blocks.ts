/**
 * Anthropic content blocks ⇄ neutral blocks. Text, image, `tool_use`, `tool_result`, `thinking` and
 * `redacted_thinking` are mapped; every other block (documents, search results, server tool blocks, container
 * uploads, block types added later) becomes an {@link OpaqueBlock} and is written back verbatim.
 *
 * @module
 */
import { ProviderFormatError } from "../errors.js";
import type { Block, ImageBlock, OpaqueBlock, TextBlock, ToolResultBlock } from "../transcript/types.js";
import { opaque, opaqueValue, plainString, textBlock } from "./internal/content.js";
import {
  cacheControlField,
  compose,
  expectArray,
  expectObject,
  expectString,
  extraOf,
  fieldsOf,
  isObject,
  type JsonObject,
  nested,
  take,
  takeCacheControl,
  takeOptionalBoolean,
  takeString,
  without,
} from "./internal/fields.js";

const format = "anthropic";

/** Reads one Anthropic content block at `path` (e.g. `messages[3].content[0]`). */
export function readAnthropicBlock(value: unknown, path: string): Block {
  const object = expectObject(value, path, "a content block object");
  const type = expectString(object.type, `${path}.type`, "a string block type");
  switch (type) {
    case "text":
      return readText(object, path);
    case "image":
      return readImage(object, path) ?? opaque(format, object);
    case "tool_use": {
      const fields = fieldsOf(object);
      take(fields, "type");
      const id = takeString(fields, "id", path);
      const name = takeString(fields, "name", path);
      const hasInput = "input" in fields;
      const input = take(fields, "input");
      const cacheControl = takeCacheControl(fields);
      const block: Block = { type: "tool_call", id, name, input: hasInput ? input : undefined };
      return withOptional(block, cacheControl, extraOf(fields));
    }
    case "tool_result":
      return readToolResult(object, path);
    case "thinking": {
      const fields = fieldsOf(object);
      take(fields, "type");
      const text = takeString(fields, "thinking", path);
      const signature =
        typeof fields.signature === "string" ? (take(fields, "signature") as string) : undefined;
      const block: Block = { type: "thinking", text };
      if (signature !== undefined) block.signature = signature;
      const extra = extraOf(fields);
      if (extra) block.extra = extra;
      return block;
    }
    case "redacted_thinking": {
      const fields = fieldsOf(object);
      take(fields, "type");
      const block: Block = { type: "thinking", text: "", redactedData: takeString(fields, "data", path) };
      const extra = extraOf(fields);
      if (extra) block.extra = extra;
      return block;
    }
    default:
      return opaque(format, object);
  }
}

function readText(object: JsonObject, path: string): TextBlock {
  const fields = fieldsOf(object);
  take(fields, "type");
  const text = takeString(fields, "text", path);
  return withOptional({ type: "text", text }, takeCacheControl(fields), extraOf(fields));
}

/** Base64 and URL sources are mapped; file sources and anything unusual stay opaque (`undefined`). */
function readImage(object: JsonObject, path: string): ImageBlock | undefined {
  const source = expectObject(object.source, `${path}.source`, "an image source object");
  const sourceFields = fieldsOf(source);
  const kind = take(sourceFields, "type");
  let imageSource: ImageBlock["source"];
  if (kind === "base64" && typeof source.media_type === "string" && typeof source.data === "string") {
    imageSource = {
      kind: "base64",
      mediaType: take(sourceFields, "media_type") as string,
      data: take(sourceFields, "data") as string,
    };
  } else if (kind === "url" && typeof source.url === "string") {
    imageSource = { kind: "url", url: take(sourceFields, "url") as string };
  } else {
    return undefined;
  }
  const fields = fieldsOf(object);
  take(fields, "type");
  take(fields, "source");
  const cacheControl = takeCacheControl(fields);
  if (Object.keys(sourceFields).length > 0) fields.source = sourceFields;
  return withOptional({ type: "image", source: imageSource }, cacheControl, extraOf(fields));
}

function readToolResult(object: JsonObject, path: string): ToolResultBlock {
  const fields = fieldsOf(object);
  take(fields, "type");
  const callId = takeString(fields, "tool_use_id", path);
  const content = take(fields, "content");
  const block: ToolResultBlock = { type: "tool_result", callId, content: [] };
  if (content === undefined) {
    block.wire = { content: "absent" };
  } else if (typeof content === "string") {
    block.content = [textBlock(content)];
    block.wire = { content: "string" };
  } else {
    block.content = expectArray(content, `${path}.content`, "a string or an array of blocks").map(
      (part, index) => {
        const read = readAnthropicBlock(part, `${path}.content[${index}]`);
        return read.type === "text" || read.type === "image" ? read : opaque(format, part);
      },
    );
  }
  const isError = takeOptionalBoolean(fields, "is_error");
  if (isError !== undefined) block.isError = isError;
  return withOptional(block, takeCacheControl(fields), extraOf(fields));
}

function withOptional<T extends Block>(block: T, cacheControl: unknown, extra: JsonObject | undefined): T {
  if (cacheControl !== undefined) (block as { cacheControl?: unknown }).cacheControl = cacheControl;
  if (extra !== undefined) (block as { extra?: unknown }).extra = extra;
  return block;
}

/** Writes one neutral block as an Anthropic content block; `path` names it in errors. */
export function writeAnthropicBlock(block: Block, path: string): unknown {
  switch (block.type) {
    case "text":
      return compose(block.extra, {
        type: "text",
        text: block.text,
        cache_control: cacheControlField(block.cacheControl),
      });
    case "summary":
      return { type: "text", text: block.text };
    case "image":
      return writeImage(block);
    case "tool_call":
      return compose(block.extra, {
        type: "tool_use",
        id: block.id,
        name: block.name,
        input: block.input,
        cache_control: cacheControlField(block.cacheControl),
      });
    case "tool_result":
      return writeToolResult(block, path);
    case "thinking":
      if (block.redactedData !== undefined) {
        return compose(block.extra, { type: "redacted_thinking", data: block.redactedData });
      }
      return compose(block.extra, { type: "thinking", thinking: block.text, signature: block.signature });
    case "opaque":
      return writeOpaque(block, path);
  }
}

function writeImage(block: ImageBlock): unknown {
  const source =
    block.source.kind === "url"
      ? compose(nested(block.extra, "source"), { type: "url", url: block.source.url })
      : compose(nested(block.extra, "source"), {
          type: "base64",
          media_type: block.source.mediaType,
          data: block.source.data,
        });
  return compose(without(block.extra, "source"), {
    type: "image",
    source,
    cache_control: cacheControlField(block.cacheControl),
  });
}

function writeToolResult(block: ToolResultBlock, path: string): unknown {
  let content: unknown;
  const text = plainString(block.content, block.wire);
  if (text !== undefined) content = text;
  else if (block.wire?.content === "absent" && block.content.length === 0) content = undefined;
  else content = block.content.map((part, index) => writeAnthropicBlock(part, `${path}.content[${index}]`));
  return compose(block.extra, {
    type: "tool_result",
    tool_use_id: block.callId,
    content,
    is_error: block.isError,
    cache_control: cacheControlField(block.cacheControl),
  });
}

function writeOpaque(block: OpaqueBlock, path: string): unknown {
  const value = opaqueValue(block, format, path);
  if (!isObject(value)) throw new ProviderFormatError(path, "an opaque Anthropic block object", value);
  return value;
}
