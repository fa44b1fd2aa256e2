/**
 * Small conversions every adapter shares: tool arguments, data URLs, plain-string content, opaque blocks and
 * naming tool results after their calls.
 *
 * @module
 */
import { ProviderFormatError } from "../../errors.js";
import type {
  Block,
  ImageBlock,
  Message,
  OpaqueBlock,
  ProviderFormat,
  TextBlock,
  WireForm,
} from "../../transcript/types.js";

/** Parses tool arguments sent as a JSON string; text that is not JSON is kept as the string itself. */
export function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The arguments string to send: the original text when known, else the input as JSON. */
export function argumentsText(rawArguments: string | undefined, input: unknown): string {
  if (rawArguments !== undefined) return rawArguments;
  return typeof input === "string" ? input : JSON.stringify(input ?? {});
}

const dataUrlPattern = /^data:([^;,]+);base64,([\s\S]*)$/;

/** An image source from a URL: `data:<type>;base64,<data>` URLs become inline base64 sources. */
export function imageSourceFromUrl(url: string): ImageBlock["source"] {
  const match = dataUrlPattern.exec(url);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    return { kind: "base64", mediaType: match[1], data: match[2] };
  }
  return { kind: "url", url };
}

/** The URL of an image source; base64 sources become `data:` URLs (the exact inverse of the above). */
export function imageSourceToUrl(source: ImageBlock["source"]): string {
  return source.kind === "url" ? source.url : `data:${source.mediaType};base64,${source.data}`;
}

/** An opaque block holding a provider value verbatim. */
export function opaque(format: ProviderFormat, value: unknown): OpaqueBlock {
  return { type: "opaque", format, value };
}

/** The value of an opaque block, after checking it belongs to `format`. */
export function opaqueValue(block: OpaqueBlock, format: ProviderFormat, path: string): unknown {
  if (block.format !== format) {
    throw new ProviderFormatError(path, `an opaque block recorded in the ${format} format`, block.format);
  }
  return block.value;
}

/**
 * The text to write as a plain string when the wire form asks for one and the content still fits: exactly
 * one text block (or summary) with no cache marker and no extra fields. `undefined` means "write a list".
 */
export function plainString(content: readonly Block[], wire: WireForm | undefined): string | undefined {
  if (wire?.content !== "string" || content.length !== 1) return undefined;
  const block = content[0];
  if (block?.type === "summary") return block.text;
  if (block?.type !== "text" || block.cacheControl !== undefined || block.extra !== undefined)
    return undefined;
  return block.text;
}

/** A text block for content that came as a plain string. */
export function textBlock(text: string): TextBlock {
  return { type: "text", text };
}

/** Fills {@link ToolResultBlock.name} from the matching call, so strategies can tell results apart by tool. */
export function nameToolResults(messages: Message[]): void {
  const names = new Map<string, string>();
  for (const message of messages) {
    for (const block of message.content) {
      if (block.type === "tool_call") names.set(block.id, block.name);
      if (block.type === "tool_result" && block.name === undefined) {
        const name = names.get(block.callId);
        if (name !== undefined) block.name = name;
      }
    }
  }
}

/** Builds a `wire` form, or `undefined` when every field is at its default. */
export function wireForm(content: WireForm["content"], role?: string): WireForm | undefined {
  if (content === undefined && role === undefined) return undefined;
  const form: WireForm = {};
  if (content !== undefined) form.content = content;
  if (role !== undefined) form.role = role;
  return form;
}
