/**
 * Anthropic cache breakpoints on what compactor sends. A checkpoint's replacement is sent without the
 * breakpoints its messages once carried (they moved on long ago), with one breakpoint of its own at its end so
 * the compacted prefix is cached; and a request that carries no breakpoint at all gets the usual ones (end of
 * the system prompt, last message), so users who never set up caching get it.
 *
 * @module
 */
import type { Block, Message } from "../transcript/types.js";

/** The API's limit. */
export const maximumBreakpoints = 4;

function stripBlock(block: Block): Block {
  if (block.type === "tool_result") {
    const content = block.content.map((part) =>
      part.type === "opaque" ? part : stripBlock(part),
    ) as typeof block.content;
    const { cacheControl: _cacheControl, ...rest } = block;
    return { ...rest, content };
  }
  if ("cacheControl" in block && block.cacheControl !== undefined) {
    const { cacheControl: _cacheControl, ...rest } = block;
    return rest as Block;
  }
  return block;
}

/** Copies of the messages without any `cacheControl`. */
export function stripCacheControl(messages: readonly Message[]): Message[] {
  return messages.map((message) => ({ ...message, content: message.content.map(stripBlock) }));
}

function countInItem(item: unknown): number {
  if (typeof item !== "object" || item === null) return 0;
  const record = item as Record<string, unknown>;
  return (record.cache_control ? 1 : 0) + countIn(record.content);
}

function countIn(value: unknown): number {
  if (!Array.isArray(value)) return 0;
  let count = 0;
  for (const item of value) count += countInItem(item);
  return count;
}

/**
 * Breakpoints a request carries in its system prompt, tools and the given messages (and the top-level one).
 * Messages are read from the last one back, and counting stops once `limit` is reached: breakpoints sit near
 * the end of a conversation, so the usual question ("any at all?", "a slot free?") is answered without
 * walking a long history.
 *
 * @param limit - Stop counting at this many. @default no limit (the exact count)
 */
export function countBreakpoints(
  params: Record<string, unknown>,
  messages: readonly unknown[],
  limit = Number.POSITIVE_INFINITY,
): number {
  let count = (params.cache_control ? 1 : 0) + countIn(params.system) + countIn(params.tools);
  for (let index = messages.length - 1; index >= 0 && count < limit; index--) {
    count += countInItem(messages[index]);
  }
  return count;
}

/** What the `cache_control` markers found by {@link scanCacheMarkers} say. */
export interface CacheMarkers {
  /** At least one marker. */
  any: boolean;
  /** A marker with `ttl: "1h"`. */
  hour: boolean;
  /** A marker with `ttl: "5m"` written out. */
  fiveMinutes: boolean;
}

