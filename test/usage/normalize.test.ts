import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProviderFormatError } from "../../src/errors.js";
import {
  addUsage,
  emptyUsage,
  promptTokensOf,
  usageFromAnthropic,
  usageFromOpenAIChat,
  usageFromOpenAIResponses,
} from "../../src/usage/index.js";

/** Copied from claude-code/marot-spotter/8463c716-…jsonl (Claude Code 2.1.39, claude-opus-4-6). */
const claudeCodeOneHourUsage = {
  input_tokens: 3,
  cache_creation_input_tokens: 8052,
  cache_read_input_tokens: 17842,
  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 8052 },
  output_tokens: 10,
  service_tier: "standard",
  inference_geo: "not_available",
};

/** Copied from claude-code/sniffly (Claude Code 1.0.17): no `cache_creation` split. */
const claudeCodeUnsplitUsage = {
  input_tokens: 4,
  cache_creation_input_tokens: 3877,
  cache_read_input_tokens: 10215,
  output_tokens: 5,
  service_tier: "standard",
};

/** Copied from mini-swe-agent/django__django-11603.traj.json (OpenRouter, Gemini 3 Pro). */
const openRouterUsage = {
  prompt_tokens: 4135,
  completion_tokens: 882,
  total_tokens: 5017,
  cost: 0.0152126,
  is_byok: false,
  prompt_tokens_details: { cached_tokens: 2023, audio_tokens: 0, video_tokens: 0 },
  cost_details: { upstream_inference_cost: null, upstream_inference_prompt_cost: 0.0046286 },
  completion_tokens_details: { reasoning_tokens: 0, image_tokens: 0 },
};

/** Shape of openhands/multi-swe-bench model_response.usage: details are `null`. */
const openHandsUsage = {
  completion_tokens: 128,
  prompt_tokens: 5920,
  total_tokens: 6048,
  completion_tokens_details: null,
  prompt_tokens_details: null,
};

describe("usageFromAnthropic", () => {
  it("keeps input_tokens apart from cache reads and 1h cache writes", () => {
    expect(usageFromAnthropic(claudeCodeOneHourUsage)).toEqual({
      inputTokens: 3,
      cacheReadTokens: 17842,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 8052,
      outputTokens: 10,
      reasoningTokens: 0,
    });
  });

  it("counts every cache write as 5m when the split is absent", () => {
    const usage = usageFromAnthropic(claudeCodeUnsplitUsage);
    expect(usage.cacheWrite5mTokens).toBe(3877);
    expect(usage.cacheWrite1hTokens).toBe(0);
    expect(promptTokensOf(usage)).toBe(4 + 3877 + 10215);
  });

  it("reads null cache fields (SDK types allow null) as zero", () => {
    const usage = usageFromAnthropic({
      input_tokens: 12,
      output_tokens: 3,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      cache_creation: null,
    });
    expect(promptTokensOf(usage)).toBe(12);
  });

  it("adds server-side compaction iterations, which the top-level counts leave out", () => {
    const usage = usageFromAnthropic({
      input_tokens: 900,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 4000,
      output_tokens: 300,
      iterations: [
        {
          type: "compaction",
          input_tokens: 150000,
          output_tokens: 2500,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
          cache_creation: null,
        },
        {
          type: "message",
          input_tokens: 900,
          output_tokens: 300,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 4000,
          cache_creation: null,
          model: "claude-opus-4-6",
        },
      ],
    });
    expect(usage.inputTokens).toBe(150900);
    expect(usage.outputTokens).toBe(2800);
    expect(usage.cacheWrite5mTokens).toBe(4000);
  });

  it("takes the reasoning share from output_tokens_details.thinking_tokens", () => {
    const usage = usageFromAnthropic({
      input_tokens: 10,
      output_tokens: 500,
      output_tokens_details: { thinking_tokens: 420 },
    });
    expect(usage.reasoningTokens).toBe(420);
    expect(usage.outputTokens).toBe(500);
  });

  it("names the field when a count is missing or has the wrong type", () => {
    expect(() => usageFromAnthropic({ output_tokens: 1 })).toThrow(ProviderFormatError);
    expect(() => usageFromAnthropic({ output_tokens: 1 })).toThrow(/usage\.input_tokens/);
    try {
      usageFromAnthropic(
        { input_tokens: 1, output_tokens: 1, cache_creation: { ephemeral_1h_input_tokens: "7" } },
        "$.message.usage",
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderFormatError);
      expect((error as ProviderFormatError).path).toBe(
        "$.message.usage.cache_creation.ephemeral_1h_input_tokens",
      );
      expect((error as ProviderFormatError).message).toContain('"7"');
    }
    expect(() => usageFromAnthropic(null)).toThrow(/expected an object/);
    expect(() => usageFromAnthropic({ input_tokens: -1, output_tokens: 0 })).toThrow(/non-negative/);
  });
});

