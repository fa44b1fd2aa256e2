/**
 * OpenAI Chat Completions content parts and tool calls ⇄ neutral blocks. `text` and `image_url` parts are
 * mapped; `input_audio`, `file`, `refusal` and unknown parts become opaque blocks. Function tool calls keep
 * their argument string exactly ({@link ToolCallBlock.rawArguments}); custom tool calls are mapped too.
 *
 * @module
 */
import { ProviderFormatError } from "../errors.js";
import type { Block, ImageBlock, TextBlock, ToolCallBlock } from "../transcript/types.js";
import {
  argumentsText,
  imageSourceFromUrl,
  imageSourceToUrl,
  opaque,
  opaqueValue,
  parseArguments,
} from "./internal/content.js";
import {
  compose,
  expectObject,
  expectString,
  extraOf,
  fieldsOf,
  nested,
  take,
  takeString,
  without,
} from "./internal/fields.js";

const format = "openai-chat";

/** Reads one content part at `path` (e.g. `messages[1].content[0]`). */
export function readChatPart(value: unknown, path: string): TextBlock | ImageBlock | Block {
  const object = expectObject(value, path, "a content part object");
  const type = expectString(object.type, `${path}.type`, "a string part type");
  if (type === "text") {
    const fields = fieldsOf(object);
    take(fields, "type");
    const block: TextBlock = { type: "text", text: takeString(fields, "text", path) };
    const extra = extraOf(fields);
    if (extra) block.extra = extra;
    return block;
  }
  if (type === "image_url") {
    const image = expectObject(object.image_url, `${path}.image_url`, "an object with a url");
    const imageFields = fieldsOf(image);
    const url = takeString(imageFields, "url", `${path}.image_url`);
    const fields = fieldsOf(object);
    take(fields, "type");
    take(fields, "image_url");
    if (Object.keys(imageFields).length > 0) fields.image_url = imageFields;
    const block: ImageBlock = { type: "image", source: imageSourceFromUrl(url) };
    const extra = extraOf(fields);
    if (extra) block.extra = extra;
    return block;
  }
  return opaque(format, object);
}

/** Writes one neutral block as a content part. Tool calls, results and thinking have no part form. */
export function writeChatPart(block: Block, path: string): unknown {
  switch (block.type) {
    case "text":
      return compose(block.extra, { type: "text", text: block.text });
    case "summary":
      return { type: "text", text: block.text };
    case "image":
      return compose(without(block.extra, "image_url"), {
        type: "image_url",
        image_url: compose(nested(block.extra, "image_url"), { url: imageSourceToUrl(block.source) }),
      });
    case "opaque":
      return opaqueValue(block, format, path);
    default:
      throw new ProviderFormatError(
        path,
        "a text, image or opaque part in an OpenAI chat message",
        block.type,
      );
  }
}

/** Reads one entry of an assistant message's `tool_calls`. */
export function readChatToolCall(value: unknown, path: string): ToolCallBlock {
  const fields = fieldsOf(expectObject(value, path, "a tool call object"));
  const id = takeString(fields, "id", path);
  if (fields.type === "custom") {
    const custom = fieldsOf(expectObject(fields.custom, `${path}.custom`, "an object with name and input"));
    const name = takeString(custom, "name", `${path}.custom`);
    const input = takeString(custom, "input", `${path}.custom`);
    if (Object.keys(custom).length > 0) fields.custom = custom;
    else delete fields.custom;
    return { type: "tool_call", id, name, input, extra: fields };
  }
  const type = take(fields, "type");
  if (type !== "function") throw new ProviderFormatError(`${path}.type`, '"function" or "custom"', type);
  const functionFields = fieldsOf(expectObject(take(fields, "function"), `${path}.function`, "an object"));
  const name = takeString(functionFields, "name", `${path}.function`);
  const rawArguments = takeString(functionFields, "arguments", `${path}.function`);
  if (Object.keys(functionFields).length > 0) fields.function = functionFields;
  const block: ToolCallBlock = {
    type: "tool_call",
    id,
    name,
    input: parseArguments(rawArguments),
    rawArguments,
  };
  const extra = extraOf(fields);
  if (extra) block.extra = extra;
  return block;
}

/** Writes a neutral tool call as a `tool_calls` entry. */
export function writeChatToolCall(block: ToolCallBlock): unknown {
  if (block.extra?.type === "custom") {
    return compose(without(block.extra, "custom"), {
      id: block.id,
      type: "custom",
      custom: compose(nested(block.extra, "custom"), {
        name: block.name,
        input: argumentsText(undefined, block.input),
      }),
    });
  }
  return compose(without(block.extra, "function"), {
    id: block.id,
    type: "function",
    function: compose(nested(block.extra, "function"), {
      name: block.name,
      arguments: argumentsText(block.rawArguments, block.input),
    }),
  });
}
