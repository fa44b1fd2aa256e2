/**
 * The prompt of a request as the test server sees it: an ordered list of parts (tool definitions, system blocks,
 * message blocks or messages), each with a token count and, for Anthropic, its cache breakpoint. Token counts and
 * the prefix cache both work on this layout.
 *
 * @module
 */

import type { ProviderFormat } from "../transcript/types.js";

/** What {@link CountTokens} is told about the request a part belongs to. */
export interface TokenCountContext {
  provider: ProviderFormat;
  /** The parsed request body. */
  body: Record<string, unknown>;
}

/**
 * Counts the tokens of one prompt part (a tool definition, a system block, a message content block or a whole
 * message) or of one reply part. Must be deterministic.
 */
export type CountTokens = (part: unknown, context: TokenCountContext) => number;

/**
 * The default token count: `Math.ceil(JSON.stringify(part).length / 4)`, about four characters a token.
 * Deterministic and provider-independent, so tests can recompute it.
 */
export function estimateTokens(part: unknown): number {
  return Math.ceil((JSON.stringify(part) ?? "").length / 4);
}

/** One part of the prompt, in the provider's order (tools → system → messages). */
export interface PromptSegment {
  /** The part serialised as JSON without its `cache_control`: the unit of prefix matching. */
  key: string;
  tokens: number;
  /** Anthropic `cache_control` breakpoint set on this part, by TTL. */
  breakpoint?: "5m" | "1h";
}

/** A request's prompt, laid out for counting and caching. */
export interface PromptLayout {
  provider: ProviderFormat;
  model: string;
  segments: PromptSegment[];
  /** Sum of the segments' tokens: the whole prompt. */
  totalTokens: number;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function breakpointOf(value: unknown): "5m" | "1h" | undefined {
  if (!isObject(value) || !isObject(value.cache_control)) return undefined;
  return value.cache_control.ttl === "1h" ? "1h" : "5m";
}

function withoutCacheControl(value: unknown): unknown {
  if (!isObject(value) || !("cache_control" in value)) return value;
  const { cache_control: _removed, ...rest } = value;
  return rest;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function textBlocks(content: unknown): unknown[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : asArray(content);
}

/** The parts of a request body, in prompt order, each with its breakpoint when it has one. */
function partsOf(
  provider: ProviderFormat,
  body: JsonObject,
): Array<{ part: unknown; breakpoint?: "5m" | "1h" }> {
  const parts: Array<{ part: unknown; breakpoint?: "5m" | "1h" }> = [];
  const add = (source: unknown, part: unknown = withoutCacheControl(source)): void => {
    const breakpoint = provider === "anthropic" ? breakpointOf(source) : undefined;
    parts.push(breakpoint === undefined ? { part } : { part, breakpoint });
  };
  for (const tool of asArray(body.tools)) add(tool);
  if (provider === "anthropic") {
    for (const block of textBlocks(body.system)) add(block);
    for (const message of asArray(body.messages)) {
      const role = isObject(message) ? message.role : undefined;
      const content = isObject(message) ? message.content : undefined;
      for (const block of textBlocks(content)) add(block, { role, block: withoutCacheControl(block) });
    }
    const last = parts.at(-1);
    const automatic = breakpointOf(body);
    if (last !== undefined && automatic !== undefined && last.breakpoint === undefined)
      last.breakpoint = automatic;
  } else if (provider === "openai-chat") {
    for (const message of asArray(body.messages)) add(message);
  } else {
    if (body.instructions !== undefined && body.instructions !== null)
      add({ instructions: body.instructions });
    if (typeof body.input === "string") add({ role: "user", content: body.input });
    else for (const item of asArray(body.input)) add(item);
  }
  return parts;
}

/** Lays out the prompt of a request body and counts each part with `countTokens`. */
export function layoutPrompt(
  provider: ProviderFormat,
  body: JsonObject,
  countTokens: CountTokens,
): PromptLayout {
  const context: TokenCountContext = { provider, body };
  const segments = partsOf(provider, body).map(({ part, breakpoint }): PromptSegment => {
    const segment: PromptSegment = {
      key: JSON.stringify(part) ?? "null",
      tokens: countTokens(part, context),
    };
    if (breakpoint !== undefined) segment.breakpoint = breakpoint;
    return segment;
  });
  const totalTokens = segments.reduce((sum, segment) => sum + segment.tokens, 0);
  return { provider, model: typeof body.model === "string" ? body.model : "", segments, totalTokens };
}
