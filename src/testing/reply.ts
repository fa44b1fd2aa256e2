/**
 * What the test server answers: scripted replies and the helpers that build them.
 *
 * @module
 */

import { InvalidOptionError } from "../errors.js";

/** One piece of an assistant answer, in neutral form; each provider handler renders it in its wire format. */
export type ReplyPart =
  | { type: "text"; text: string }
  | {
      type: "tool_call";
      name: string;
      input: unknown;
      /** Provider id of the call; generated (`toolu_…`, `call_…`) when absent. */
      id?: string;
    }
  | {
      type: "thinking";
      text: string;
      /** Anthropic thinking signature, sent back byte for byte by clients. */
      signature: string;
    };

/** A successful answer: an assistant message made of {@link ReplyPart}s. */
export interface MessageReply {
  kind: "message";
  parts: ReplyPart[];
  /**
   * Output tokens to report.
   * @default the server's `countTokens` summed over {@link MessageReply.parts}
   */
  outputTokens?: number;
  /**
   * Why the model stopped, in neutral words: `"end"`, `"tool_call"` or `"max_tokens"`.
   * @default `"tool_call"` when a part is a tool call, else `"end"`
   */
  stopReason?: "end" | "tool_call" | "max_tokens";
  /**
   * Anthropic only: a server-side compaction ran before the answer. Its tokens are reported as a `compaction`
   * entry of `usage.iterations`, outside the top-level counts, as the API does.
   * @default none (no `usage.iterations`)
   */
  serverCompaction?: { inputTokens: number; outputTokens: number };
}

/** An HTTP error in the provider's error JSON shape. */
export interface ErrorReply {
  kind: "error";
  /** HTTP status, e.g. 429, 500, 529. */
  status: number;
  /** Human-readable message. @default a message like the provider's for that status */
  message?: string;
  /** Seconds sent in the `retry-after` header. @default none (no header) */
  retryAfter?: number;
}

/** A 200 response whose body is not valid JSON (for a stream: an SSE event whose data is not JSON). */
export interface MalformedReply {
  kind: "malformed";
  /** The broken body. @default `{"id": "broken` */
  body?: string;
}

/**
 * A stream that breaks off: the socket is destroyed after {@link BrokenStreamReply.afterEvents} SSE events of
 * {@link BrokenStreamReply.reply}. For a non-streaming request the socket is destroyed before any response.
 */
export interface BrokenStreamReply {
  kind: "broken-stream";
  afterEvents: number;
  reply: MessageReply;
}

/** Anything a script may answer. */
export type Reply = MessageReply | ErrorReply | MalformedReply | BrokenStreamReply;

function requireNonNegativeInteger(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InvalidOptionError(field, "a non-negative integer", value);
  }
  return value;
}

function textPart(text: string): ReplyPart {
  if (typeof text !== "string") throw new InvalidOptionError("reply.text(text)", "a string", text);
  return { type: "text", text };
}

/** Builders for {@link Reply} values. */
export const reply = {
  /** An assistant message made of the given parts, in order. */
  message(parts: ReplyPart[], options: Omit<MessageReply, "kind" | "parts"> = {}): MessageReply {
    if (!Array.isArray(parts))
      throw new InvalidOptionError("reply.message(parts)", "an array of parts", parts);
    if (options.outputTokens !== undefined) requireNonNegativeInteger("outputTokens", options.outputTokens);
    if (options.serverCompaction !== undefined) {
      requireNonNegativeInteger("serverCompaction.inputTokens", options.serverCompaction?.inputTokens);
      requireNonNegativeInteger("serverCompaction.outputTokens", options.serverCompaction?.outputTokens);
    }
    return { kind: "message", parts, ...options };
  },

  /** A plain text answer. */
  text(text: string): MessageReply {
    return { kind: "message", parts: [textPart(text)] };
  },

  /**
   * A call of compactor's recall tool (`compactor_recall`) for the offload id `id` (read one from a request with
   * `recallIdsOf`), optionally preceded by text: what a model does to read back a tool output compactor offloaded.
   */
  recall(id: string, options: { id?: string; text?: string } = {}): MessageReply {
    if (typeof id !== "string" || id === "")
      throw new InvalidOptionError("reply.recall(id)", "a non-empty offload id", id);
    return reply.toolCall("compactor_recall", { id }, options);
  },

  /** A tool call (`tool_use`, `tool_calls[]`, `function_call`), optionally preceded by text. */
  toolCall(name: string, input: unknown, options: { id?: string; text?: string } = {}): MessageReply {
    if (typeof name !== "string" || name === "") {
      throw new InvalidOptionError("reply.toolCall(name)", "a non-empty string", name);
    }
    const call: ReplyPart =
      options.id === undefined
        ? { type: "tool_call", name, input }
        : { type: "tool_call", name, input, id: options.id };
    return { kind: "message", parts: options.text === undefined ? [call] : [textPart(options.text), call] };
  },

  /** Thinking with its signature, followed by the parts of `then` (a text answer when given a string). */
  thinking(text: string, signature: string, then: MessageReply | string = "Done."): MessageReply {
    if (typeof signature !== "string" || signature === "") {
      throw new InvalidOptionError("reply.thinking(signature)", "a non-empty string", signature);
    }
    const rest = typeof then === "string" ? reply.text(then) : then;
    return { ...rest, parts: [{ type: "thinking", text, signature }, ...rest.parts] };
  },

  /** An HTTP error; 429s usually carry `retryAfter` seconds. */
  error(status: number, options: { message?: string; retryAfter?: number } = {}): ErrorReply {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new InvalidOptionError("reply.error(status)", "an HTTP error status from 400 to 599", status);
    }
    if (options.retryAfter !== undefined) requireNonNegativeInteger("retryAfter", options.retryAfter);
    return { kind: "error", status, ...options };
  },

  /** A 200 response whose body is not valid JSON. */
  malformed(body?: string): MalformedReply {
    return body === undefined ? { kind: "malformed" } : { kind: "malformed", body };
  },

  /** A stream that is cut (socket destroyed) after `afterEvents` SSE events of `message`. */
  brokenStream(
    afterEvents: number,
    message: MessageReply | string = "This answer is cut off",
  ): BrokenStreamReply {
    requireNonNegativeInteger("reply.brokenStream(afterEvents)", afterEvents);
    return {
      kind: "broken-stream",
      afterEvents,
      reply: typeof message === "string" ? reply.text(message) : message,
    };
  },
};

/** The neutral stop reason of a message reply. */
export function stopReasonOf(message: MessageReply): "end" | "tool_call" | "max_tokens" {
  if (message.stopReason !== undefined) return message.stopReason;
  return message.parts.some((part) => part.type === "tool_call") ? "tool_call" : "end";
}
