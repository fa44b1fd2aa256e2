/**
 * The economic claims the cache-effect benchmark and its test check on the real sessions, as data:
 *
 * - per-call observation masking (`masking-every-call`) costs MORE than no compaction with provider caching,
 *   on every session where it compacts at all (the cache effect: every call re-writes the tail);
 * - prompt-cache-aware masking (`cache-aware-masking`) costs no more than no compaction on every session, and
 *   less on the long Claude Code sessions;
 * - `default` costs no more than no compaction on every session.
 *
 * @module
 */
import type { BenchReport, BenchResult } from "../../src/replay/bench.js";
import type { CacheMode } from "../../src/replay/replay.js";

/** One way of pricing the replays. */
export interface PriceSetting {
  /** Short label for tables: "anthropic", "openai", "no-cache". */
  label: string;
  priceModel: string;
  cache: CacheMode;
}

/** The three settings of the benchmark: Anthropic and OpenAI prices with caching, and no caching at all. */
export const priceSettings: readonly PriceSetting[] = [
  { label: "anthropic", priceModel: "claude-sonnet-4-6", cache: "provider" },
  { label: "openai", priceModel: "gpt-5", cache: "provider" },
  { label: "no-cache", priceModel: "claude-sonnet-4-6", cache: "none" },
];

/** Dollars a strategy may exceed the baseline by and still count as "no more" (float noise). */
export const costTolerance = 1e-9;

/** A session is "long" (a compaction can pay back there) from this many calls. */
export const longSessionCalls = 100;

/** One failed claim. */
export interface CheckFailure {
  setting: string;
  strategy: string;
  transcript: string;
  claim: string;
  costUsd: number | null;
  baselineCostUsd: number | null;
}

function rowsOf(report: BenchReport, strategy: string): BenchResult[] {
  return report.results.filter((row) => row.strategy === strategy);
}

function dearer(row: BenchResult): boolean {
  return (
    row.costUsd === null || row.baselineCostUsd === null || row.costUsd > row.baselineCostUsd + costTolerance
  );
}

/** Checks the claims of this module on one setting's report; returns what failed. */
export function checkCacheEffect(setting: PriceSetting, report: BenchReport): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const fail = (row: BenchResult, claim: string) =>
    failures.push({
      setting: setting.label,
      strategy: row.strategy,
      transcript: row.transcript,
      claim,
      costUsd: row.costUsd,
      baselineCostUsd: row.baselineCostUsd,
    });
  for (const strategy of ["default", "cache-aware-masking"]) {
    for (const row of rowsOf(report, strategy)) if (dearer(row)) fail(row, "costs no more than none");
  }
  for (const row of rowsOf(report, "cache-aware-masking")) {
    if (
      row.calls >= longSessionCalls &&
      !(
        row.costUsd !== null &&
        row.baselineCostUsd !== null &&
        row.costUsd < row.baselineCostUsd - costTolerance
      )
    ) {
      fail(row, `costs less than none on a long session (>= ${longSessionCalls} calls)`);
    }
  }
  if (setting.cache === "provider") {
    for (const row of rowsOf(report, "masking-every-call")) {
      if (row.compactions > 0 && !dearer(row))
        fail(row, "costs more than none wherever it compacts (the cache effect)");
    }
  }
  return failures;
}
