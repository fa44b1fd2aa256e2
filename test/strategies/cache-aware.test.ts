import { describe, expect, it, vi } from "vitest";
import { cacheAware, watermarks } from "../../strategies/cache-aware.js";
import { defaultStrategy } from "../../strategies/default.js";
import { type HintedContext, isDryRun, targetTokensOf } from "../../strategies/internal/hints.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import { summarize } from "../../strategies/summarize.js";
import type { CacheView, CompactionResult, PriceView, Strategy, Summarizer } from "../../strategies/types.js";
import { InvalidOptionError } from "../../src/errors.js";
import { contextFor, expectValidCompaction, toolHistory } from "./support.js";

const sonnet: PriceView = { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 };
const warm: CacheView = { now: 1_000_000, lastCallAt: 990_000, ttlMs: 300_000 };
const cold: CacheView = { now: 1_000_000, lastCallAt: 100_000, ttlMs: 300_000 };

/** 40 turns of about 1,000 tokens each: about 41k prompt tokens with the test counter. */
const long = toolHistory(40, 4000);

/** A spy strategy that records the hints it was given and delegates. */
function spy(inner: Strategy): { strategy: Strategy; seen: Array<{ target?: number; dryRun: boolean }> } {
  const seen: Array<{ target?: number; dryRun: boolean }> = [];
  return {
    seen,
    strategy: {
      name: inner.name,
      compact(messages, context) {
        seen.push({ target: targetTokensOf(context), dryRun: isDryRun(context) });
        return inner.compact(messages, context);
      },
    },
  };
}

describe("cacheAware", () => {
  it("does nothing below the high watermark and never asks the inner strategy", async () => {
    const { strategy, seen } = spy(observationMasking());
    const context = contextFor(long, { prices: sonnet, cache: warm, contextWindow: 100_000, callIndex: 40 });
    expect(context.tokens.total).toBeLessThan(60_000);
    expect(await cacheAware(strategy).compact(long, context)).toBeNull();
    expect(seen).toEqual([]);
  });

  it("above the high watermark, asks the inner strategy for the low watermark and compacts when it pays", async () => {
    const { strategy, seen } = spy(observationMasking({ keepLast: 5 }));
    const context = contextFor(long, { prices: sonnet, cache: warm, contextWindow: 60_000, callIndex: 40 });
    const result = (await cacheAware(strategy).compact(long, context)) as CompactionResult;
    expectValidCompaction(long, result);
    expect(seen).toEqual([{ target: 24_000, dryRun: true }]);
    expect(result.removed.description).toMatch(
      /cache-aware: warm cache, projected net saving \$\d+\.\d+ over 40 calls/,
    );
  });

  it("declines a compaction that removes little while re-writing a long warm tail", async () => {
    const context = contextFor(long, { prices: sonnet, cache: warm, contextWindow: 60_000, callIndex: 40 });
    // Masking all but the last 38 results removes two results but re-writes 38 turns.
    expect(await observationMasking({ keepLast: 38 }).compact(long, context)).not.toBeNull();
    expect(await cacheAware(observationMasking({ keepLast: 38 })).compact(long, context)).toBeNull();
  });

  it("declines when too few calls remain to pay back the rewrite", async () => {
    const base = { prices: sonnet, cache: warm, contextWindow: 60_000 };
    const strategy = cacheAware(observationMasking({ keepLast: 10 }));
    expect(
      await strategy.compact(long, contextFor(long, { ...base, expectedRemainingCalls: 30 })),
    ).not.toBeNull();
    expect(await strategy.compact(long, contextFor(long, { ...base, expectedRemainingCalls: 1 }))).toBeNull();
    expect(await strategy.compact(long, contextFor(long, { ...base, callIndex: 1 }))).toBeNull();
  });

  it("compacts earlier when the cache has expired anyway", async () => {
    // Window 80k: high 48k, low 32k, idle 40k; the prompt is about 41k.
    const strategy = cacheAware(observationMasking());
    const base = { prices: sonnet, contextWindow: 80_000, callIndex: 40 };
    expect(await strategy.compact(long, contextFor(long, { ...base, cache: warm }))).toBeNull();
    const result = await strategy.compact(long, contextFor(long, { ...base, cache: cold }));
    expect(result?.removed.description).toContain("cold cache");
  });

  it("calls the summarizer once, only for the real run, and not at all when it does not pay", async () => {
    const summarizer = vi.fn<Summarizer>(async ({ messages }) => ({
      text: `summary of ${messages.length} messages`,
      model: "claude-haiku-4-5",
      costUsd: 0.001,
    }));
    const strategy = cacheAware(summarize(), { highWatermark: 30_000, lowWatermark: 10_000 });
    const paying = contextFor(long, { prices: sonnet, cache: warm, summarize: summarizer, callIndex: 40 });
    const result = (await strategy.compact(long, paying)) as CompactionResult;
    expectValidCompaction(long, result);
    expect(summarizer).toHaveBeenCalledOnce();
    expect(result.summary?.model).toBe("claude-haiku-4-5");
    expect(paying.tokens.total - result.removed.tokens).toBeLessThanOrEqual(10_000);

    const notPaying = { ...paying, expectedRemainingCalls: 0 };
    expect(await strategy.compact(long, notPaying)).toBeNull();
    expect(summarizer).toHaveBeenCalledOnce();
  });

  it("relies on the watermarks alone when prices are unknown, and pressure lowers them", async () => {
    const strategy = cacheAware(observationMasking(), { highWatermark: 50_000 });
    expect(await strategy.compact(long, contextFor(long, { callIndex: 1 }))).toBeNull();
    expect(await strategy.compact(long, contextFor(long, { callIndex: 1, pressure: 0.5 }))).not.toBeNull();
    expect(watermarks({}, { contextWindow: 200_000, pressure: 1 })).toEqual({
      high: 60_000,
      low: 40_000,
      idle: 50_000,
    });
    expect(watermarks({}, {})).toEqual({
      high: 100_000,
      low: (100_000 * 0.4) / 0.6,
      idle: (100_000 + (100_000 * 0.4) / 0.6) / 2,
    });
  });

  it("is the default strategy around mask-then-summarize", async () => {
    const strategy = defaultStrategy({ cacheAware: { highWatermark: 30_000, lowWatermark: 10_000 } });
    expect(strategy.name).toBe("cache-aware(observation-masking+summarize)");
    const context = contextFor(long, { prices: sonnet, cache: warm, callIndex: 40 }) as HintedContext;
    const result = (await strategy.compact(long, context)) as CompactionResult;
    expectValidCompaction(long, result);
    expect(result.removed.toolResults).toBeGreaterThan(0);
    expect(result.summary?.model).toBe("extractive");
  });

  it("rejects inconsistent watermarks", () => {
    expect(() => cacheAware(observationMasking(), { highWatermark: 10, lowWatermark: 20 })).toThrow(
      InvalidOptionError,
    );
    expect(() => cacheAware(observationMasking(), { lowWatermarkRatio: 0.7 })).toThrow(/lowWatermark/);
    expect(() => cacheAware({} as Strategy)).toThrow(/`inner`/);
  });
});
