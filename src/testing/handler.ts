/**
 * What each provider route of the test server implements: request checks, error bodies, and the rendering of a
 * scripted reply as a complete response or as the provider's SSE event sequence.
 *
 * @module
 */

import type { ProviderFormat } from "../transcript/types.js";
import type { SseEvent } from "./http.js";
import type { ValidationIssue } from "./provider-errors.js";
import type { ServerUsage } from "./recorded-request.js";
import type { MessageReply } from "./reply.js";

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** Facts a handler needs to render one reply. */
export interface RenderContext {
  /** 1-based number of the call on this server; ids are derived from it, so they are deterministic. */
  callNumber: number;
  /** Unix seconds of the response. */
  createdSeconds: number;
  /** Largest number of characters in one streamed text or JSON delta. */
  deltaCharacters: number;
  /** The parsed request body. */
  body: JsonObject;
  /**
   * A server-side compaction (OpenAI Responses `context_management` past its `compact_threshold`): its
   * `compaction` item comes first in the output, and its usage is added to the response's.
   */
  compaction?: { item: JsonObject; usage: ServerUsage };
}

/** One provider route. */
export interface ProviderHandler {
  provider: ProviderFormat;
  /** Which method of the prompt cache serves this route. */
  cacheFamily: "anthropic" | "openai";
  /** Header that carries the request id (`request-id`, `x-request-id`). */
  requestIdHeader: string;
  /** Name of the first SSE event (used for malformed streams), or undefined when events are unnamed. */
  firstEventName: string | undefined;
  /** The first reason the real API would reject this body with a 400, if any. */
  validate(body: JsonObject): ValidationIssue | undefined;
  /** The error body for an HTTP status. */
  errorBody(
    status: number,
    message: string,
    param: string | null,
    code: string | undefined,
    requestId: string,
  ): unknown;
  /** Text of the last user message, for the default script. */
  lastUserText(body: JsonObject): string;
  /** The complete (non-streaming) response body. */
  render(message: MessageReply, usage: ServerUsage, context: RenderContext): unknown;
  /** The SSE events of a streaming response, in the order the real API sends them. */
  events(message: MessageReply, usage: ServerUsage, context: RenderContext): SseEvent[];
}

/** Splits text into pieces of at most `size` characters (at least one piece, possibly empty). */
export function splitIntoDeltas(text: string, size: number): string[] {
  if (text.length <= size) return [text];
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

/** True for a non-null, non-array object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A number padded to four digits, for deterministic ids. */
export function padded(callNumber: number): string {
  return String(callNumber).padStart(4, "0");
}

/** The text of a content value: a string, or the `text` of its text parts joined. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (isObject(part) && typeof part.text === "string" ? part.text : ""))
    .filter((text) => text !== "")
    .join("\n");
}
