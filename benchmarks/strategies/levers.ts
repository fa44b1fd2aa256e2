/**
 * Issue 10's strategy levers, each measured alone and inside the default, on the recorded sessions of
 * `../shared/transcripts`, per cache setting and per session length bucket.
 *
 * Settings: Anthropic caching with 5-minute writes and with 1-hour writes (Claude Sonnet 4.6 prices; every
 * session is replayed as if it had written entries of that lifetime: the recorded usage's write tokens are moved
 * to that lifetime, which is what the replay reads its cache lifetime from), and OpenAI caching (GPT-5 prices,
 * automatic prefix caching). Length buckets: long (≥100 calls), mid (40–99), short (<40).
 *
 * Saving is `1 − cost / cost of no compaction` over the bucket's sessions, under the same prices and cache
 * rules (calls plus summarizer); effective saving adds the bench's recovery charge (one re-read per forgotten fact)
 * to the strategy's cost; recall is the bench's recall micro-averaged over the calls that used something removed
 * earlier (in view); for offloading strategies a second recall counts a fact one recall away (its output
 * offloaded with an id) as kept, and the effective cost charges each such fact a hidden recall round trip instead of
 * the re-read; "dearer" counts sessions that cost more than 0.5% over no compaction at their end; worst regret is the
 * largest excess over no compaction at any stopping point after the first compaction, over the bucket's sessions.
 *
 * Run: `npx tsx benchmarks/strategies/levers.ts [--subfolders claude-code,mini-swe-agent] [--strategies a,b]
 * [--settings "anthropic 5m,openai"] [--min-calls 100]` (`--min-calls` keeps only the sessions of at least that
 * many recorded calls).
 * Prints a table per setting and one JSON line.
 *
 * @module
 */
import { type BenchResult, runBench } from "../../src/replay/bench.js";
import { strategySpecsByName } from "../../src/replay/catalog.js";
import type { StrategySpec } from "../../src/replay/strategy-specs.js";
import { defaultTokenCounter, type TokenCounter } from "../../src/session/token-counter.js";
import type { Transcript } from "../../src/transcript/types.js";
import { cacheAware } from "../../strategies/cache-aware.js";
import { defaultFactCharacters, defaultMaxRegret, defaultStrategy } from "../../strategies/default.js";
import { factSummary } from "../../strategies/fact-summary.js";
import { losslessRemovals } from "../../strategies/lossless.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import { offload } from "../../strategies/offload.js";
import { pipeline } from "../../strategies/pipeline.js";
import { summarize } from "../../strategies/summarize.js";
import { firstOf, whenCacheCold } from "../../strategies/timing.js";
import type { Trigger } from "../../strategies/types.js";
import { argument, loadSessions, skipWithoutTranscripts } from "./sessions.js";

/** A cache setting of this benchmark. */
export interface LeverSetting {
  label: string;
  priceModel: string;
  /** Lifetime the sessions are replayed with; `undefined` leaves the recorded one (OpenAI has a single rule). */
  ttl?: "5m" | "1h";
}

export const leverSettings: readonly LeverSetting[] = [
  { label: "anthropic 5m", priceModel: "claude-sonnet-4-6", ttl: "5m" },
  { label: "anthropic 1h", priceModel: "claude-sonnet-4-6", ttl: "1h" },
  { label: "openai", priceModel: "gpt-5" },
];

const always: Trigger = { name: "always", shouldCompact: () => true };

/** Compositions measured here that the bench catalog does not list. */
export const leverSpecs: readonly StrategySpec[] = [
  {
    name: "default-before-levers",
    source: "the default before issue 10: cacheAware(pipeline(observationMasking(), summarize()))",
    create: () => ({ strategy: cacheAware(pipeline(observationMasking(), summarize())), trigger: always }),
  },
  {
    name: "cache-aware-lossless",
    source: "lossless removals alone inside cacheAware",
    create: () => ({ strategy: cacheAware(losslessRemovals()), trigger: always }),
  },
  {
    name: "default-no-lossless",
    source: "the default without its lossless step",
    create: () => ({ strategy: defaultStrategy({ lossless: false }), trigger: always }),
  },
  {
    name: "cache-aware-offload",
    source:
      "reversible offload of masked results alone inside cacheAware: cacheAware(offload(observationMasking()))",
    create: () => ({ strategy: cacheAware(offload(observationMasking())), trigger: always }),
  },
  {
    name: "default+offload",
    source:
      "the default with its placeholders recallable: cacheAware(pipeline(offload(losslessRemovals()), offload(observationMasking()), factSummary()), { maxRegret: 0.02 })",
    create: () => ({
      strategy: cacheAware(
        pipeline(
          offload(losslessRemovals()),
          offload(observationMasking()),
          factSummary({ maxFactCharacters: defaultFactCharacters }),
        ),
        { maxRegret: defaultMaxRegret },
      ),
      trigger: always,
    }),
  },
  {
    name: "default+offload-indexed",
    source:
      "the default made reversible with a kept-outputs index in its summaries: cacheAware(offload(pipeline(losslessRemovals(), observationMasking(), factSummary()), { maxIndexEntries: 200 }), { maxRegret: 0.02 })",
    create: () => ({
      strategy: cacheAware(
        offload(
          pipeline(
            losslessRemovals(),
            observationMasking(),
            factSummary({ maxFactCharacters: defaultFactCharacters }),
          ),
          { maxIndexEntries: 200 },
        ),
        { maxRegret: defaultMaxRegret },
      ),
      trigger: always,
    }),
  },
  {
    name: "default+cold-lossless",
    source: "the default, and lossless removals whenever the cache has expired and the default declines",
    create: () => ({
      strategy: firstOf(defaultStrategy(), whenCacheCold(losslessRemovals())),
      trigger: always,
    }),
  },
];