describe("usageFromOpenAIChat", () => {
  it("subtracts cached tokens from prompt_tokens and keeps OpenRouter's cost", () => {
    expect(usageFromOpenAIChat(openRouterUsage)).toEqual({
      inputTokens: 4135 - 2023,
      cacheReadTokens: 2023,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 882,
      reasoningTokens: 0,
      reportedCostUsd: 0.0152126,
    });
  });

  it("accepts null token details", () => {
    const usage = usageFromOpenAIChat(openHandsUsage);
    expect(usage.inputTokens).toBe(5920);
    expect(usage.outputTokens).toBe(128);
    expect(usage.reportedCostUsd).toBeUndefined();
  });

  it("counts reasoning tokens inside the output", () => {
    const usage = usageFromOpenAIChat({
      prompt_tokens: 2090,
      completion_tokens: 220,
      completion_tokens_details: { reasoning_tokens: 159 },
    });
    expect(usage.outputTokens).toBe(220);
    expect(usage.reasoningTokens).toBe(159);
  });

  it("adds reasoning to the output when a route left it out of completion_tokens (reasoning > completion)", () => {
    // mini-swe-agent/django__django-11749.traj.json, Gemini 3 Pro through LiteLLM, first call.
    const usage = usageFromOpenAIChat({
      prompt_tokens: 1823,
      completion_tokens: 74,
      total_tokens: 1897,
      completion_tokens_details: { accepted_prediction_tokens: null, audio_tokens: 0, reasoning_tokens: 201 },
      prompt_tokens_details: { audio_tokens: 0, cached_tokens: 0 },
    });
    expect(usage.outputTokens).toBe(275);
    expect(usage.reasoningTokens).toBe(201);
  });

  it("reads GPT-5.6 cache_write_tokens as 5m writes inside prompt_tokens", () => {
    const usage = usageFromOpenAIChat({
      prompt_tokens: 10000,
      completion_tokens: 50,
      prompt_tokens_details: { cached_tokens: 6000, cache_write_tokens: 3000 },
    });
    expect(usage).toMatchObject({ inputTokens: 1000, cacheReadTokens: 6000, cacheWrite5mTokens: 3000 });
    expect(promptTokensOf(usage)).toBe(10000);
  });

  it("does not double count LiteLLM logs that carry both OpenAI and Anthropic cache fields", () => {
    // LiteLLM's Anthropic transformation: prompt_tokens = input + cache_creation + cache_read; cached_tokens = cache_read.
    const usage = usageFromOpenAIChat({
      prompt_tokens: 7 + 1200 + 18000,
      completion_tokens: 90,
      prompt_tokens_details: { cached_tokens: 18000, audio_tokens: null },
      cache_creation_input_tokens: 1200,
      cache_read_input_tokens: 18000,
    });
    expect(usage).toMatchObject({ inputTokens: 7, cacheReadTokens: 18000, cacheWrite5mTokens: 1200 });
    expect(promptTokensOf(usage)).toBe(19207);
  });

  it("splits LiteLLM cache writes by cache_creation_token_details", () => {
    const usage = usageFromOpenAIChat({
      prompt_tokens: 5000,
      completion_tokens: 1,
      cache_creation_input_tokens: 4000,
      cache_creation_token_details: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 3000 },
    });
    expect(usage).toMatchObject({ inputTokens: 1000, cacheWrite5mTokens: 1000, cacheWrite1hTokens: 3000 });
  });

  it("reads DeepSeek's prompt_cache_hit_tokens as cache reads", () => {
    const usage = usageFromOpenAIChat({
      prompt_tokens: 900,
      completion_tokens: 10,
      prompt_cache_hit_tokens: 640,
      prompt_cache_miss_tokens: 260,
    });
    expect(usage).toMatchObject({ inputTokens: 260, cacheReadTokens: 640 });
  });

  it("rejects cached tokens larger than the prompt, naming prompt_tokens", () => {
    expect(() =>
      usageFromOpenAIChat({
        prompt_tokens: 10,
        completion_tokens: 1,
        prompt_tokens_details: { cached_tokens: 11 },
      }),
    ).toThrow(/usage\.prompt_tokens/);
  });

  it("names the field of a malformed usage", () => {
    expect(() => usageFromOpenAIChat({ completion_tokens: 1 }, "$.messages[2].extra.response.usage")).toThrow(
      /\$\.messages\[2\]\.extra\.response\.usage\.prompt_tokens: expected a number, but it is missing/,
    );
    expect(() => usageFromOpenAIChat({ prompt_tokens: 1, completion_tokens: 1.5 })).toThrow(
      /completion_tokens/,
    );
  });

  it("keeps promptTokensOf equal to prompt_tokens for any consistent usage", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.nat(1_000_000),
        fc.nat(1_000_000),
        fc.nat(100_000),
        (input, cached, written, output) => {
          const usage = usageFromOpenAIChat({
            prompt_tokens: input + cached + written,
            completion_tokens: output,
            prompt_tokens_details: { cached_tokens: cached, cache_write_tokens: written },
          });
          return promptTokensOf(usage) === input + cached + written && usage.inputTokens === input;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("usageFromOpenAIResponses", () => {
  it("subtracts cached tokens from input_tokens and keeps reasoning inside output", () => {
    const usage = usageFromOpenAIResponses({
      input_tokens: 3200,
      input_tokens_details: { cached_tokens: 2048, cache_write_tokens: 0 },
      output_tokens: 700,
      output_tokens_details: { reasoning_tokens: 512 },
      total_tokens: 3900,
    });
    expect(usage).toEqual({
      inputTokens: 1152,
      cacheReadTokens: 2048,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 700,
      reasoningTokens: 512,
    });
  });

  it("names input_tokens_details.cached_tokens when it is not a number", () => {
    expect(() =>
      usageFromOpenAIResponses({
        input_tokens: 1,
        output_tokens: 1,
        input_tokens_details: { cached_tokens: "x" },
      }),
    ).toThrow(/usage\.input_tokens_details\.cached_tokens/);
  });
});

describe("promptTokensOf and addUsage", () => {
  it("sums disjoint prompt counts", () => {
    expect(promptTokensOf(usageFromAnthropic(claudeCodeOneHourUsage))).toBe(3 + 8052 + 17842);
    expect(promptTokensOf(emptyUsage())).toBe(0);
  });

  it("adds usages field by field and sums reported costs", () => {
    const sum = addUsage(usageFromOpenAIChat(openRouterUsage), usageFromOpenAIChat(openHandsUsage));
    expect(sum.inputTokens).toBe(4135 - 2023 + 5920);
    expect(sum.outputTokens).toBe(882 + 128);
    expect(sum.reportedCostUsd).toBeCloseTo(0.0152126, 10);
    expect(addUsage(emptyUsage(), emptyUsage()).reportedCostUsd).toBeUndefined();
  });
});
