import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import { createPriceTable, type PriceTableOptions } from "../../src/pricing/index.js";

const at = { timestamp: new Date("2026-11-01T12:00:00Z") };

function errorOf(options: unknown): InvalidOptionError {
  try {
    createPriceTable(options as PriceTableOptions);
  } catch (error) {
    if (error instanceof InvalidOptionError) return error;
    throw error;
  }
  throw new Error("createPriceTable accepted invalid options");
}

describe("price overrides", () => {
  it("replaces the given fields of a known model and keeps the data's other rates", () => {
    const table = createPriceTable({ overrides: { "claude-sonnet-4-5": { input: 2.5 } } });
    const price = table.getModelPrice("anthropic/claude-sonnet-4.5-20250929", at);
    expect(price).toMatchObject({
      input: 2.5,
      output: 15,
      cacheRead: 0.3,
      cacheWrite5m: 3.75,
      source: "override",
    });
    expect(price?.tiers?.[0]?.input).toBe(6);
  });

  it("prices a model the data does not know from input and output alone", () => {
    const table = createPriceTable({
      overrides: { "my-model": { input: 1, output: 2, contextWindow: 32_000 } },
    });
    expect(table.getModelPrice("openrouter/acme/my-model", at)).toMatchObject({
      model: "my-model",
      provider: "custom",
      input: 1,
      cacheRead: 1,
      cacheWrite5m: 1,
      output: 2,
      contextWindow: 32_000,
    });
    const cost = table.costOfCall(
      "my-model",
      {
        inputTokens: 1e6,
        cacheReadTokens: 0,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        outputTokens: 1e6,
        reasoningTokens: 0,
      },
      at,
    );
    expect(cost).toMatchObject({ known: true, costUsd: 3, priceSource: "override" });
  });

  it("accepts user tiers, sorted, with derived cache rates", () => {
    const table = createPriceTable({
      overrides: {
        "my-model": {
          input: 1,
          output: 2,
          tiers: [
            { aboveInputTokens: 500_000, input: 3, output: 6 },
            { aboveInputTokens: 100_000, input: 2, output: 4 },
          ],
        },
      },
    });
    const tiers = table.getModelPrice("my-model")?.tiers;
    expect(tiers?.map((tier) => tier.aboveInputTokens)).toEqual([100_000, 500_000]);
    expect(tiers?.[1]?.cacheRead).toBe(3);
  });

  it("leaves the default table and other tables untouched", () => {
    createPriceTable({ overrides: { "gpt-5": { input: 99 } } });
    expect(createPriceTable().getModelPrice("gpt-5", at)?.input).toBe(1.25);
  });

  it("names a negative price by its dotted path and says what was expected", () => {
    const error = errorOf({ overrides: { "my-model": { input: -1, output: 2 } } });
    expect(error.field).toBe("overrides.my-model.input");
    expect(error.message).toBe(
      "Expected `overrides.my-model.input` to be a finite number of dollars per million tokens, 0 or more, got `-1` (number)",
    );
  });

  it("names a price given as a string", () => {
    const error = errorOf({ overrides: { "gpt-5": { cacheRead: "0.1" } } });
    expect(error.field).toBe("overrides.gpt-5.cacheRead");
    expect(error.message).toContain('got `"0.1"` (string)');
  });

  it("names a misspelt field and lists the known ones", () => {
    const error = errorOf({ overrides: { "gpt-5": { inptu: 1 } } });
    expect(error.field).toBe("overrides.gpt-5.inptu");
    expect(error.message).toContain("input, output, cacheRead, cacheWrite5m, cacheWrite1h, tiers");
  });

  it("names a bad tier threshold inside the tiers array", () => {
    const error = errorOf({
      overrides: { "gpt-5": { tiers: [{ aboveInputTokens: 1.5, input: 1, output: 1 }] } },
    });
    expect(error.field).toBe("overrides.gpt-5.tiers.0.aboveInputTokens");
    expect(error.expected).toBe("a whole number of tokens, 0 or more");
  });

  it("rejects two tiers with the same threshold", () => {
    const tier = { aboveInputTokens: 1000, input: 1, output: 1 };
    expect(errorOf({ overrides: { "gpt-5": { tiers: [tier, tier] } } }).field).toBe("overrides.gpt-5.tiers");
  });

  it("requires input and output for a model the data does not know", () => {
    const error = errorOf({ overrides: { "my-model": { input: 1 } } });
    expect(error.field).toBe("overrides.my-model.output");
    expect(error.message).toContain('the price data does not know "my-model"');
  });

  it("rejects overrides that are not an object of models", () => {
    expect(errorOf({ overrides: [] }).field).toBe("overrides");
    expect(errorOf({ overrides: { "gpt-5": 3 } }).field).toBe("overrides.gpt-5");
  });

  it("validates the other options", () => {
    expect(errorOf({ cacheSize: 0 }).field).toBe("cacheSize");
    expect(errorOf({ useBundledPrices: "yes" }).field).toBe("useBundledPrices");
  });

  it("knows only the overrides when the bundled data is off", () => {
    const table = createPriceTable({
      useBundledPrices: false,
      overrides: { "gpt-5": { input: 1, output: 8 } },
    });
    expect(table.getModelPrice("gpt-5-mini")).toBeUndefined();
    expect(table.getModelPrice("gpt-5")).toMatchObject({ input: 1, output: 8, provider: "custom" });
    expect(table.listKnownModels().map((known) => known.model)).toEqual(["gpt-5"]);
  });
});
