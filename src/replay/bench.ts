/**
 * The strategy benchmark: every transcript under every strategy, priced with one price model and cache mode,
 * compared against no compaction under the same prices.
 *
 * @module
 */
import type { TokenCounter } from "../session/token-counter.js";
import type { Transcript } from "../transcript/types.js";
import { type CacheMode, type ReplayResult, replayTranscript } from "./replay.js";
import type { StrategySpec } from "./strategy-specs.js";

/** Options of {@link runBench}. */
export interface BenchOptions {
  transcripts: readonly Transcript[];
  /** Strategies to compare; the first named `none` (or an added one) is the baseline. */
  strategies: readonly StrategySpec[];
  /** Price model; undefined prices each transcript at its own recorded model. */
  priceModel?: string;
  cache: CacheMode;
  tokens: TokenCounter;
  /** Keep per-call series for charts. @default false */
  series?: boolean;
  /** Called after each replay with how many are done out of how many. */
  onProgress?: (done: number, total: number) => void;
}

/** One row of the results: a transcript under a strategy. */
export interface BenchResult extends ReplayResult {
  /** No compaction under the same prices and cache mode. */
  baselineCostUsd: number | null;
}

/** One strategy over all transcripts. */
export interface BenchSummary {
  strategy: string;
  costUsd: number;
  baselineCostUsd: number;
  /** `(baseline - cost) / baseline`; negative when the strategy cost more. */
  savingRatio: number;
  /** Mean recall over transcripts. */
  recall: number;
  /** Transcripts where the strategy cost less than no compaction. */
  sessionsCheaper: number;
  /** Transcripts where it cost more. */
  sessionsDearer: number;
  sessions: number;
  compactions: number;
  summarizerCostUsd: number;
}

/** The whole benchmark. */
export interface BenchReport {
  priceModel: string;
  cache: CacheMode;
  results: BenchResult[];
  summary: BenchSummary[];
  /** Transcripts left out of dollar sums because a price is unknown. */
  unpriced: string[];
}

const noCompaction: StrategySpec = { name: "none", create: () => ({ strategy: null, trigger: null }) };

/** Runs the benchmark. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const strategies = options.strategies.some((spec) => spec.name === "none")
    ? options.strategies
    : [noCompaction, ...options.strategies];
  const total = options.transcripts.length * strategies.length;
  let done = 0;
  const results: BenchResult[] = [];
  const unpriced: string[] = [];
  for (const transcript of options.transcripts) {
    const rows: ReplayResult[] = [];
    for (const strategy of strategies) {
      rows.push(
        await replayTranscript(transcript, {
          strategy,
          cache: options.cache,
          tokens: options.tokens,
          ...(options.priceModel ? { priceModel: options.priceModel } : {}),
          ...(options.series ? { series: true } : {}),
        }),
      );
      done++;
      options.onProgress?.(done, total);
    }
    const baseline = rows.find((row) => row.strategy === "none")?.costUsd ?? null;
    if (baseline === null) unpriced.push(transcript.id);
    for (const row of rows) results.push({ ...row, baselineCostUsd: baseline });
  }
  const summary = summarize(
    strategies.map((spec) => spec.name),
    results,
  );
  return { priceModel: options.priceModel ?? "recorded", cache: options.cache, results, summary, unpriced };
}

/** One summary row per strategy over `results` (dollar sums leave out transcripts with an unknown price). */
export function summarize(strategies: readonly string[], results: readonly BenchResult[]): BenchSummary[] {
  return strategies.map((strategy): BenchSummary => {
    const all = results.filter((row) => row.strategy === strategy);
    const rows = all.filter((row) => row.costUsd !== null && row.baselineCostUsd !== null);
    const cost = rows.reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
    const baseline = rows.reduce((sum, row) => sum + (row.baselineCostUsd ?? 0), 0);
    return {
      strategy,
      costUsd: cost,
      baselineCostUsd: baseline,
      savingRatio: baseline > 0 ? (baseline - cost) / baseline : 0,
      recall: all.length > 0 ? all.reduce((sum, row) => sum + row.recall, 0) / all.length : 1,
      sessionsCheaper: rows.filter((row) => (row.costUsd ?? 0) < (row.baselineCostUsd ?? 0) - 1e-9).length,
      sessionsDearer: rows.filter((row) => (row.costUsd ?? 0) > (row.baselineCostUsd ?? 0) + 1e-9).length,
      sessions: all.length,
      compactions: all.reduce((sum, row) => sum + row.compactions, 0),
      summarizerCostUsd: all.reduce((sum, row) => sum + row.summarizerCostUsd, 0),
    };
  });
}