function scanInto(value: unknown, found: CacheMarkers): void {
  if (Array.isArray(value)) {
    for (const item of value) scanInto(item, found);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const record = value as Record<string, unknown>;
  const control = record.cache_control;
  if (control !== undefined && control !== null) {
    found.any = true;
    const ttl = typeof control === "object" ? (control as { ttl?: unknown }).ttl : undefined;
    if (ttl === "1h") found.hour = true;
    else if (ttl === "5m") found.fiveMinutes = true;
  }
  if (Array.isArray(record.content)) scanInto(record.content, found);
}

/**
 * The `cache_control` markers of Anthropic request parts (system blocks, tool definitions, messages and their
 * blocks, a tool result's own blocks), read in place: no serialisation, and tool inputs are not searched.
 * Pass a top-level marker as `{ cache_control: params.cache_control }`.
 */
export function scanCacheMarkers(...parts: readonly unknown[]): CacheMarkers {
  const found: CacheMarkers = { any: false, hour: false, fiveMinutes: false };
  for (const part of parts) scanInto(part, found);
  return found;
}

/** A breakpoint's marker: the default 5-minute entry, or a 1-hour one. */
function marker(ttl: "5m" | "1h"): Record<string, string> {
  return ttl === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" };
}

function hasHourIn(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  const control = record.cache_control as Record<string, unknown> | undefined;
  if (typeof control === "object" && control !== null && control.ttl === "1h") return true;
  if (Array.isArray(record.content)) for (const part of record.content) if (hasHourIn(part)) return true;
  return false;
}

/**
 * The TTL a breakpoint placed before message `from` must have: 1h when a 1-hour breakpoint follows it (the API
 * requires longer-lived entries first and rejects a 5m entry before a 1h one), else the default 5m.
 */
export function ttlBefore(params: Record<string, unknown>, messages: readonly unknown[], from: number): "5m" | "1h" {
  if (hasHourIn({ cache_control: params.cache_control })) return "1h";
  for (let index = from; index < messages.length; index++) if (hasHourIn(messages[index])) return "1h";
  return "5m";
}

function markLast(content: unknown, ttl: "5m" | "1h" = "5m"): unknown {
  if (typeof content === "string") return [{ type: "text", text: content, cache_control: marker(ttl) }];
  if (!Array.isArray(content) || content.length === 0) return content;
  const last = content.at(-1) as Record<string, unknown>;
  if (
    typeof last !== "object" ||
    last === null ||
    last.type === "thinking" ||
    last.type === "redacted_thinking"
  )
    return content;
  return [...content.slice(0, -1), { ...last, cache_control: marker(ttl) }];
}

/** A shallow copy of a raw Anthropic message with a breakpoint on its last block. */
export function withBreakpoint(message: unknown, ttl: "5m" | "1h" = "5m"): unknown {
  if (typeof message !== "object" || message === null) return message;
  const record = message as Record<string, unknown>;
  return { ...record, content: markLast(record.content, ttl) };
}

/** The replacement's last message with its breakpoint, by message object and TTL (see below). */
const replacementEnds = new WeakMap<object, { "5m"?: unknown; "1h"?: unknown }>();

/**
 * {@link withBreakpoint} for the last message of a checkpoint's replacement: compactor's own object, the same on
 * every call of the session and never changed, so its marked copy is made once and is the very same object on
 * every call (whose JSON the proxy then serialises once, not per call).
 */
function replacementEndWithBreakpoint(message: unknown, ttl: "5m" | "1h"): unknown {
  if (typeof message !== "object" || message === null) return message;
  let byTtl = replacementEnds.get(message);
  if (byTtl === undefined) {
    byTtl = {};
    replacementEnds.set(message, byTtl);
  }
  if (!(ttl in byTtl)) byTtl[ttl] = withBreakpoint(message, ttl);
  return byTtl[ttl];
}

/**
 * Adds breakpoints to an Anthropic request about to be sent: at the end of the replacement (when there is one
 * and a slot is free; a 1-hour entry when a 1-hour breakpoint follows it), and, with `whenNone`, when the request
 * has none at all, on the system prompt and the last message too.
 * Returns the params unchanged when nothing is added. `messages[replacementLength - 1]` must be the replacement's
 * own object, never changed once made (its marked copy is memoised by object).
 */
export function placeBreakpoints(
  params: Record<string, unknown>,
  messages: unknown[],
  replacementLength: number,
  whenNone = true,
): Record<string, unknown> {
  // Only "none at all?" matters unless a replacement needs a slot (then: fewer than the maximum?).
  let used = countBreakpoints(params, messages, replacementLength > 0 ? maximumBreakpoints : 1);
  const none = used === 0;
  let changed = false;
  // Copied only when a message is marked: an unchanged request costs nothing proportional to its history.
  let sent: unknown[] = messages;
  let system = params.system;
  if (replacementLength > 0 && replacementLength < messages.length && used < maximumBreakpoints) {
    sent = [...messages];
    // Never a 5-minute entry before a 1-hour one the agent placed later in the prompt.
    sent[replacementLength - 1] = replacementEndWithBreakpoint(
      sent[replacementLength - 1],
      ttlBefore(params, messages, replacementLength),
    );
    used++;
    changed = true;
  }
  if (none && whenNone) {
    if (system !== undefined && system !== "" && used < maximumBreakpoints) {
      system = markLast(system);
      used++;
      changed = true;
    }
    if (messages.length > 0 && used < maximumBreakpoints) {
      if (sent === messages) sent = [...messages];
      sent[sent.length - 1] = withBreakpoint(sent.at(-1));
      changed = true;
    }
  }
  if (!changed) return params;
  return { ...params, ...(system !== undefined ? { system } : {}), messages: sent };
}
