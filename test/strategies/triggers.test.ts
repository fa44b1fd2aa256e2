import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import {
  compactionEconomics,
  expectedRemainingCalls,
  isCacheWarm,
  paysBack,
} from "../../strategies/internal/economics.js";
import {
  allOf,
  anyOf,
  contextShare,
  costPerCall,
  economic,
  tokenThreshold,
} from "../../strategies/triggers.js";
import type { PriceView, TriggerContext } from "../../strategies/types.js";
import { contextFor, toolHistory } from "./support.js";

/** Claude Sonnet 4.5 list prices, $ per million tokens (ECONOMICS.md). */
const sonnet: PriceView = { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 };

function triggerContext(promptTokens: number, overrides: Partial<TriggerContext> = {}): TriggerContext {
  return { ...contextFor(toolHistory(2)), promptTokens, ...overrides };
}

describe("threshold triggers", () => {
  it("tokenThreshold fires above the count, earlier under pressure", () => {
    const trigger = tokenThreshold(100_000);
    expect(trigger.shouldCompact(triggerContext(100_000))).toBe(false);
    expect(trigger.shouldCompact(triggerContext(100_001))).toBe(true);
    expect(trigger.shouldCompact(triggerContext(60_000, { pressure: 1 }))).toBe(true);
    expect(trigger.shouldCompact(triggerContext(40_000, { pressure: 1 }))).toBe(false);
  });

  it("contextShare uses the model's window, or the assumed one", () => {
    expect(contextShare(0.5).shouldCompact(triggerContext(120_000, { contextWindow: 200_000 }))).toBe(true);
    expect(contextShare(0.5).shouldCompact(triggerContext(120_000, { contextWindow: 1_000_000 }))).toBe(
      false,
    );
    expect(contextShare(0.5).shouldCompact(triggerContext(120_000))).toBe(true);
    expect(contextShare(0.5, { assumedContextWindow: 400_000 }).shouldCompact(triggerContext(120_000))).toBe(
      false,
    );
  });

  it("costPerCall prices the prompt at the input price and never fires without prices", () => {
    // 100k tokens at $3/M = $0.30.
    expect(costPerCall(0.25).shouldCompact(triggerContext(100_000, { prices: sonnet }))).toBe(true);
    expect(costPerCall(0.35).shouldCompact(triggerContext(100_000, { prices: sonnet }))).toBe(false);
    expect(costPerCall(0.01).shouldCompact(triggerContext(100_000))).toBe(false);
  });

  it("anyOf and allOf combine triggers", () => {
    const low = tokenThreshold(10);
    const high = tokenThreshold(1_000_000);
    expect(anyOf(low, high).shouldCompact(triggerContext(100))).toBe(true);
    expect(allOf(low, high).shouldCompact(triggerContext(100))).toBe(false);
    expect(anyOf(low, high).name).toBe("anyOf(tokens>10, tokens>1000000)");
  });

  it("rejects invalid arguments", () => {
    expect(() => tokenThreshold(0)).toThrow(InvalidOptionError);
    expect(() => contextShare(1.5)).toThrow(/`ratio`/);
    expect(() => costPerCall(Number.NaN)).toThrow(/`usd`/);
    expect(() => anyOf()).toThrow(/`triggers`/);
    expect(() => economic({ expectedReduction: 1 })).toThrow(/expectedReduction/);
  });
});

