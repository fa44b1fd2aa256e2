/**
 * The README's cache-effect claims as checked by `benchmarks/strategies/cache-effect.ts`: each check holds on a
 * report where the claim is true and fails, naming the session, on a report made to falsify it. (The benchmark
 * itself runs them on ../shared/transcripts; this test needs no recorded session.)
 */
import { describe, expect, it } from "vitest";
import {
  cacheEffectClaims,
  checkCacheEffect,
  type PriceSetting,
  priceSettings,
} from "../../benchmarks/strategies/cache-effect-checks.js";
import type { BenchReport, BenchResult } from "../../src/replay/bench.js";

const [anthropic, openai, noCache] = priceSettings as [PriceSetting, PriceSetting, PriceSetting];

function row(
  strategy: string,
  transcript: string,
  calls: number,
  costUsd: number,
  baselineCostUsd: number,
  compactions: number,
  worstStop: number | null = null,
): BenchResult {
  return {
    transcript,
    strategy,
    calls,
    costUsd,
    baselineCostUsd,
    compactions,
    worstStopRegret: worstStop === null ? null : { call: 1, excessUsd: worstStop, excessRatio: worstStop },
  } as BenchResult;
}

/** 40 sessions (20 long, 20 short) on which every claim holds, with caching. */
function trueWithCaching(): BenchResult[] {
  const rows: BenchResult[] = [];
  for (let index = 0; index < 40; index++) {
    const id = `s${index}`;
    const long = index < 20;
    const calls = long ? 150 : 30;
    rows.push(row("none", id, calls, 10, 10, 0));
    rows.push(row("masking-every-call", id, calls, 18, 10, 20, 0.9));
    rows.push(row("sliding-window", id, calls, 15, 10, 20, 0.7));
    rows.push(row("cache-aware-masking", id, calls, long ? 9 : 10, 10, long ? 1 : 0, long ? 0.02 : null));
    rows.push(row("default", id, calls, long ? 8 : 10, 10, long ? 2 : 0, long ? 0.03 : null));
    rows.push(row("summary-every-21", id, calls, long ? 7 : 10.5, 10, 3, 0.2));
  }
  return rows;
}

function trueWithoutCaching(): BenchResult[] {
  return trueWithCaching().map((result) =>
    result.strategy === "masking-every-call" || result.strategy === "sliding-window"
      ? { ...result, costUsd: 6 }
      : result,
  );
}

function report(results: BenchResult[]): BenchReport {
  return { priceModel: "claude-sonnet-4-6", cache: "provider", results, summary: [], unpriced: [] };
}

/** `results` with the row of `strategy` on `transcript` changed. */
function changed(
  results: BenchResult[],
  strategy: string,
  transcript: string,
  change: Partial<BenchResult>,
): BenchResult[] {
  return results.map((result) =>
    result.strategy === strategy && result.transcript === transcript ? { ...result, ...change } : result,
  );
}

function failedClaims(setting: PriceSetting, results: BenchResult[]): string[] {
  return [...new Set(checkCacheEffect(setting, report(results)).map((failure) => failure.claim))];
}

