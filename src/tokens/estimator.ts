/**
 * The token estimator: o200k counts of neutral messages, tool definitions, system prompts and whole
 * conversations, memoised per message. A message object that was counted before is answered from a
 * `WeakMap` (no hashing); a new object with known content is answered from an LRU cache keyed by its content
 * hash ({@link hashMessage}); only content never seen before is tokenised. Messages are treated as immutable
 * once counted: edit a copy, not the object.
 *
 * @module
 */
import { LRUCache } from "lru-cache";
import { InvalidOptionError } from "../errors.js";
import { hashMessage, hashValue } from "../transcript/hash.js";
import type { Block, Conversation, Message, ToolDefinition } from "../transcript/types.js";
import {
  type CountingRules,
  countBlocksTokens,
  countBlockTokens,
  countMessageTokens,
  countToolTokens,
} from "./counting-rules.js";
import { o200kTokenizer, type TextTokenizer } from "./text-tokenizer.js";

/** Options of {@link createTokenEstimator}. */
export interface TokenEstimatorOptions {
  /**
   * Tokenizer for all text.
   * @default {@link o200kTokenizer} (OpenAI `o200k_base` via js-tiktoken, loaded on first use)
   */
  tokenizer?: TextTokenizer;
  /**
   * Most message, tool and system-prompt counts kept in the content-hash LRU cache.
   * @default 20000
   */
  cacheSize?: number;
  /**
   * Tokens assumed for any image, whatever its size. 1,600 is Anthropic's count for an image at its
   * recommended maximum (about 1.15 megapixels, width × height / 750); OpenAI bills a 1024 × 1024 high-detail
   * image 765 tokens. Erring high keeps thresholds from firing late.
   * @default 1600
   */
  imageTokens?: number;
  /**
   * Framing tokens per message (OpenAI: about 3). The system prompt counts as one message.
   * @default 3
   */
  messageOverhead?: number;
  /**
   * Tokens that prime the reply, added once per prompt (OpenAI: 3).
   * @default 3
   */
  replyPriming?: number;
  /**
   * Framing tokens per tool definition, on top of its name, description and JSON schema.
   * @default 8
   */
  toolDefinitionOverhead?: number;
}

/** Memoisation counters of an estimator, for benchmarks and diagnostics. */
export interface TokenEstimatorStats {
  /** Counts answered by object identity (no hashing, no tokenising). */
  identityHits: number;
  /** Counts answered from the content-hash LRU cache (hashed, not tokenised). */
  cacheHits: number;
  /** Counts that had to tokenise. */
  misses: number;
}

/** Counts tokens of neutral requests. Create one with {@link createTokenEstimator}. */
export interface TokenEstimator {
  /** Tokens of plain text (not memoised). */
  countText(text: string): number;
  /** Tokens of one block, framing of tool calls and results included (not memoised). */
  countBlock(block: Block): number;
  /** Tokens of one message, {@link TokenEstimatorOptions.messageOverhead} included; memoised. */
  countMessage(message: Message): number;
  /** Tokens of a prompt made of these messages: each message plus the reply priming, added once. */
  countMessages(messages: readonly Message[]): number;
  /** Tokens of a list of tool definitions; memoised per definition. */
  countTools(tools: readonly ToolDefinition[] | undefined): number;
  /** Tokens of a system prompt, counted as one message (0 when absent or empty); memoised. */
  countSystem(system: readonly Block[] | undefined): number;
  /** Tokens of a whole request: system prompt, tools, messages and reply priming. */
  countConversation(conversation: Conversation): number;
  /** Tokens that prime the reply, added once per prompt. */
  readonly replyPriming: number;
  /** Memoisation counters since creation. */
  stats(): TokenEstimatorStats;
}

function checkCount(field: string, value: number | undefined, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < minimum) {
    throw new InvalidOptionError(field, minimum > 0 ? "a positive integer" : "a non-negative integer", value);
  }
  return value;
}

/** Creates a memoising estimator. Estimators share nothing; share one across sessions to share its cache. */
export function createTokenEstimator(options: TokenEstimatorOptions = {}): TokenEstimator {
  if (options.tokenizer !== undefined && typeof options.tokenizer?.countTokens !== "function") {
    throw new InvalidOptionError("tokenizer", "an object with a countTokens(text) method", options.tokenizer);
  }
  const rules: CountingRules = {
    tokenizer: options.tokenizer ?? o200kTokenizer,
    imageTokens: checkCount("imageTokens", options.imageTokens, 1600, 0),
    messageOverhead: checkCount("messageOverhead", options.messageOverhead, 3, 0),
    toolDefinitionOverhead: checkCount("toolDefinitionOverhead", options.toolDefinitionOverhead, 8, 0),
  };
  const replyPriming = checkCount("replyPriming", options.replyPriming, 3, 0);
  const cache = new LRUCache<string, number>({ max: checkCount("cacheSize", options.cacheSize, 20_000, 1) });
  const byIdentity = new WeakMap<object, number>();
  const stats: TokenEstimatorStats = { identityHits: 0, cacheHits: 0, misses: 0 };

  /** Identity first, then content hash, then the counting function. */
  function memoised<T extends object>(item: T, key: (item: T) => string, count: (item: T) => number): number {
    const known = byIdentity.get(item);
    if (known !== undefined) {
      stats.identityHits += 1;
      return known;
    }
    const hash = key(item);
    let tokens = cache.get(hash);
    if (tokens === undefined) {
      stats.misses += 1;
      tokens = count(item);
      cache.set(hash, tokens);
    } else {
      stats.cacheHits += 1;
    }
    byIdentity.set(item, tokens);
    return tokens;
  }

  // The key and count functions are made once: a closure per call (counts are asked for every message of a
  // view, several times a call, and almost all are identity hits) is garbage for nothing.
  const messageKey = (item: Message) => `m:${hashMessage(item)}`;
  const messageCount = (item: Message) => countMessageTokens(item, rules);
  const countMessage = (message: Message): number => memoised(message, messageKey, messageCount);

  const toolKey = (item: ToolDefinition) => `t:${hashValue(item)}`;
  const toolCount = (item: ToolDefinition) => countToolTokens(item, rules);
  const countTool = (tool: ToolDefinition): number => memoised(tool, toolKey, toolCount);

  const countSystem = (system: readonly Block[] | undefined): number => {
    if (system === undefined || system.length === 0) return 0;
    return memoised(
      system,
      (item) => `s:${hashValue(item)}`,
      (item) => rules.messageOverhead + countBlocksTokens(item, rules),
    );
  };

  const countMessages = (messages: readonly Message[]): number => {
    let total = replyPriming;
    for (const message of messages) total += countMessage(message);
    return total;
  };

  const countTools = (tools: readonly ToolDefinition[] | undefined): number => {
    let total = 0;
    for (const tool of tools ?? []) total += countTool(tool);
    return total;
  };

  return {
    countText: (text) => rules.tokenizer.countTokens(text),
    countBlock: (block) => countBlockTokens(block, rules),
    countMessage,
    countMessages,
    countTools,
    countSystem,
    countConversation: (conversation) =>
      countSystem(conversation.system) +
      countTools(conversation.tools) +
      countMessages(conversation.messages),
    replyPriming,
    stats: () => ({ ...stats }),
  };
}

let defaultEstimator: TokenEstimator | undefined;

/** The process-wide estimator with default options, created on first use, so that sessions share one cache. */
export function getDefaultTokenEstimator(): TokenEstimator {
  defaultEstimator ??= createTokenEstimator();
  return defaultEstimator;
}
