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
import type { TraceCallInput } from "./trace.js";

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
  /** Makes the audit-trail writer of one replay (`--trace`); it is closed when the replay ends. */
  trace?: (transcript: Transcript, transcriptIndex: number, strategy: string) => TraceSink | undefined;
}

/** Where one replay's trace goes (see trace.ts). */
export interface TraceSink {
  call(input: TraceCallInput): void;
  close(): void;
}

/**
 * The worst point at which the session could have stopped after the first compaction: the call where the
 * strategy's cumulative dollars (calls and summaries) most exceeded no compaction's, as a share of no
 * compaction's. Negative when the strategy was cheaper at every such point.
 */
export interface StopRegret {
  /** Call index (0-based) of that stopping point. */
  call: number;
  /** Strategy's cumulative dollars minus no compaction's, at that call. */
  excessUsd: number;
  /** `excessUsd` over no compaction's cumulative dollars at that call. */
  excessRatio: number;
}

/** One row of the results: a transcript under a strategy. */
export interface BenchResult extends ReplayResult {
  /** No compaction under the same prices and cache mode. */
  baselineCostUsd: number | null;
  /** The worst stopping point after the first compaction; `null` without compaction or prices. */
  worstStopRegret: StopRegret | null;
}

/** One strategy over all transcripts. */
export interface BenchSummary {
  strategy: string;
  costUsd: number;
  baselineCostUsd: number;
  /** `(baseline - cost) / baseline`; negative when the strategy cost more. */
  savingRatio: number;
  /** Dollars of recovering what the view lost (see {@link ReplayResult.recoveryCostUsd}). */
  recoveryCostUsd: number;
  /** `costUsd + recoveryCostUsd`. Strategies are ranked by it. */
  effectiveCostUsd: number;
  /** `(baseline - effective cost) / baseline`. */
  effectiveSavingRatio: number;
  /** 1 for the lowest effective cost, 2 for the next, ... */
  rank: number;
  /**
   * Recall micro-averaged over the calls, of every session, that used a fact a compaction removed earlier;
   * `null` when there were none (sessions with no compaction are not averaged in).
   */
  recall: number | null;
  /**
   * Recall "in view or one recall away" (an offloaded output counts as kept), micro-averaged like `recall`; `null`
   * for strategies that do not offload. Never mixed into `recall`.
   */
  recallReachable: number | null;
  /** Hidden recall round trips charged (offloading strategies; included in the recovery cost). */
  recallRoundTrips: number;
  /** Calls recall is averaged over, and the sessions they come from. */
  recallCalls: number;
  recallSessions: number;
  /** Transcripts where the strategy cost less than no compaction. */
  sessionsCheaper: number;
  /** Transcripts where it cost more. */
  sessionsDearer: number;
  /** Transcripts where its effective cost (recoveries included) was more than no compaction's. */
  sessionsDearerEffective: number;
  /** Transcripts where stopping at some call after the first compaction would have cost more than none. */
  sessionsRegret: number;
  /** The worst stopping point over all transcripts (largest `excessRatio`), or `null` with no compaction. */
  worstStopRegret: (StopRegret & { transcript: string }) | null;
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
  for (const [transcriptIndex, transcript] of options.transcripts.entries()) {
    const rows: ReplayResult[] = [];
    for (const strategy of strategies) {
      const sink = options.trace?.(transcript, transcriptIndex, strategy.name);
      try {
        rows.push(
          await replayTranscript(transcript, {
            strategy,
            cache: options.cache,
            tokens: options.tokens,
            ...(options.priceModel ? { priceModel: options.priceModel } : {}),
            ...(options.series ? { series: true } : {}),
            ...(sink ? { trace: (call: TraceCallInput) => sink.call(call) } : {}),
          }),
        );
      } finally {
        sink?.close();
      }
      done++;
      options.onProgress?.(done, total);
    }
    const baselineRow = rows.find((row) => row.strategy === "none");
    const baseline = baselineRow?.costUsd ?? null;
    if (baseline === null) unpriced.push(transcript.id);
    for (const { costTrail, ...row } of rows) {
      const regret =
        baseline === null || row.costUsd === null ? null : stopRegret(row, costTrail, baselineRow?.costTrail);
      results.push({ ...row, baselineCostUsd: baseline, worstStopRegret: regret });
    }
  }
  const summary = summarize(
    strategies.map((spec) => spec.name),
    results,
  );
  return { priceModel: options.priceModel ?? "recorded", cache: options.cache, results, summary, unpriced };
}