/** The strategies measured by default: the baseline, the defaults before and after, and each part. */
export const leverStrategies: readonly string[] = [
  "none",
  "default-before-levers",
  "default",
  "default-no-lossless",
  "default+cold-lossless",
  "cache-aware-masking",
  "lossless",
  "cache-aware-lossless",
  "cold-lossless",
  "cache-aware-fact-summary",
];

/** Catalog strategies and the compositions above, by name. */
export function leverSpecsByName(names: readonly string[]): StrategySpec[] {
  const local = new Map(leverSpecs.map((spec) => [spec.name, spec]));
  return names.map((name) => local.get(name) ?? (strategySpecsByName([name])[0] as StrategySpec));
}

/** A copy of `transcript` whose recorded cache writes all have lifetime `ttl`. */
export function withTtl(transcript: Transcript, ttl: "5m" | "1h"): Transcript {
  const calls = transcript.calls.map((call) => {
    const usage = call.usage;
    if (!usage) return call;
    const written = usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
    // A session that recorded no writes still needs one token of the right lifetime to be read as such.
    const marker = written === 0 && usage.inputTokens > 0 ? 1 : 0;
    return {
      ...call,
      usage: {
        ...usage,
        inputTokens: usage.inputTokens - marker,
        cacheWrite5mTokens: ttl === "5m" ? written + marker : 0,
        cacheWrite1hTokens: ttl === "1h" ? written + marker : 0,
      },
    };
  });
  return { ...transcript, calls };
}

/** Length bucket of a session, by its recorded calls. */
export function bucketOf(calls: number): "long" | "mid" | "short" {
  return calls >= 100 ? "long" : calls >= 40 ? "mid" : "short";
}

/** One row of the table. */
export interface LeverRow {
  setting: string;
  bucket: string;
  strategy: string;
  sessions: number;
  costUsd: number;
  baselineCostUsd: number;
  /** `1 − cost / no compaction's cost` over the bucket. */
  saving: number;
  /** The same with the recovery charge for forgotten facts added (the bench's effective cost), when measured. */
  effectiveSaving: number;
  /** Recall micro-averaged over the calls that used something removed earlier, when measured; else the mean. */
  recall: number | null;
  /**
   * Recall "in view or one recall away" (offloading strategies only, else `null`), averaged like `recall`. A
   * different measure from `recall`, never mixed with it.
   */
  recallReachable: number | null;
  /** Hidden recall round trips charged (included in the effective cost). */
  recallRoundTrips: number;
  /** Sessions that cost more than 0.5% over no compaction at their end. */
  dearer: number;
  /** Worst stopping-point regret over the bucket's sessions (largest excess over no compaction, share). */
  worstRegret: number | null;
  compactions: number;
}

/** The fields of a result this benchmark reads; the newer ones are optional so that older benches still run. */
type ResultFields = Omit<BenchResult, "recall" | "recallReachable" | "recallRoundTrips" | "offloads"> & {
  recall: number | null;
  recallReachable?: number | null;
  recallRoundTrips?: number;
  offloads?: boolean;
  recallCalls?: number;
  effectiveCostUsd?: number | null;
  worstStopRegret?: { excessRatio: number } | null;
};

/**
 * The outcome cells of one row as the goal and native tables print them: sessions, saving, effective saving,
 * recall, sessions dearer, worst regret, each padded to its column.
 */
export function outcomeCells(row: {
  sessions: number;
  saving: number | null;
  effectiveSaving: number | null;
  recall: number | null;
  dearer: number;
  worstRegret: number | null;
}): string[] {
  const percent = (value: number | null) => (value === null ? "-" : `${(value * 100).toFixed(1)}%`);
  return [
    String(row.sessions).padStart(8),
    percent(row.saving).padStart(8),
    percent(row.effectiveSaving).padStart(10),
    (row.recall === null ? "-" : row.recall.toFixed(3)).padStart(7),
    String(row.dearer).padStart(7),
    percent(row.worstRegret).padStart(13),
  ];
}

/**
 * Replays `sessions` with `specs` under one setting (its price model, its cache rule, default the provider's, and
 * its write lifetime) and returns the results grouped by length bucket and strategy ({@link rowsOf}).
 */