describe("compactionEconomics", () => {
  it("charges the rewrite premium only when the cache is warm", () => {
    const warm = compactionEconomics({
      removedTokens: 50_000,
      rewrittenTokens: 40_000,
      prices: sonnet,
      cacheWarm: true,
      remainingCalls: 10,
    });
    // one-time: 40k × (3.75 − 0.30) = $0.138; per call: 50k × 0.30 = $0.015; net: 0.15 − 0.138.
    expect(warm.oneTimeCostUsd).toBeCloseTo(0.138, 10);
    expect(warm.savingPerCallUsd).toBeCloseTo(0.015, 10);
    expect(warm.netSavingUsd).toBeCloseTo(0.012, 10);
    const cold = compactionEconomics({
      removedTokens: 50_000,
      rewrittenTokens: 40_000,
      prices: sonnet,
      cacheWarm: false,
      remainingCalls: 10,
    });
    // Cold: nothing to re-write; this call writes 50k fewer tokens (× 3.75), later calls read 50k fewer (× 0.30).
    expect(cold.oneTimeCostUsd).toBe(0);
    expect(cold.immediateSavingUsd).toBeCloseTo(0.1875, 10);
    expect(cold.savingPerCallUsd).toBeCloseTo(0.015, 10);
    expect(cold.netSavingUsd).toBeCloseTo(0.1875 + 0.15, 10);
    const long = compactionEconomics({
      removedTokens: 1,
      rewrittenTokens: 1_000_000,
      prices: sonnet,
      cacheWarm: true,
      remainingCalls: 0,
      longCache: true,
      summarizerCostUsd: 0.5,
    });
    expect(long.oneTimeCostUsd).toBeCloseTo(5.7 + 0.5, 10);
  });

  it("knows when the cache is warm and how many calls remain", () => {
    expect(isCacheWarm(undefined)).toBe(true);
    expect(isCacheWarm({ now: 1000, ttlMs: 300_000 })).toBe(false);
    expect(isCacheWarm({ now: 400_000, lastCallAt: 100_000, ttlMs: 300_000 })).toBe(true);
    expect(isCacheWarm({ now: 400_001, lastCallAt: 100_000, ttlMs: 300_000 })).toBe(false);
    expect(expectedRemainingCalls({ callIndex: 7 })).toBe(7);
    expect(expectedRemainingCalls({ callIndex: 700 })).toBe(50);
    expect(expectedRemainingCalls({ callIndex: 700 }, 80)).toBe(80);
    expect(expectedRemainingCalls({ callIndex: 7 }, { ratio: 0.5 })).toBe(3);
    expect(expectedRemainingCalls({ callIndex: 700 }, { ratio: 0.5, cap: 100 })).toBe(100);
    expect(expectedRemainingCalls({ callIndex: 700, expectedRemainingCalls: 3 })).toBe(3);
  });

  it("pays back a multiple only when the net saving covers that many one-time costs", () => {
    const economics = compactionEconomics({
      removedTokens: 50_000,
      rewrittenTokens: 40_000,
      prices: sonnet,
      cacheWarm: true,
      remainingCalls: 46,
    });
    // net = 46 × 0.015 − 0.138 = 0.552 = 4 × 0.138.
    expect(paysBack(economics, 0)).toBe(true);
    expect(paysBack(economics, 3.99)).toBe(true);
    expect(paysBack(economics, 4.01)).toBe(false);
    expect(paysBack({ ...economics, netSavingUsd: 0, oneTimeCostUsd: 0 }, 0)).toBe(false);
  });
});

describe("economic trigger", () => {
  const warmCache = { now: 10_000, lastCallAt: 9_000, ttlMs: 300_000 };

  it("fires only when the horizon pays back the cache rewrite", () => {
    // Warm, removing half: net > 0 iff horizon × 0.30 > 3.75 − 0.30, i.e. horizon ≥ 12.
    const context = triggerContext(100_100, { prices: sonnet, cache: warmCache });
    expect(economic({ horizon: 11 }).shouldCompact(context)).toBe(false);
    expect(economic({ horizon: 12 }).shouldCompact(context)).toBe(true);
    expect(economic({ horizon: 11 }).shouldCompact({ ...context, pressure: 1 })).toBe(true);
  });

  it("fires on a cold cache even with no call to come, unless the summarizer costs more", () => {
    const cold = triggerContext(100_100, {
      prices: sonnet,
      cache: { now: 10_000_000, lastCallAt: 0, ttlMs: 300_000 },
    });
    // Removing 50k from a prompt that is written anyway saves 50k × 3.75 on this very call.
    expect(economic({ horizon: 0 }).shouldCompact(cold)).toBe(true);
    expect(economic({ horizon: 1, summarizerCostUsd: 0.1 }).shouldCompact(cold)).toBe(true);
    expect(economic({ horizon: 1, summarizerCostUsd: 1 }).shouldCompact(cold)).toBe(false);
  });

  it("asks for a payback multiple when given one", () => {
    const context = triggerContext(100_100, { prices: sonnet, cache: warmCache });
    // Warm, removing half: net = 0.015 × horizon − 0.1725 (50k re-written at 3.45).
    expect(economic({ horizon: 12 }).shouldCompact(context)).toBe(true);
    expect(economic({ horizon: 12, paybackMultiple: 1 }).shouldCompact(context)).toBe(false);
    expect(economic({ horizon: 24, paybackMultiple: 1 }).shouldCompact(context)).toBe(true);
    expect(() => economic({ paybackMultiple: -1 })).toThrow(/`paybackMultiple`/);
  });

  it("never fires without prices", () => {
    expect(economic({ horizon: 100 }).shouldCompact(triggerContext(100_000))).toBe(false);
  });
});
