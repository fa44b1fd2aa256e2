import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import { costOfCall, createPriceTable, uncachedCostOfCall } from "../../src/pricing/index.js";
import type { Usage } from "../../src/transcript/types.js";

const at = { timestamp: new Date("2026-11-01T12:00:00Z") };

function usage(counts: Partial<Usage>): Usage {
  return {
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    ...counts,
  };
}

describe("costOfCall", () => {
  it("prices each kind of token at its own rate", () => {
    const cost = costOfCall(
      "claude-sonnet-4-5",
      usage({
        inputTokens: 1000,
        cacheReadTokens: 20_000,
        cacheWrite5mTokens: 3000,
        cacheWrite1hTokens: 500,
        outputTokens: 400,
      }),
      at,
    );
    expect(cost.known).toBe(true);
    expect(cost.breakdown?.input).toBeCloseTo(0.003, 12);
    expect(cost.breakdown?.cacheRead).toBeCloseTo(0.006, 12);
    expect(cost.breakdown?.cacheWrite5m).toBeCloseTo(0.01125, 12);
    expect(cost.breakdown?.cacheWrite1h).toBeCloseTo(0.003, 12);
    expect(cost.breakdown?.output).toBeCloseTo(0.006, 12);
    expect(cost.costUsd).toBeCloseTo(0.02925, 12);
    expect(cost.tierAboveInputTokens).toBeNull();
    expect(cost.pricedAs).toBe("claude-sonnet-4-5");
  });

  it("bills every token of a request above 200k prompt tokens at Sonnet 4.5's tier, cache tokens counted", () => {
    // 150k read + 60k input = 210k prompt tokens: over the threshold although input alone is not.
    const cost = costOfCall(
      "claude-sonnet-4-5",
      usage({ inputTokens: 60_000, cacheReadTokens: 150_000, outputTokens: 1000 }),
      at,
    );
    expect(cost.tierAboveInputTokens).toBe(200_000);
    expect(cost.costUsd).toBeCloseTo(60_000 * 6e-6 + 150_000 * 0.6e-6 + 1000 * 22.5e-6, 12);
  });

  it("keeps base rates for a prompt of exactly the threshold", () => {
    const cost = costOfCall("claude-sonnet-4-5", usage({ inputTokens: 200_000, outputTokens: 10 }), at);
    expect(cost.tierAboveInputTokens).toBeNull();
    expect(cost.costUsd).toBeCloseTo(200_000 * 3e-6 + 10 * 15e-6, 12);
  });

  it("bills reasoning as output: outputTokens already include it", () => {
    const withReasoning = costOfCall(
      "gpt-5",
      usage({ inputTokens: 100, outputTokens: 900, reasoningTokens: 800 }),
      at,
    );
    const without = costOfCall("gpt-5", usage({ inputTokens: 100, outputTokens: 900 }), at);
    expect(withReasoning.costUsd).toBe(without.costUsd);
  });

  it("reports an unknown model as unknown, never as a zero cost", () => {
    const cost = costOfCall("acme-unreleased-9000", usage({ inputTokens: 1000, outputTokens: 10 }), at);
    expect(cost).toEqual({
      known: false,
      costUsd: null,
      breakdown: null,
      model: "acme-unreleased-9000",
      pricedAs: null,
      priceSource: null,
      tierAboveInputTokens: null,
    });
  });

  it("rejects a negative or non-finite token count, naming the field", () => {
    const bad = () => costOfCall("gpt-5", usage({ cacheReadTokens: -5 }), at);
    expect(bad).toThrow(InvalidOptionError);
    expect(bad).toThrow(
      "Expected `usage.cacheReadTokens` to be a finite number of tokens, 0 or more, got `-5` (number)",
    );
    expect(() => costOfCall("gpt-5", usage({ outputTokens: Number.NaN }), at)).toThrow(/usage\.outputTokens/);
  });

  it("rejects an empty model name", () => {
    expect(() => costOfCall(" ", usage({}), at)).toThrow("Expected `model` to be a non-empty model name");
  });
});

describe("uncachedCostOfCall", () => {
  it("prices every prompt token at the input rate and keeps the output", () => {
    const counts = usage({
      inputTokens: 1000,
      cacheReadTokens: 20_000,
      cacheWrite5mTokens: 3000,
      outputTokens: 400,
    });
    const uncached = uncachedCostOfCall("claude-sonnet-4-5", counts, at);
    expect(uncached.breakdown).toEqual({
      input: expect.closeTo(24_000 * 3e-6, 12),
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      output: expect.closeTo(400 * 15e-6, 12),
    });
  });

  it("costs more than the cached call when most of the prompt was read from the cache", () => {
    const counts = usage({ inputTokens: 500, cacheReadTokens: 50_000, outputTokens: 300 });
    const cached = costOfCall("gpt-5", counts, at);
    const uncached = uncachedCostOfCall("gpt-5", counts, at);
    expect(uncached.costUsd).toBeCloseTo((cached.costUsd ?? 0) + 50_000 * (1.25 - 0.125) * 1e-6, 12);
  });

  it("is unknown for an unknown model", () => {
    expect(uncachedCostOfCall("acme-unreleased-9000", usage({ inputTokens: 1 }), at).costUsd).toBeNull();
  });
});

describe("derived cache rates", () => {
  it("derives Anthropic's 1.25x, 2x and 0.1x from an overridden input price and marks them derived", () => {
    const table = createPriceTable({
      overrides: { "claude-next": { input: 4, output: 20, provider: "anthropic" } },
    });
    const price = table.getModelPrice("claude-next");
    expect(price).toMatchObject({
      cacheWrite5m: 5,
      cacheWrite1h: 8,
      source: "override",
      provider: "anthropic",
    });
    expect(price?.cacheRead).toBeCloseTo(0.4, 12);
    expect(price?.derived).toEqual(["cacheRead", "cacheWrite5m", "cacheWrite1h"]);
  });
});