describe("the README's cache-effect claims (benchmarks/strategies/cache-effect-checks.ts)", () => {
  it("all hold on reports where they are true", () => {
    expect(checkCacheEffect(anthropic, report(trueWithCaching()))).toEqual([]);
    expect(checkCacheEffect(noCache, report(trueWithoutCaching()))).toEqual([]);
  });

  it("every claim applies to some setting and names its README sentence", () => {
    for (const claim of cacheEffectClaims) {
      expect(
        priceSettings.some((setting) => claim.applies(setting)),
        claim.id,
      ).toBe(true);
      expect(claim.text.length, claim.id).toBeGreaterThan(40);
    }
  });

  it("per-call compaction cheaper than none with caching breaks the cache-effect claim", () => {
    let results = trueWithCaching();
    for (let index = 0; index < 5; index++) {
      results = changed(results, "masking-every-call", `s${index}`, { costUsd: 9 });
    }
    expect(failedClaims(anthropic, results)).toEqual(["per-call-dearer-with-caching"]);
    const slidingCheap = trueWithCaching().map((result) =>
      result.strategy === "sliding-window" ? { ...result, costUsd: 9 } : result,
    );
    expect(failedClaims(anthropic, slidingCheap)).toEqual(["per-call-dearer-with-caching"]);
    // one cheaper session in 40 is within the claim (dearer on at least 90% of compacting sessions)
    expect(
      failedClaims(anthropic, changed(trueWithCaching(), "masking-every-call", "s0", { costUsd: 9 })),
    ).toEqual([]);
  });

  it("per-call masking dearer on one session without caching breaks its claim", () => {
    const results = changed(trueWithoutCaching(), "masking-every-call", "s3", { costUsd: 10.5 });
    const failures = checkCacheEffect(noCache, report(results));
    expect(failures.map((failure) => failure.claim)).toEqual(["per-call-masking-saves-without-caching"]);
    expect(failures[0]?.detail).toContain("s3");
  });

  it("default dearer on more than 1 session in 20, or by more than 5%, breaks its claim", () => {
    let results = changed(trueWithCaching(), "default", "s0", { costUsd: 10.3 });
    expect(failedClaims(anthropic, results)).toEqual([]);
    results = changed(results, "default", "s1", { costUsd: 10.2 });
    expect(failedClaims(anthropic, results)).toEqual([]);
    results = changed(results, "default", "s2", { costUsd: 10.1 });
    expect(failedClaims(anthropic, results)).toEqual(["default-rarely-dearer"]);
    const failures = checkCacheEffect(
      anthropic,
      report(changed(trueWithCaching(), "default", "s5", { costUsd: 10.6 })),
    );
    expect(failures.map((failure) => failure.claim)).toEqual(["default-rarely-dearer"]);
    expect(failures[0]?.detail).toMatch(/dearer by 6\.0%: s5/);
  });

  it("cache-aware masking dearer on one session breaks its claim", () => {
    const results = changed(trueWithCaching(), "cache-aware-masking", "s25", { costUsd: 10.01 });
    expect(failedClaims(anthropic, results)).toEqual(["cache-aware-masking-never-dearer"]);
  });

  it("no saving on the long sessions together breaks its claim", () => {
    const results = trueWithCaching().map((result) =>
      result.strategy === "cache-aware-masking" ? { ...result, costUsd: 10, compactions: 0 } : result,
    );
    expect(failedClaims(anthropic, results)).toEqual(["cache-aware-saves-on-long-sessions"]);
  });

  it("default compacting a session under 100 calls breaks its claim with Anthropic prices, not with OpenAI's", () => {
    const results = changed(trueWithCaching(), "default", "s30", { compactions: 1, costUsd: 9.9 });
    expect(failedClaims(anthropic, results)).toEqual(["default-leaves-shorter-sessions-alone"]);
    expect(failedClaims(openai, results)).toEqual([]);
  });

  it("default compacting a session under 100 calls without saving on it breaks its claim", () => {
    const results = changed(trueWithCaching(), "default", "s30", { compactions: 1, costUsd: 10 });
    expect(failedClaims(openai, results)).toEqual(["default-pays-on-shorter-sessions"]);
  });

  it("default as often dearer as summary-every-21, or with a worse stop, breaks its claim", () => {
    const safe = trueWithCaching().map((result) =>
      result.strategy === "summary-every-21" ? { ...result, costUsd: 7 } : result,
    );
    expect(failedClaims(anthropic, safe)).toEqual(["default-safer-than-summary-every-21"]);
    const calm = trueWithCaching().map((result) =>
      result.strategy === "summary-every-21"
        ? { ...result, worstStopRegret: { call: 1, excessUsd: 0.01, excessRatio: 0.01 } }
        : result,
    );
    expect(failedClaims(anthropic, calm)).toEqual(["default-safer-than-summary-every-21"]);
  });

  it("a claim about strategies not run holds vacuously", () => {
    const onlyDefault = trueWithCaching().filter((result) => ["none", "default"].includes(result.strategy));
    expect(checkCacheEffect(anthropic, report(onlyDefault))).toEqual([]);
  });
});
