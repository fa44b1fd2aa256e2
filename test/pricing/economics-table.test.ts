import { describe, expect, it } from "vitest";
import { getModelPrice, type ModelPrice } from "../../src/pricing/index.js";

/** Late 2026, the date of the table in ../shared/ECONOMICS.md. */
const at = { timestamp: new Date("2026-11-01T12:00:00Z") };

interface Row {
  model: string;
  input: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
  cacheRead: number;
  output: number;
  contextWindow: number;
}

/** The list prices of ECONOMICS.md, $ per million tokens. A "–" write column is not stated here. */
const table: Row[] = [
  {
    model: "claude-opus-4-5",
    input: 5,
    cacheWrite5m: 6.25,
    cacheWrite1h: 10,
    cacheRead: 0.5,
    output: 25,
    contextWindow: 200_000,
  },
  {
    model: "claude-opus-4-6",
    input: 5,
    cacheWrite5m: 6.25,
    cacheWrite1h: 10,
    cacheRead: 0.5,
    output: 25,
    contextWindow: 1_000_000,
  },
  {
    model: "claude-sonnet-4-5",
    input: 3,
    cacheWrite5m: 3.75,
    cacheWrite1h: 6,
    cacheRead: 0.3,
    output: 15,
    contextWindow: 200_000,
  },
  {
    model: "claude-sonnet-4-6",
    input: 3,
    cacheWrite5m: 3.75,
    cacheWrite1h: 6,
    cacheRead: 0.3,
    output: 15,
    contextWindow: 1_000_000,
  },
  {
    model: "claude-haiku-4-5",
    input: 1,
    cacheWrite5m: 1.25,
    cacheWrite1h: 2,
    cacheRead: 0.1,
    output: 5,
    contextWindow: 200_000,
  },
  { model: "gpt-5", input: 1.25, cacheRead: 0.125, output: 10, contextWindow: 400_000 },
  { model: "gpt-5.1", input: 1.25, cacheRead: 0.125, output: 10, contextWindow: 400_000 },
  { model: "gpt-5-mini", input: 0.25, cacheRead: 0.025, output: 2, contextWindow: 400_000 },
  { model: "gpt-5-nano", input: 0.05, cacheRead: 0.005, output: 0.4, contextWindow: 400_000 },
  { model: "gpt-5.4", input: 2.5, cacheRead: 0.25, output: 15, contextWindow: 1_050_000 },
  { model: "gpt-4o", input: 2.5, cacheRead: 1.25, output: 10, contextWindow: 128_000 },
  { model: "gpt-4.1", input: 2, cacheRead: 0.5, output: 8, contextWindow: 1_047_576 },
  { model: "deepseek-chat", input: 0.28, cacheRead: 0.028, output: 0.42, contextWindow: 128_000 },
];

function expectRates(price: ModelPrice | undefined, row: Row): void {
  expect(price, row.model).toBeDefined();
  if (price === undefined) throw new Error(`no price for ${row.model}`);
  expect(price.input).toBeCloseTo(row.input, 10);
  expect(price.cacheRead).toBeCloseTo(row.cacheRead, 10);
  expect(price.output).toBeCloseTo(row.output, 10);
  if (row.cacheWrite5m !== undefined) expect(price.cacheWrite5m).toBeCloseTo(row.cacheWrite5m, 10);
  if (row.cacheWrite1h !== undefined) expect(price.cacheWrite1h).toBeCloseTo(row.cacheWrite1h, 10);
  expect(price.contextWindow).toBe(row.contextWindow);
}

describe("the list prices of ECONOMICS.md", () => {
  it.each(table)("$model matches the table", (row) => {
    expectRates(getModelPrice(row.model, at), row);
  });

  it("gives Claude Sonnet 4.5 its long-context tier above 200k prompt tokens", () => {
    const tiers = getModelPrice("claude-sonnet-4-5", at)?.tiers;
    expect(tiers).toEqual([
      {
        aboveInputTokens: 200_000,
        input: 6,
        cacheWrite5m: 7.5,
        cacheWrite1h: 12,
        cacheRead: 0.6,
        output: 22.5,
      },
    ]);
  });

  it("gives GPT-5.4 its long-context tier from 272k prompt tokens", () => {
    const tier = getModelPrice("gpt-5.4", at)?.tiers?.[0];
    expect(tier?.aboveInputTokens).toBe(271_999);
    expect(tier?.input).toBe(5);
    expect(tier?.output).toBe(22.5);
  });

  it("has no long-context tier for Opus 4.6 and Sonnet 4.6 after it was removed", () => {
    expect(getModelPrice("claude-opus-4-6", at)?.tiers).toBeUndefined();
    expect(getModelPrice("claude-sonnet-4-6", at)?.tiers).toBeUndefined();
  });

  it("still prices Opus 4.6 calls made before 2026-03-13 with the 1M-beta tier", () => {
    const price = getModelPrice("claude-opus-4-6", { timestamp: new Date("2026-02-20T00:00:00Z") });
    expect(price?.tiers?.[0]).toMatchObject({ aboveInputTokens: 200_000, input: 10, output: 37.5 });
  });

  it("marks OpenAI's unstated write prices as derived: no write premium before GPT-5.6", () => {
    const price = getModelPrice("gpt-5", at);
    expect(price?.derived).toEqual(["cacheWrite5m", "cacheWrite1h"]);
    expect(price?.cacheWrite5m).toBe(1.25);
    expect(getModelPrice("claude-sonnet-4-5", at)?.derived).toEqual([]);
  });

  it("prices DeepSeek V3.2 from a documented correction, and legacy calls from the data", () => {
    expect(getModelPrice("deepseek-chat", at)?.source).toBe("corrections");
    const legacy = getModelPrice("deepseek-reasoner", { timestamp: new Date("2025-06-02T10:00:00Z") });
    expect(legacy).toMatchObject({ input: 0.55, cacheRead: 0.14, output: 2.19, source: "genai-prices" });
  });
});
