/**
 * Issue 10's safety rows under other price lists (`benchmarks/strategies/price-lists.ts`): what the regret row
 * counts (stopping points while no compaction is still an alternative: its prompt within 85% of the list's
 * window), checked on made-up series; and, on the recorded Claude Code sessions of ../shared/transcripts (read
 * from there, never copied; skipped, saying why, when absent), the default is never dearer (+0.5%) and its worst
 * regret is at most 2% under two lists at the extremes of the price table where it was not before: Claude 3 Haiku
 * (200k window, the summarizer priced like the session) and GLM-4-Plus (128k window, cache reads at half the input
 * price; most of the long sessions outgrow it).
 * `npx tsx benchmarks/strategies/price-lists.ts --lists all` runs every cached list.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  feasibleRegret,
  type PriceListRow,
  priceListRow,
  priceListRows,
  unmetPriceLists,
  viableWindowShare,
} from "../../benchmarks/strategies/price-lists.js";
import { loadSessions, transcriptsFolder, transcriptsPresent } from "../../benchmarks/strategies/sessions.js";
import type { BenchResult } from "../../src/replay/bench.js";

/** A bench row with its per-call series. */
function result(
  strategy: string,
  cumulative: number[],
  prompts: number[],
  firstCompactionCall: number | null,
): BenchResult {
  return {
    transcript: "s",
    strategy,
    calls: cumulative.length,
    costUsd: cumulative.at(-1) ?? 0,
    baselineCostUsd: null,
    peakContextTokens: Math.max(...prompts),
    compactions: firstCompactionCall === null ? 0 : 1,
    firstCompactionCall,
    worstStopRegret: null,
    series: { cumulativeCostUsd: cumulative, contextTokens: prompts },
  } as unknown as BenchResult;
}

describe("the price-list regret measure", () => {
  const none = result("none", [1, 2, 3, 4, 5], [50, 100, 150, 190, 210], null);
  const own = result("default", [1, 2, 3.3, 4.5, 5.2], [50, 100, 60, 70, 80], 2);

  it("counts stopping points from the first compaction while no compaction's prompt stays within the limit", () => {
    // Up to the window (200 tokens): calls 2 and 3 (call 4's 210 tokens would not fit).
    expect(feasibleRegret(own, none, 200)).toEqual({ ratio: 0.125, transcript: "s", call: 3 });
    // Up to 85% of it (170): call 2 only.
    expect(feasibleRegret(own, none, 200 * viableWindowShare)?.call).toBe(2);
    expect(feasibleRegret(own, none, 200 * viableWindowShare)?.ratio).toBeCloseTo(0.1, 9);
    // No limit: every call from the first compaction on, call 4 included.
    expect(feasibleRegret(own, none, null)?.ratio).toBeCloseTo(0.125, 9);
    expect(feasibleRegret(result("default", [1, 2], [1, 1], null), none, null)).toBeNull();
  });

  it("holds window-bound sessions apart from the dearer row and names the unmet lists", () => {
    // GPT-4o's window is 128k: a session whose no-compaction prompt reaches 120k is window-bound (>108.8k).
    const big = [1, 2, 3, 4].map((index) => index * 30_000);
    const rows = [
      { ...result("none", [1, 2, 3, 4], big, null), baselineCostUsd: 4 },
      { ...result("default", [1, 2, 3.2, 4.4], [30_000, 60_000, 20_000, 30_000], 2), baselineCostUsd: 4 },
    ] as BenchResult[];
    const row = priceListRow({ provider: "openai", model: "gpt-4o" }, rows);
    expect(row).toMatchObject({ contextWindow: 128_000, sessions: 1, windowBound: 1, dearer: 0 });
    expect(row.dearerWindowBound).toBe(1);
    // Regret counts up to call 2 (90k fits; call 3's 120k passes 85% of the window), up to the window call 3 too.
    expect(row.worstRegret?.call).toBe(2);
    expect(row.worstRegretToWindow?.call).toBe(3);
    expect(unmetPriceLists([row])).toEqual(["gpt-4o: worst stopping-point regret 6.7% (s call 2)"]);
    expect(unmetPriceLists([{ ...row, dearer: 2, worstRegret: null }])).toEqual([
      "gpt-4o: 2 sessions dearer than no compaction (+0.5%)",
    ]);
  });
});

describe.skipIf(!transcriptsPresent())(
  `the default under extreme price lists on the recorded Claude Code sessions (skipped: needs ${transcriptsFolder})`,
  () => {
    let rows: PriceListRow[] = [];

    beforeAll(async () => {
      const sessions = await loadSessions(["claude-code"]);
      rows = await priceListRows(sessions, [
        { provider: "anthropic", model: "claude-3-haiku" },
        { provider: "zhipuai", model: "GLM-4-Plus" },
      ]);
    }, 1_200_000);

    it("is never dearer (+0.5%) and regrets at most 2% at any stopping point no compaction could reach", () => {
      expect(rows.map((row) => row.model)).toEqual(["claude-3-haiku", "GLM-4-Plus"]);
      expect(unmetPriceLists(rows)).toEqual([]);
      for (const row of rows) {
        // It compacts under each list (the bound is not met by doing nothing), and the small windows make some
        // sessions window-bound: they are counted, not dropped.
        expect(row.compactions, row.model).toBeGreaterThan(0);
        expect(row.sessions, row.model).toBe(32);
        expect(row.worstRegret, row.model).not.toBeNull();
      }
      expect(rows.filter((row) => row.contextWindow === 128_000).every((row) => row.windowBound > 0)).toBe(
        true,
      );
    });
  },
);
