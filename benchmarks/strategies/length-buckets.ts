/**
 * Saving, effective saving (recoveries charged), recall and the worst stopping point of every strategy on the
 * recorded sessions of `../shared/transcripts`, by session length: under 40 calls, 40-99, and 100 or more.
 * Prints one table per bucket and one JSON line.
 *
 * Run: `npx tsx benchmarks/strategies/length-buckets.ts [--price claude-sonnet-4-6] [--cache provider|none]`
 * (default: Claude Sonnet 4.6 prices with Anthropic's cache rules, so every session is priced alike).
 *
 * @module
 */
import { type Column, formatPercent, formatUsd, renderTable } from "../../src/cli/table.js";
import { type BenchSummary, byEffectiveCost, runBench, summarize } from "../../src/replay/bench.js";
import { benchStrategies } from "../../src/replay/catalog.js";
import type { CacheMode } from "../../src/replay/replay.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { loadSessions, transcriptsFolder, transcriptsPresent } from "./sessions.js";

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

/** Length buckets by recorded calls. */
export const buckets: ReadonlyArray<{ label: string; min: number; max: number }> = [
  { label: "< 40 calls", min: 0, max: 39 },
  { label: "40-99 calls", min: 40, max: 99 },
  { label: ">= 100 calls", min: 100, max: Number.POSITIVE_INFINITY },
];

const columns: Array<Column<BenchSummary>> = [
  { heading: "strategy", cell: (row) => row.strategy, align: "left" },
  { heading: "cost", cell: (row) => formatUsd(row.costUsd, 2) },
  { heading: "saving", cell: (row) => formatPercent(row.savingRatio) },
  { heading: "effective saving", cell: (row) => formatPercent(row.effectiveSavingRatio) },
  { heading: "recall", cell: (row) => (row.recall === null ? "-" : row.recall.toFixed(3)) },
  { heading: "recall calls", cell: (row) => String(row.recallCalls) },
  { heading: "dearer", cell: (row) => `${row.sessionsDearer}/${row.sessions}` },
  { heading: "dearer eff.", cell: (row) => `${row.sessionsDearerEffective}/${row.sessions}` },
  {
    heading: "worst stop",
    cell: (row) =>
      row.worstStopRegret
        ? `${row.worstStopRegret.excessRatio > 0 ? "+" : ""}${formatPercent(row.worstStopRegret.excessRatio)} (${formatUsd(row.worstStopRegret.excessUsd, 2)})`
        : "-",
  },
  { heading: "compactions", cell: (row) => String(row.compactions) },
];

async function main(): Promise<void> {
  if (!transcriptsPresent()) {
    console.log(`skipped: no recorded sessions at ${transcriptsFolder}`);
    return;
  }
  const priceModel = option("price", "claude-sonnet-4-6");
  const cache = option("cache", "provider") as CacheMode;
  const transcripts = await loadSessions([]);
  const strategies = benchStrategies();
  const report = await runBench({
    transcripts,
    strategies,
    priceModel,
    cache,
    tokens: defaultTokenCounter(),
  });
  const names = strategies.map((spec) => spec.name);
  const calls = new Map(transcripts.map((transcript) => [transcript.id, transcript.calls.length]));
  const json: Record<string, unknown> = {};
  console.log(`${transcripts.length} sessions, prices ${priceModel}, cache ${cache}`);
  for (const bucket of buckets) {
    const results = report.results.filter((row) => {
      const count = calls.get(row.transcript) ?? 0;
      return count >= bucket.min && count <= bucket.max;
    });
    const sessions = new Set(results.map((row) => row.transcript)).size;
    const summary = summarize(names, results);
    console.log(`\n${bucket.label}: ${sessions} sessions, ranked by effective cost\n`);
    console.log(renderTable(byEffectiveCost(summary), columns));
    json[bucket.label] = summary.map((row) => ({
      strategy: row.strategy,
      sessions: row.sessions,
      costUsd: Number(row.costUsd.toFixed(4)),
      baselineCostUsd: Number(row.baselineCostUsd.toFixed(4)),
      savingRatio: Number(row.savingRatio.toFixed(4)),
      effectiveSavingRatio: Number(row.effectiveSavingRatio.toFixed(4)),
      recall: row.recall === null ? null : Number(row.recall.toFixed(4)),
      recallCalls: row.recallCalls,
      sessionsDearer: row.sessionsDearer,
      sessionsDearerEffective: row.sessionsDearerEffective,
      worstStopRegret: row.worstStopRegret,
    }));
  }
  console.log(JSON.stringify({ benchmark: "strategies/length-buckets", priceModel, cache, buckets: json }));
}

await main();
