/**
 * Pure converters from the usage objects providers report to the neutral {@link Usage}, whose prompt counts
 * are disjoint: `promptTokens = inputTokens + cacheReadTokens + cacheWrite5mTokens + cacheWrite1hTokens`.
 *
 * - Anthropic reports `input_tokens` WITHOUT the cache tokens, and server-side compaction under
 *   `usage.iterations` (entries of type `compaction`) outside the top-level counts.
 * - OpenAI reports `prompt_tokens` / `input_tokens` WITH the cached tokens included.
 *
 * Each converter throws a {@link ProviderFormatError} naming the field when the object has the wrong shape.
 *
 * @module
 */
import { ProviderFormatError } from "../errors.js";
import type { Usage } from "../transcript/types.js";
import {
  type AnthropicUsageShape,
  anthropicUsageSchema,
  openAIChatUsageSchema,
  openAIResponsesUsageSchema,
  parseUsageShape,
} from "./schemas.js";

/** A usage with every count zero. */
export function emptyUsage(): Usage {
  return {
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
  };
}

/** Every prompt token of a call: uncached input, cache reads and cache writes of both lifetimes. */
export function promptTokensOf(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

/** The sum of two usages; `reportedCostUsd` is summed when either side has it. */
export function addUsage(left: Usage, right: Usage): Usage {
  const sum: Usage = {
    inputTokens: left.inputTokens + right.inputTokens,
    cacheReadTokens: left.cacheReadTokens + right.cacheReadTokens,
    cacheWrite5mTokens: left.cacheWrite5mTokens + right.cacheWrite5mTokens,
    cacheWrite1hTokens: left.cacheWrite1hTokens + right.cacheWrite1hTokens,
    outputTokens: left.outputTokens + right.outputTokens,
    reasoningTokens: left.reasoningTokens + right.reasoningTokens,
  };
  if (left.reportedCostUsd !== undefined || right.reportedCostUsd !== undefined) {
    sum.reportedCostUsd = (left.reportedCostUsd ?? 0) + (right.reportedCostUsd ?? 0);
  }
  return sum;
}

const isCount = (value: unknown): boolean => typeof value === "number" && Number.isInteger(value) && value >= 0;
const isOptionalCount = (value: unknown): boolean => value === undefined || value === null || isCount(value);
const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The usage every Anthropic response carries (counts, an optional cache-write split, no iterations), checked
 * field by field without zod: the common case on every call. Anything else (or anything malformed) returns
 * undefined and goes through the schema, which names the bad field.
 */
function plainAnthropicUsage(usage: unknown): AnthropicUsageShape | undefined {
  if (!isPlainRecord(usage)) return undefined;
  if (!isCount(usage.input_tokens) || !isCount(usage.output_tokens)) return undefined;
  if (!isOptionalCount(usage.cache_creation_input_tokens) || !isOptionalCount(usage.cache_read_input_tokens))
    return undefined;
  const split = usage.cache_creation;
  if (split !== undefined && split !== null) {
    if (!isPlainRecord(split)) return undefined;
    if (!isOptionalCount(split.ephemeral_5m_input_tokens) || !isOptionalCount(split.ephemeral_1h_input_tokens))
      return undefined;
  }
  const details = usage.output_tokens_details;
  if (details !== undefined && details !== null && !(isPlainRecord(details) && isOptionalCount(details.thinking_tokens)))
    return undefined;
  if (usage.iterations !== undefined && usage.iterations !== null) return undefined;
  return usage as AnthropicUsageShape;
}

interface CacheWriteSplit {
  ephemeral_5m_input_tokens?: number | null;
  ephemeral_1h_input_tokens?: number | null;
}

/**
 * Splits a cache-write total into its 5-minute and 1-hour parts. Without a split every write is 5m; a total
 * larger than the split's sum puts the remainder in 5m (Anthropic's default lifetime).
 */
function splitCacheWrites(total: number, split: CacheWriteSplit | null | undefined): [number, number] {
  if (split === undefined || split === null) return [total, 0];
  const oneHour = split.ephemeral_1h_input_tokens ?? 0;
  const fiveMinutes = split.ephemeral_5m_input_tokens ?? 0;
  return [Math.max(fiveMinutes, total - oneHour), oneHour];
}

/**
 * Converts an Anthropic Messages `usage` (as in `message.usage`, Claude Code logs, or the SDK `Usage` type).
 *
 * `input_tokens` already excludes cache tokens. `cache_creation.ephemeral_5m_input_tokens` /
 * `ephemeral_1h_input_tokens` split the writes (all writes are 5m when the split is absent).
 * `output_tokens_details.thinking_tokens` is the reasoning share. Entries of `usage.iterations` with type
 * `compaction` (server-side compaction) are not in the top-level counts and are added to them.
 *
 * @param usage - the provider's usage object.
 * @param path - where the object sits, for error messages.
 * @defaultValue path `"usage"`
 */
export function usageFromAnthropic(usage: unknown, path = "usage"): Usage {
  const shape = plainAnthropicUsage(usage) ?? parseUsageShape(anthropicUsageSchema, usage, path);
  const writeTotal = shape.cache_creation_input_tokens ?? 0;
  const [write5m, write1h] = splitCacheWrites(writeTotal, shape.cache_creation);
  let result: Usage = {
    inputTokens: shape.input_tokens,
    cacheReadTokens: shape.cache_read_input_tokens ?? 0,
    cacheWrite5mTokens: write5m,
    cacheWrite1hTokens: write1h,
    outputTokens: shape.output_tokens,
    reasoningTokens: shape.output_tokens_details?.thinking_tokens ?? 0,
  };
  for (const iteration of shape.iterations ?? []) {
    if (iteration.type !== "compaction") continue;
    const iterationWrites = splitCacheWrites(
      iteration.cache_creation_input_tokens ?? 0,
      iteration.cache_creation,
    );
    result = addUsage(result, {
      inputTokens: iteration.input_tokens ?? 0,
      cacheReadTokens: iteration.cache_read_input_tokens ?? 0,
      cacheWrite5mTokens: iterationWrites[0],
      cacheWrite1hTokens: iterationWrites[1],
      outputTokens: iteration.output_tokens ?? 0,
      reasoningTokens: 0,
    });
  }
  return result;
}

/**
 * Converts an OpenAI Chat Completions `usage` (SDK type `CompletionUsage`), including the shapes of
 * OpenRouter, LiteLLM and DeepSeek.
 *
 * `prompt_tokens` INCLUDES `prompt_tokens_details.cached_tokens` and `cache_write_tokens` (GPT-5.6+), so
 * `inputTokens = prompt_tokens - cached - writes`. `completion_tokens` includes
 * `completion_tokens_details.reasoning_tokens` (when a route reports more reasoning than completion tokens,
 * it evidently left reasoning out, and the two are added). OpenRouter's `cost` becomes `reportedCostUsd`.
 * LiteLLM logs of Anthropic calls carry both `cached_tokens` and `cache_read_input_tokens` (the same reads)
 * plus `cache_creation_input_tokens`, all inside `prompt_tokens`: each is counted once.
 *
 * @param usage - the provider's usage object.
 * @param path - where the object sits, for error messages.
 * @defaultValue path `"usage"`
 */
export function usageFromOpenAIChat(usage: unknown, path = "usage"): Usage {
  const shape = parseUsageShape(openAIChatUsageSchema, usage, path);
  const details = shape.prompt_tokens_details;
  const cacheRead = Math.max(
    details?.cached_tokens ?? 0,
    shape.cache_read_input_tokens ?? 0,
    shape.prompt_cache_hit_tokens ?? 0,
  );
  const writeTotal = Math.max(details?.cache_write_tokens ?? 0, shape.cache_creation_input_tokens ?? 0);
  const [write5m, write1h] = splitCacheWrites(writeTotal, shape.cache_creation_token_details);
  const inputTokens = shape.prompt_tokens - cacheRead - writeTotal;
  if (inputTokens < 0) {
    throw new ProviderFormatError(
      `${path}.prompt_tokens`,
      `at least the cached plus cache-write tokens (${cacheRead + writeTotal}), since OpenAI counts them inside prompt_tokens`,
      shape.prompt_tokens,
    );
  }
  const reasoning = shape.completion_tokens_details?.reasoning_tokens ?? 0;
  const result: Usage = {
    inputTokens,
    cacheReadTokens: cacheRead,
    cacheWrite5mTokens: write5m,
    cacheWrite1hTokens: write1h,
    // Some routes (Gemini through older LiteLLM) leave reasoning out of completion_tokens; reasoning larger
    // than completion_tokens can only be read that way, and reasoning is billed as output.
    outputTokens:
      reasoning > shape.completion_tokens ? shape.completion_tokens + reasoning : shape.completion_tokens,
    reasoningTokens: reasoning,
  };
  if (typeof shape.cost === "number") result.reportedCostUsd = shape.cost;
  return result;
}

/**
 * Converts an OpenAI Responses `usage` (SDK type `ResponseUsage`).
 *
 * `input_tokens` INCLUDES `input_tokens_details.cached_tokens` and `cache_write_tokens`;
 * `output_tokens` includes `output_tokens_details.reasoning_tokens`.
 *
 * @param usage - the provider's usage object.
 * @param path - where the object sits, for error messages.
 * @defaultValue path `"usage"`
 */
export function usageFromOpenAIResponses(usage: unknown, path = "usage"): Usage {
  const shape = parseUsageShape(openAIResponsesUsageSchema, usage, path);
  const cacheRead = shape.input_tokens_details?.cached_tokens ?? 0;
  const writes = shape.input_tokens_details?.cache_write_tokens ?? 0;
  const inputTokens = shape.input_tokens - cacheRead - writes;
  if (inputTokens < 0) {
    throw new ProviderFormatError(
      `${path}.input_tokens`,
      `at least the cached plus cache-write tokens (${cacheRead + writes}), since OpenAI counts them inside input_tokens`,
      shape.input_tokens,
    );
  }
  return {
    inputTokens,
    cacheReadTokens: cacheRead,
    cacheWrite5mTokens: writes,
    cacheWrite1hTokens: 0,
    outputTokens: shape.output_tokens,
    reasoningTokens: shape.output_tokens_details?.reasoning_tokens ?? 0,
  };
}
