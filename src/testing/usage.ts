/**
 * Usage the test server computes for a call, and its rendering in each provider's usage shape.
 *
 * @module
 */

import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import type { CacheUsage } from "./prefix-cache.js";
import type { CountTokens, PromptLayout, TokenCountContext } from "./prompt.js";
import type { ServerUsage } from "./recorded-request.js";
import type { MessageReply } from "./reply.js";

/** Output and reasoning tokens of a reply: its `outputTokens` if set, else `countTokens` over its parts. */
export function countReplyTokens(
  message: MessageReply,
  countTokens: CountTokens,
  context: TokenCountContext,
): { outputTokens: number; reasoningTokens: number } {
  let counted = 0;
  let reasoningTokens = 0;
  for (const part of message.parts) {
    const tokens = countTokens(part, context);
    counted += tokens;
    if (part.type === "thinking") reasoningTokens += tokens;
  }
  const outputTokens = message.outputTokens ?? counted;
  return { outputTokens, reasoningTokens: Math.min(reasoningTokens, outputTokens) };
}

/** Combines the prompt size, what the cache read and wrote, and the output into a {@link ServerUsage}. */
export function combineUsage(
  prompt: PromptLayout,
  cache: CacheUsage,
  output: { outputTokens: number; reasoningTokens: number },
): ServerUsage {
  const cached = cache.readTokens + cache.write5mTokens + cache.write1hTokens;
  return {
    promptTokens: prompt.totalTokens,
    inputTokens: Math.max(0, prompt.totalTokens - cached),
    cacheReadTokens: cache.readTokens,
    cacheWrite5mTokens: cache.write5mTokens,
    cacheWrite1hTokens: cache.write1hTokens,
    outputTokens: output.outputTokens,
    reasoningTokens: output.reasoningTokens,
  };
}

/** Anthropic `usage`: `input_tokens` excludes cache reads and writes. */
export function toAnthropicUsage(usage: ServerUsage): Anthropic.Usage {
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cacheWrite5mTokens,
      ephemeral_1h_input_tokens: usage.cacheWrite1hTokens,
    },
    output_tokens: usage.outputTokens,
    output_tokens_details: usage.reasoningTokens > 0 ? { thinking_tokens: usage.reasoningTokens } : null,
    server_tool_use: null,
    service_tier: "standard",
    inference_geo: null,
    speed: null,
  };
}

/**
 * OpenAI Chat Completions `usage`: `prompt_tokens` includes the cached tokens; cache writes (GPT-5.6 and later)
 * are reported as `cache_write_tokens`.
 */
export function toChatUsage(usage: ServerUsage): OpenAI.CompletionUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.promptTokens + usage.outputTokens,
    prompt_tokens_details: {
      cached_tokens: usage.cacheReadTokens,
      cache_write_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
      audio_tokens: 0,
    },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** OpenAI Responses `usage`: `input_tokens` includes the cached tokens. */
export function toResponsesUsage(usage: ServerUsage): OpenAI.Responses.ResponseUsage {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: {
      cached_tokens: usage.cacheReadTokens,
      cache_write_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
    },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.promptTokens + usage.outputTokens,
  };
}
