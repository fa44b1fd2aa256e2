import { describe, expect, it, vi } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import { type CacheAwareOptions, cacheAware, watermarks } from "../../strategies/cache-aware.js";
import { defaultStrategy } from "../../strategies/default.js";
import { isDryRun, targetTokensOf, withHints } from "../../strategies/internal/hints.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import { summarize } from "../../strategies/summarize.js";
import type {
  CacheView,
  CompactionResult,
  PriceView,
  Strategy,
  StrategyContext,
  Summarizer,
} from "../../strategies/types.js";
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
  it("does nothing below its economic floor, nor without prices below the high watermark", async () => {
    const { strategy, seen } = spy(observationMasking());
    const context = contextFor(long, { prices: sonnet, cache: warm, callIndex: 40 });
    expect(context.tokens.total).toBeLessThan(50_000);
    expect(await cacheAware(strategy, { minPromptTokens: 50_000 }).compact(long, context)).toBeNull();
    expect(await cacheAware(strategy).compact(long, { ...context, prices: undefined })).toBeNull();
    expect(seen).toEqual([]);
  });

  it("dry-runs the inner strategy for half the prompt and compacts when that is large and pays", async () => {
    const { strategy, seen } = spy(observationMasking({ keepLast: 10 }));
    const context = contextFor(long, { prices: sonnet, cache: warm, callIndex: 60 });
    const result = (await cacheAware(strategy).compact(long, context)) as CompactionResult;
    expectValidCompaction(long, result);
    expect(seen).toEqual([{ target: context.tokens.total / 2, dryRun: true }]);
    expect(result.removed.tokens / context.tokens.total).toBeGreaterThan(0.4);
    expect(result.removed.description).toMatch(
      /cache-aware: \d+% of the prompt, warm cache, projected net saving \$\d+\.\d+ over 30 calls/,
    );
  });

  it("above the high watermark, asks the inner strategy for the low watermark", async () => {
    const { strategy, seen } = spy(observationMasking({ keepLast: 5 }));
    const context = contextFor(long, { prices: sonnet, cache: warm, contextWindow: 50_000, callIndex: 40 });
    const result = (await cacheAware(strategy).compact(long, context)) as CompactionResult;
    expectValidCompaction(long, result);
    expect(seen).toEqual([{ target: 20_000, dryRun: true }]);
    expect(result.removed.description).toContain("above the high watermark");
  });

  it("declines a compaction that removes a small share of the prompt", async () => {
    const context = contextFor(long, { prices: sonnet, cache: warm, expectedRemainingCalls: 1000 });
    // Masking all but the last 30 results removes a quarter of the prompt: it would pay over 1,000 calls,
    // but it is not large.
    const small = (await observationMasking({ keepLast: 30 }).compact(long, context)) as CompactionResult;
    expect(small.removed.tokens / context.tokens.total).toBeLessThan(0.4);
    expect(await cacheAware(observationMasking({ keepLast: 30 })).compact(long, context)).toBeNull();
    expect(
      await cacheAware(observationMasking({ keepLast: 30 }), { minRemovedShare: 0.2 }).compact(long, context),
    ).not.toBeNull();
  });

  it("declines when too few calls remain to pay back the rewrite several times over", async () => {
    const base = { prices: sonnet, cache: warm };
    const strategy = cacheAware(observationMasking({ keepLast: 10 }));
    const at = (overrides: Partial<StrategyContext>) =>
      strategy.compact(long, contextFor(long, { ...base, ...overrides }));
    expect(await at({ expectedRemainingCalls: 30 })).not.toBeNull();
    expect(await at({ expectedRemainingCalls: 1 })).toBeNull();
    // Estimated from the calls made so far: half as many again, so 2 calls in, none are expected.
    expect(await at({ callIndex: 2 })).toBeNull();
    expect(await at({ callIndex: 60 })).not.toBeNull();
    // A larger payback multiple asks for a longer horizon.
    const strict = cacheAware(observationMasking({ keepLast: 10 }), { paybackMultiple: 50 });
    expect(await strict.compact(long, contextFor(long, { ...base, callIndex: 60 }))).toBeNull();
  });

  it("compacts a smaller share, with no calls to come, when the cache has expired anyway", async () => {
    const strategy = cacheAware(observationMasking({ keepLast: 25 }));
    const base = { prices: sonnet, expectedRemainingCalls: 0 };
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
    const strategy = cacheAware(summarize(), { minPromptTokens: 30_000 });
    const paying = contextFor(long, {
      prices: sonnet,
      cache: warm,
      summarize: summarizer,
      expectedRemainingCalls: 200,
    });
    const result = (await strategy.compact(long, paying)) as CompactionResult;
    expectValidCompaction(long, result);
    expect(summarizer).toHaveBeenCalledOnce();
    expect(result.summary?.model).toBe("claude-haiku-4-5");
    expect(paying.tokens.total - result.removed.tokens).toBeLessThanOrEqual(paying.tokens.total / 2);

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
      forced: 85_000,
      floor: 10_000,
      idle: 10_000,
    });
    expect(watermarks({ idleWatermark: 5_000 }, {})).toEqual({
      high: 100_000,
      low: (100_000 * 0.4) / 0.6,
      // The window is unknown and the 100k high watermark a guess: nothing is forced on it.
      forced: Number.POSITIVE_INFINITY,
      floor: 20_000,
      idle: 5_000,
    });
  });

  it("is the default strategy around lossless removals, masking and a facts-keeping summary", async () => {
    // The prompt (about 41k) is past the forced watermark: the window decides whatever the rewrite costs.
    const window = { highWatermark: 30_000, lowWatermark: 10_000, forcedWatermark: 30_000 };
    const strategy = defaultStrategy({ cacheAware: window });
    expect(strategy.name).toBe("cache-aware(lossless+observation-masking+fact-summary)");
    const context = contextFor(long, { prices: sonnet, cache: warm, callIndex: 40 });
    const result = (await strategy.compact(long, context)) as CompactionResult;
    expectValidCompaction(long, result);
    expect(result.removed.toolResults).toBeGreaterThan(0);
    // The 40 results are the same text: all but the last go as duplicates first, and that reaches the target.
    expect(result.removed.description).toMatch(/^39 superseded outputs removed \(39 duplicate\)/);
    // Without the lossless step, it masks and summarizes (the extractive fallback: no summarizer given).
    const withoutLossless = defaultStrategy({
      lossless: false,
      cacheAware: window,
    });
    const masked = (await withoutLossless.compact(long, context)) as CompactionResult;
    expectValidCompaction(long, masked);
    expect(masked.summary?.model).toBe("extractive");
  });

  it("passes its target and the dry run as StrategyContext fields a user strategy can read", async () => {
    const seen: Array<Pick<StrategyContext, "targetTokens" | "dryRun">> = [];
    const user: Strategy = {
      name: "user",
      compact(messages, context) {
        seen.push({ targetTokens: context.targetTokens, dryRun: context.dryRun });
        return observationMasking().compact(messages, context);
      },
    };
    const context = contextFor(long, { prices: sonnet, cache: warm, callIndex: 60 });
    expect(await cacheAware(user).compact(long, context)).not.toBeNull();
    expect(seen).toEqual([{ targetTokens: context.tokens.total / 2, dryRun: true }]);
    // The helpers read the same fields, ignore nonsense, and can clear a hint.
    const hinted = withHints(context, { targetTokens: 5, dryRun: true });
    expect([targetTokensOf(hinted), isDryRun(hinted)]).toEqual([5, true]);
    expect(targetTokensOf({ ...context, targetTokens: Number.NaN })).toBeUndefined();
    expect("targetTokens" in withHints(hinted, { targetTokens: undefined })).toBe(false);
  });

  it("maxRegret declines a warm compaction whose own-call cost exceeds that share of the spend so far", async () => {
    const masking = () => observationMasking({ keepLast: 10 });
    const at = (options: CacheAwareOptions, overrides: Partial<StrategyContext>) =>
      cacheAware(masking(), options).compact(
        long,
        contextFor(long, { prices: sonnet, cache: warm, callIndex: 60, ...overrides }),
      );
    // Unbounded (cacheAware's default), the compaction pays and goes ahead.
    const unbounded = (await at({}, {})) as CompactionResult;
    expect(unbounded).not.toBeNull();
    // Its rewrite (about 20k tokens × $3.45/M ≈ $0.07) is over 2% of the ≈ $0.52 the session is estimated to have
    // spent in 60 calls of a prompt growing to 41k tokens: declined; allowed at 20%, or 400 calls in.
    expect(await at({ maxRegret: 0.02 }, {})).toBeNull();
    expect(await at({ maxRegret: 0.2 }, {})).not.toBeNull();
    expect(await at({ maxRegret: 0.02 }, { callIndex: 400 })).not.toBeNull();
    // With the cache expired the call saves by itself: nothing to regret.
    expect(await at({ maxRegret: 0 }, { cache: cold })).not.toBeNull();
    // Above the high watermark (60% of a 50k window) but below the forced one (85%), the prompt still fits: the
    // window's compaction is held too, and goes ahead when the cache has expired (nothing to regret).
    const total = contextFor(long, {}).tokens.total;
    expect(total).toBeGreaterThan(30_000);
    expect(total).toBeLessThan(42_500);
    expect(await at({ maxRegret: 0 }, { contextWindow: 50_000 })).toBeNull();
    const cold50k = (await at({ maxRegret: 0 }, { contextWindow: 50_000, cache: cold })) as CompactionResult;
    expect(cold50k.removed.description).toContain("above the high watermark");
    // Unbounded, the window's compaction goes ahead as before.
    expect(await at({}, { contextWindow: 50_000 })).not.toBeNull();
    // Above the forced watermark (85% of a 45k window) the window decides alone, whatever it costs.
    const forced = (await at({ maxRegret: 0 }, { contextWindow: 45_000 })) as CompactionResult;
    expect(forced.removed.description).toContain("above the high watermark");
    // The forced watermark can be set, as a ratio or in tokens, never below the high one.
    expect(await at({ maxRegret: 0, forcedWatermarkRatio: 0.7 }, { contextWindow: 50_000 })).not.toBeNull();
    expect(await at({ maxRegret: 0, forcedWatermark: 35_000 }, { contextWindow: 50_000 })).not.toBeNull();
    expect(watermarks({ forcedWatermark: 10 }, { contextWindow: 50_000 }).forced).toBe(30_000);
    expect(watermarks({}, { contextWindow: 200_000 }).forced).toBe(170_000);
    expect(watermarks({ highWatermark: 60_000 }, {}).forced).toBe(85_000);
    expect(() => cacheAware(masking(), { forcedWatermarkRatio: 0.5 })).toThrow(/`forcedWatermarkRatio`/);
    expect(() => cacheAware(masking(), { maxRegret: -1 })).toThrow(/`maxRegret`/);
  });

  it("with prices but no known window, lets the economics alone decide (the 100k window is a guess)", async () => {
    // 41k tokens against a 30k high watermark: given, it calls for a compaction that does not pay (no calls left).
    const noneLeft = contextFor(long, {
      prices: sonnet,
      cache: warm,
      callIndex: 40,
      expectedRemainingCalls: 0,
    });
    const masking = observationMasking({ keepLast: 5 });
    expect(await cacheAware(masking, { highWatermark: 30_000 }).compact(long, noneLeft)).toBeNull();
    const paying = { ...noneLeft, expectedRemainingCalls: 1000 };
    const given = (await cacheAware(masking, { highWatermark: 30_000 }).compact(
      long,
      paying,
    )) as CompactionResult;
    expect(given.removed.description).toContain("above the high watermark");
    // No window and no high watermark: the window never calls; the compaction goes ahead on its economics.
    expect(watermarks({}, {}).forced).toBe(Number.POSITIVE_INFINITY);
    const economic = (await cacheAware(masking).compact(long, paying)) as CompactionResult;
    expect(economic.removed.description).toMatch(/cache-aware: \d+% of the prompt/);
    // A 100k-token prompt, prices known, no window: masking all but the last 70 results removes under 40% of it,
    // too little for an economic compaction; the guessed window does not call for it (a given one does).
    const big = toolHistory(100, 4000);
    const bigContext = contextFor(big, {
      prices: sonnet,
      cache: warm,
      callIndex: 40,
      expectedRemainingCalls: 1000,
    });
    expect(bigContext.tokens.total).toBeGreaterThan(100_000);
    const few = observationMasking({ keepLast: 70 });
    expect(await cacheAware(few).compact(big, bigContext)).toBeNull();
    expect(await cacheAware(few, { highWatermark: 100_000 }).compact(big, bigContext)).not.toBeNull();
    // Without prices the guess is all there is: it compacts above 100k.
    expect(await cacheAware(few).compact(big, { ...bigContext, prices: undefined })).not.toBeNull();
  });

  it("rejects inconsistent or invalid options, naming the field", () => {
    expect(() => cacheAware(observationMasking(), { highWatermark: 10, lowWatermark: 20 })).toThrow(
      InvalidOptionError,
    );
    expect(() => cacheAware(observationMasking(), { lowWatermarkRatio: 0.7 })).toThrow(/lowWatermark/);
    expect(() => cacheAware(observationMasking(), { minRemovedShare: 1.5 })).toThrow(/`minRemovedShare`/);
    expect(() => cacheAware(observationMasking(), { paybackMultiple: -1 })).toThrow(/`paybackMultiple`/);
    expect(() => cacheAware(observationMasking(), { maxHorizon: 2.5 })).toThrow(/`maxHorizon`/);
    expect(() => cacheAware({} as Strategy)).toThrow(/`inner`/);
  });
});
