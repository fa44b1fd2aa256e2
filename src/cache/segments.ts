/**
 * Turns a neutral {@link Conversation} into the {@link PromptSegment}s the cache model reads: one segment per
 * tool definition, per system block and per message block, in the provider's rendering order (tools, system,
 * messages). Content hashes are memoised per block object, so re-segmenting a growing conversation hashes only
 * its new blocks.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { InvalidOptionError } from "../errors.js";
import type { Block, Conversation, Message, ToolDefinition } from "../transcript/types.js";
import type { CacheTtl, PromptSegment } from "./types.js";

/** Where a counted item sits in the prompt. */
export type SegmentPlace =
  | { kind: "tool"; index: number }
  | { kind: "system"; index: number }
  | { kind: "message"; messageIndex: number; blockIndex: number; message: Message };

/** Counts the tokens of one tool definition or block; any estimator will do (o200k, calibrated, exact). */
export type SegmentTokenCounter = (item: Block | ToolDefinition, place: SegmentPlace) => number;

/** A conversation as segments, with the indices {@link placeBreakpoints} needs. */
export interface SegmentedPrompt {
  segments: PromptSegment[];
  /** Index of the last tool segment, or -1 when there are no tools. */
  toolsEnd: number;
  /** Index of the last tool or system segment (the fixed prefix), or -1 when there is none. */
  systemEnd: number;
  /** For each message, the index of its last segment (the previous end when it has no blocks). */
  messageEnds: number[];
}

const contentHashes = new WeakMap<object, string>();

/** JSON with sorted keys, without `cacheControl` (moving a breakpoint does not change the cached content). */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => key !== "cacheControl" && record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`).join(",")}}`;
}

/** Content hash of a block or tool definition, memoised per object (treat blocks as immutable). */
export function contentHash(item: Block | ToolDefinition): string {
  let hash = contentHashes.get(item);
  if (hash === undefined) {
    hash = createHash("sha256").update(stableJson(item)).digest("base64url").slice(0, 22);
    contentHashes.set(item, hash);
  }
  return hash;
}

function countTokens(count: SegmentTokenCounter, item: Block | ToolDefinition, place: SegmentPlace): number {
  const tokens = count(item, place);
  if (typeof tokens !== "number" || !Number.isFinite(tokens) || tokens < 0) {
    const where =
      place.kind === "message" ? `messages[${place.messageIndex}].content[${place.blockIndex}]` : place.kind;
    throw new InvalidOptionError(`count(${where})`, "a non-negative finite number of tokens", tokens);
  }
  return tokens;
}

function segment(hash: string, tokens: number, ttl: CacheTtl | undefined): PromptSegment {
  return ttl === undefined ? { hash, tokens } : { hash, tokens, breakpoint: ttl };
}

function cacheTtlOf(item: Block | ToolDefinition): CacheTtl | undefined {
  const control = "cacheControl" in item ? item.cacheControl : undefined;
  return control === undefined ? undefined : (control.ttl ?? "5m");
}

/**
 * Segments a conversation. Each segment's hash covers its content, its role and whether it opens its message;
 * a block's `cacheControl` becomes the segment's breakpoint.
 * @param conversation The request, in neutral form.
 * @param count Token counter for one tool, system block or message block.
 */
export function segmentConversation(conversation: Conversation, count: SegmentTokenCounter): SegmentedPrompt {
  const segments: PromptSegment[] = [];
  (conversation.tools ?? []).forEach((tool, index) => {
    const place: SegmentPlace = { kind: "tool", index };
    segments.push(segment(`t:${contentHash(tool)}`, countTokens(count, tool, place), cacheTtlOf(tool)));
  });
  const toolsEnd = segments.length - 1;
  (conversation.system ?? []).forEach((block, index) => {
    const place: SegmentPlace = { kind: "system", index };
    segments.push(segment(`s:${contentHash(block)}`, countTokens(count, block, place), cacheTtlOf(block)));
  });
  const systemEnd = segments.length - 1;
  const messageEnds: number[] = [];
  conversation.messages.forEach((message, messageIndex) => {
    message.content.forEach((block, blockIndex) => {
      const place: SegmentPlace = { kind: "message", messageIndex, blockIndex, message };
      const opener = blockIndex === 0 ? `${message.role}^` : message.role;
      segments.push(
        segment(`${opener}:${contentHash(block)}`, countTokens(count, block, place), cacheTtlOf(block)),
      );
    });
    messageEnds.push(segments.length - 1);
  });
  return { segments, toolsEnd, systemEnd, messageEnds };
}
