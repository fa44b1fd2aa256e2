/**
 * Plain-text tables of the cache-effect benchmark: per session, per group of sessions, and over all.
 *
 * @module
 */
import { type Column, formatPercent, formatUsd, renderTable } from "../../src/cli/table.js";
import type { BenchReport, BenchSummary } from "../../src/replay/bench.js";

function shortName(id: string): string {
  const name = id.replace(/\.(traj\.json|jsonl|json|traj)/g, "").replace(/__subagents__agent-/, ":agent-");
  return name.length > 34 ? `${name.slice(0, 31)}...` : name;
}

/** Per-session rows: the baseline cost, then each strategy's cost relative to it. */
export function sessionTable(report: BenchReport, strategies: readonly string[]): string {
  const transcripts = [...new Set(report.results.map((row) => row.transcript))];
  const rows = transcripts.map((transcript) => {
    const results = report.results.filter((row) => row.transcript === transcript);
    return {
      transcript,
      results,
      calls: results[0]?.calls ?? 0,
      baseline: results[0]?.baselineCostUsd ?? null,
    };
  });
  const columns: Array<Column<(typeof rows)[number]>> = [
    { heading: "session", cell: (row) => shortName(row.transcript), align: "left" },
    { heading: "calls", cell: (row) => String(row.calls) },
    { heading: "none", cell: (row) => formatUsd(row.baseline, 3) },
    ...strategies
      .filter((name) => name !== "none")
      .map((name) => ({
        heading: name,
        cell: (row: (typeof rows)[number]) => {
          const result = row.results.find((candidate) => candidate.strategy === name);
          if (!result || result.costUsd === null || !row.baseline) return "-";
          const delta = (result.costUsd - row.baseline) / row.baseline;
          return `${delta > 0 ? "+" : ""}${formatPercent(delta)}${result.compactions > 0 ? ` ${result.compactions}c` : ""}`;
        },
      })),
  ];
  return renderTable(rows, columns);
}

export const summaryColumns: Array<Column<BenchSummary>> = [
  { heading: "strategy", cell: (row) => row.strategy, align: "left" },
  { heading: "cost", cell: (row) => formatUsd(row.costUsd) },
  { heading: "none", cell: (row) => formatUsd(row.baselineCostUsd) },
  { heading: "saving", cell: (row) => formatPercent(row.savingRatio) },
  { heading: "effective", cell: (row) => formatPercent(row.effectiveSavingRatio) },
  { heading: "recall", cell: (row) => row.recall?.toFixed(3) ?? "-" },
  {
    heading: "worst stop",
    cell: (row) => (row.worstStopRegret ? formatPercent(row.worstStopRegret.excessRatio) : "-"),
  },
  { heading: "cheaper", cell: (row) => `${row.sessionsCheaper}/${row.sessions}` },
  { heading: "dearer", cell: (row) => `${row.sessionsDearer}/${row.sessions}` },
  { heading: "compactions", cell: (row) => String(row.compactions) },
  { heading: "summarizer", cell: (row) => formatUsd(row.summarizerCostUsd) },
];

/** Saving of each strategy against none, summed over each group of sessions (sessions by id). */
export function groupTable(
  report: BenchReport,
  groups: ReadonlyMap<string, ReadonlySet<string>>,
  strategies: readonly string[],
): { table: string; savings: Record<string, Record<string, number>> } {
  const savings: Record<string, Record<string, number>> = {};
  const rows = [...groups.entries()].map(([group, ids]) => {
    const results = report.results.filter((row) => ids.has(row.transcript) && row.costUsd !== null);
    const costOf = (name: string) =>
      results.filter((row) => row.strategy === name).reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
    const baseline = costOf("none");
    const byStrategy: Record<string, number> = {};
    for (const name of strategies) {
      byStrategy[name] = baseline > 0 ? Number(((baseline - costOf(name)) / baseline).toFixed(4)) : 0;
    }
    savings[group] = byStrategy;
    return { group, sessions: ids.size, baseline, byStrategy };
  });
  type Row = (typeof rows)[number];
  const columns: Array<Column<Row>> = [
    { heading: "group", cell: (row) => row.group, align: "left" },
    { heading: "sessions", cell: (row) => String(row.sessions) },
    { heading: "none", cell: (row) => formatUsd(row.baseline, 3) },
    ...strategies
      .filter((name) => name !== "none")
      .map((name) => ({ heading: name, cell: (row: Row) => formatPercent(row.byStrategy[name] ?? 0) })),
  ];
  return { table: renderTable(rows, columns), savings };
}
