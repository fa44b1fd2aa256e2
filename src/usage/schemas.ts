/**
 * zod schemas of the usage objects the providers report, and the conversion of a zod failure into a
 * {@link ProviderFormatError} that names the field. Only the fields compactor reads are described; every
 * other field is allowed (`loose`), since providers add fields often.
 *
 * @module
 */
import { z } from "zod";
import { ProviderFormatError } from "../errors.js";

/** A token count: a non-negative integer. */
const count = z.number().int().nonnegative();
/** A token count that providers may omit or send as `null`. */
const optionalCount = count.nullish();

/** Anthropic `usage.cache_creation` (and LiteLLM's `cache_creation_token_details`). */
const cacheCreationSchema = z
  .object({ ephemeral_5m_input_tokens: optionalCount, ephemeral_1h_input_tokens: optionalCount })
  .loose()
  .nullish();

/** One entry of Anthropic `usage.iterations`. */
const iterationSchema = z
  .object({
    type: z.string(),
    input_tokens: optionalCount,
    output_tokens: optionalCount,
    cache_creation_input_tokens: optionalCount,
    cache_read_input_tokens: optionalCount,
    cache_creation: cacheCreationSchema,
  })
  .loose();

/** Anthropic Messages `usage` (SDK type `Usage`, beta `BetaUsage`). */
export const anthropicUsageSchema = z
  .object({
    input_tokens: count,
    output_tokens: count,
    cache_creation_input_tokens: optionalCount,
    cache_read_input_tokens: optionalCount,
    cache_creation: cacheCreationSchema,
    output_tokens_details: z.object({ thinking_tokens: optionalCount }).loose().nullish(),
    iterations: z.array(iterationSchema).nullish(),
  })
  .loose();

/** Anthropic usage as parsed by {@link anthropicUsageSchema}. */
export type AnthropicUsageShape = z.infer<typeof anthropicUsageSchema>;

/** OpenAI Chat Completions `usage` (SDK type `CompletionUsage`), with the OpenRouter and LiteLLM additions. */
export const openAIChatUsageSchema = z
  .object({
    prompt_tokens: count,
    completion_tokens: count,
    prompt_tokens_details: z
      .object({ cached_tokens: optionalCount, cache_write_tokens: optionalCount })
      .loose()
      .nullish(),
    completion_tokens_details: z.object({ reasoning_tokens: optionalCount }).loose().nullish(),
    /** OpenRouter: dollars billed for the call. */
    cost: z.number().nonnegative().nullish(),
    /** LiteLLM (Anthropic behind an OpenAI-shaped response). */
    cache_creation_input_tokens: optionalCount,
    cache_read_input_tokens: optionalCount,
    cache_creation_token_details: cacheCreationSchema,
    /** DeepSeek. */
    prompt_cache_hit_tokens: optionalCount,
  })
  .loose();

/** OpenAI chat usage as parsed by {@link openAIChatUsageSchema}. */
export type OpenAIChatUsageShape = z.infer<typeof openAIChatUsageSchema>;

/** OpenAI Responses `usage` (SDK type `ResponseUsage`). */
export const openAIResponsesUsageSchema = z
  .object({
    input_tokens: count,
    output_tokens: count,
    input_tokens_details: z
      .object({ cached_tokens: optionalCount, cache_write_tokens: optionalCount })
      .loose()
      .nullish(),
    output_tokens_details: z.object({ reasoning_tokens: optionalCount }).loose().nullish(),
  })
  .loose();

/** OpenAI Responses usage as parsed by {@link openAIResponsesUsageSchema}. */
export type OpenAIResponsesUsageShape = z.infer<typeof openAIResponsesUsageSchema>;

/** Appends zod path segments to a base path: `usage` + `["cache_creation", 0]` → `usage.cache_creation[0]`. */
export function joinPath(base: string, segments: ReadonlyArray<PropertyKey>): string {
  let path = base;
  for (const segment of segments) {
    path += typeof segment === "number" ? `[${segment}]` : `.${String(segment)}`;
  }
  return path;
}

function valueAt(value: unknown, segments: ReadonlyArray<PropertyKey>): unknown {
  let current = value;
  for (const segment of segments) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    return issue.expected === "object" ? "an object" : `a ${issue.expected}`;
  }
  if (issue.code === "too_small") return "a non-negative number";
  if (issue.code === "invalid_format" || issue.code === "not_multiple_of") return "an integer";
  return issue.message;
}

/**
 * Parses `value` with `schema`; on failure throws a {@link ProviderFormatError} naming the first bad field
 * under `path` (e.g. `usage.prompt_tokens_details.cached_tokens`), what was expected and what was got.
 */
export function parseUsageShape<Shape>(schema: z.ZodType<Shape>, value: unknown, path: string): Shape {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new ProviderFormatError(path, "a usage object", value);
  const received = valueAt(value, issue.path);
  const fieldPath = joinPath(path, issue.path);
  if (received === undefined)
    throw new ProviderFormatError(fieldPath, `${describeIssue(issue)}, but it is missing`);
  throw new ProviderFormatError(fieldPath, describeIssue(issue), received);
}