/** The worst stopping point after the first compaction, from the cumulative dollars of both replays. */
function stopRegret(
  row: ReplayResult,
  trail: readonly number[] | undefined,
  baseline: readonly number[] | undefined,
): StopRegret | null {
  if (row.firstCompactionCall === null || !trail || !baseline) return null;
  let worst: StopRegret | null = null;
  for (let call = row.firstCompactionCall; call < Math.min(trail.length, baseline.length); call++) {
    const base = baseline[call] as number;
    if (base <= 0) continue;
    const excessUsd = (trail[call] as number) - base;
    const excessRatio = excessUsd / base;
    if (worst === null || excessRatio > worst.excessRatio) worst = { call, excessUsd, excessRatio };
  }
  return worst;
}

/**
 * One summary row per strategy over `results`, in the order given, each with its rank by effective cost
 * (dollar sums leave out transcripts with an unknown price).
 */
export function summarize(strategies: readonly string[], results: readonly BenchResult[]): BenchSummary[] {
  const rows = strategies.map((strategy): BenchSummary => {
    const all = results.filter((row) => row.strategy === strategy);
    const rows = all.filter(
      (row) => row.costUsd !== null && row.baselineCostUsd !== null && row.effectiveCostUsd !== null,
    );
    const cost = rows.reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
    const effective = rows.reduce((sum, row) => sum + (row.effectiveCostUsd ?? 0), 0);
    const baseline = rows.reduce((sum, row) => sum + (row.baselineCostUsd ?? 0), 0);
    const recallCalls = all.reduce((sum, row) => sum + row.recallCalls, 0);
    const recallSum = all.reduce((sum, row) => sum + (row.recall ?? 0) * row.recallCalls, 0);
    const offloads = all.some((row) => row.offloads);
    const reachableSum = all.reduce((sum, row) => sum + (row.recallReachable ?? 0) * row.recallCalls, 0);
    let worst: BenchSummary["worstStopRegret"] = null;
    for (const row of all) {
      const regret = row.worstStopRegret;
      if (regret && (worst === null || regret.excessRatio > worst.excessRatio))
        worst = { transcript: row.transcript, ...regret };
    }
    return {
      strategy,
      costUsd: cost,
      baselineCostUsd: baseline,
      savingRatio: baseline > 0 ? (baseline - cost) / baseline : 0,
      recoveryCostUsd: effective - cost,
      effectiveCostUsd: effective,
      effectiveSavingRatio: baseline > 0 ? (baseline - effective) / baseline : 0,
      rank: 0,
      recall: recallCalls > 0 ? recallSum / recallCalls : null,
      recallReachable: offloads && recallCalls > 0 ? reachableSum / recallCalls : null,
      recallRoundTrips: all.reduce((sum, row) => sum + row.recallRoundTrips, 0),
      recallCalls,
      recallSessions: all.filter((row) => row.recallCalls > 0).length,
      sessionsCheaper: rows.filter((row) => (row.costUsd ?? 0) < (row.baselineCostUsd ?? 0) - 1e-9).length,
      sessionsDearer: rows.filter((row) => (row.costUsd ?? 0) > (row.baselineCostUsd ?? 0) + 1e-9).length,
      sessionsDearerEffective: rows.filter(
        (row) => (row.effectiveCostUsd ?? 0) > (row.baselineCostUsd ?? 0) + 1e-9,
      ).length,
      sessionsRegret: all.filter((row) => (row.worstStopRegret?.excessUsd ?? 0) > 1e-9).length,
      worstStopRegret: worst,
      sessions: all.length,
      compactions: all.reduce((sum, row) => sum + row.compactions, 0),
      summarizerCostUsd: all.reduce((sum, row) => sum + row.summarizerCostUsd, 0),
    };
  });
  byEffectiveCost(rows).forEach((row, index) => {
    row.rank = index + 1;
  });
  return rows;
}

/** Summary rows from the lowest effective cost to the highest (ties keep their order). */
export function byEffectiveCost<Row extends Pick<BenchSummary, "effectiveCostUsd">>(
  rows: readonly Row[],
): Row[] {
  return [...rows].sort((left, right) => left.effectiveCostUsd - right.effectiveCostUsd);
}