export async function benchSetting(
  setting: LeverSetting & { cache?: "provider" | "none" },
  sessions: readonly Transcript[],
  specs: readonly StrategySpec[],
  tokens: TokenCounter,
): Promise<LeverRow[]> {
  const ttl = setting.ttl;
  const report = await runBench({
    transcripts: ttl ? sessions.map((session) => withTtl(session, ttl)) : [...sessions],
    strategies: [...specs],
    priceModel: setting.priceModel,
    cache: setting.cache ?? "provider",
    tokens,
  });
  return rowsOf(
    setting.label,
    report.results,
    specs.map((spec) => spec.name),
  );
}

export function rowsOf(
  setting: string,
  results: readonly BenchResult[],
  strategies: readonly string[],
): LeverRow[] {
  const rows: LeverRow[] = [];
  const all = results as unknown as readonly ResultFields[];
  for (const bucket of ["long", "mid", "short", "all"]) {
    for (const strategy of strategies) {
      const picked = all.filter(
        (row) =>
          row.strategy === strategy &&
          row.costUsd !== null &&
          row.baselineCostUsd !== null &&
          (bucket === "all" || bucketOf(row.calls) === bucket),
      );
      if (picked.length === 0) continue;
      const cost = picked.reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
      const effective = picked.reduce((sum, row) => sum + (row.effectiveCostUsd ?? row.costUsd ?? 0), 0);
      const baseline = picked.reduce((sum, row) => sum + (row.baselineCostUsd ?? 0), 0);
      const micro = picked.some((row) => row.recallCalls !== undefined);
      const weight = (row: ResultFields) => (micro ? (row.recallCalls ?? 0) : 1);
      const recallWeight = picked.reduce((sum, row) => sum + (row.recall === null ? 0 : weight(row)), 0);
      const recallSum = picked.reduce((sum, row) => sum + (row.recall ?? 0) * weight(row), 0);
      const offloads = picked.some((row) => row.offloads === true);
      const reachableSum = picked.reduce((sum, row) => sum + (row.recallReachable ?? 0) * weight(row), 0);
      const regrets = picked.flatMap((row) => (row.worstStopRegret ? [row.worstStopRegret.excessRatio] : []));
      rows.push({
        setting,
        bucket,
        strategy,
        sessions: picked.length,
        costUsd: cost,
        baselineCostUsd: baseline,
        saving: baseline > 0 ? 1 - cost / baseline : 0,
        effectiveSaving: baseline > 0 ? 1 - effective / baseline : 0,
        recall: recallWeight > 0 ? recallSum / recallWeight : null,
        recallReachable: offloads && recallWeight > 0 ? reachableSum / recallWeight : null,
        recallRoundTrips: picked.reduce((sum, row) => sum + (row.recallRoundTrips ?? 0), 0),
        dearer: picked.filter((row) => (row.costUsd ?? 0) > (row.baselineCostUsd ?? 0) * 1.005).length,
        worstRegret: regrets.length > 0 ? Math.max(...regrets) : null,
        compactions: picked.reduce((sum, row) => sum + row.compactions, 0),
      });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  if (skipWithoutTranscripts()) return;
  const subfolders = (argument("--subfolders") ?? "claude-code,mini-swe-agent").split(",");
  const strategies = (argument("--strategies")?.split(",") ?? leverStrategies).filter(Boolean);
  const minCalls = Number(argument("--min-calls") ?? 0);
  const sessions = (await loadSessions(subfolders.filter((name) => name !== ""))).filter(
    (session) => session.calls.length >= minCalls,
  );
  const specs = leverSpecsByName(strategies.includes("none") ? strategies : ["none", ...strategies]);
  const tokens = defaultTokenCounter();
  const all: LeverRow[] = [];
  const chosen = argument("--settings")?.split(",");
  for (const setting of leverSettings.filter((item) => chosen === undefined || chosen.includes(item.label))) {
    const rows = await benchSetting(setting, sessions, specs, tokens);
    all.push(...rows);
    console.log(`\n${setting.label} (${setting.priceModel}), ${sessions.length} sessions`);
    console.log(
      "bucket  strategy                     sessions   saving  effective  recall (in view)  recall (in view or 1 recall away)  recalls  dearer  worst regret  compactions",
    );
    const percent = (value: number | null) => (value === null ? "-" : `${(value * 100).toFixed(1)}%`);
    for (const row of rows) {
      console.log(
        [
          row.bucket.padEnd(7),
          row.strategy.padEnd(28),
          String(row.sessions).padStart(8),
          percent(row.saving).padStart(8),
          percent(row.effectiveSaving).padStart(10),
          (row.recall === null ? "-" : row.recall.toFixed(3)).padStart(16),
          (row.recallReachable === null ? "-" : row.recallReachable.toFixed(3)).padStart(34),
          String(row.recallRoundTrips).padStart(8),
          String(row.dearer).padStart(7),
          percent(row.worstRegret).padStart(13),
          String(row.compactions).padStart(12),
        ].join(" "),
      );
    }
  }
  console.log(JSON.stringify({ benchmark: "strategy-levers", subfolders, rows: all }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
