/**
 * `compactor report <files or folders> [--json]`.
 *
 * @module
 */
import { importPath } from "../importers/index.js";
import { buildReport, type SessionReport } from "../report/report.js";
import type { Transcript } from "../transcript/types.js";
import { type Column, formatInt, formatPercent, formatUsd, renderTable } from "./table.js";

/** Options of {@link runReport}. */
export interface ReportCommandOptions {
  paths: string[];
  json: boolean;
  write: (text: string) => void;
}

const columns: Array<Column<SessionReport & { label: string }>> = [
  { heading: "session", cell: (row) => row.label, align: "left" },
  { heading: "model", cell: (row) => row.model ?? "-", align: "left" },
  { heading: "calls", cell: (row) => formatInt(row.calls) },
  { heading: "prompt", cell: (row) => formatInt(row.promptTokens) },
  { heading: "uncached", cell: (row) => formatInt(row.uncachedTokens) },
  { heading: "cache write", cell: (row) => formatInt(row.cacheWriteTokens) },
  { heading: "cache read", cell: (row) => formatInt(row.cacheReadTokens) },
  { heading: "output", cell: (row) => formatInt(row.outputTokens) },
  { heading: "hit rate", cell: (row) => formatPercent(row.cacheHitRate) },
  { heading: "peak ctx", cell: (row) => formatInt(row.peakContextTokens) },
  { heading: "cost", cell: (row) => (row.calls === 0 ? "no usage" : formatUsd(row.costUsd)) },
  { heading: "no-cache cost", cell: (row) => (row.calls === 0 ? "-" : formatUsd(row.uncachedCostUsd)) },
];

/** Imports the paths, prints a table (or JSON), and returns the report. */
export async function runReport(options: ReportCommandOptions): Promise<void> {
  const transcripts: Transcript[] = [];
  for (const path of options.paths) transcripts.push(...(await importPath(path)));
  const report = buildReport(transcripts);
  if (options.json) {
    options.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const rows: Array<SessionReport & { label: string }> = [];
  for (const session of report.sessions) {
    rows.push({ ...session, label: session.id });
    for (const subagent of session.subagents ?? []) rows.push({ ...subagent, label: `  └ ${subagent.id}` });
  }
  options.write(`${renderTable(rows, columns)}\n\n`);
  const total = report.total;
  options.write(
    `${total.sessions} sessions, ${formatInt(total.calls)} billed calls, ${formatInt(total.promptTokens)} prompt tokens ` +
      `(${formatPercent(total.cacheHitRate)} cache reads), ${formatInt(total.outputTokens)} output tokens\n` +
      `cost ${formatUsd(total.costUsd)} at list prices; without caching ${formatUsd(total.uncachedCostUsd)}` +
      (total.reportedCostUsd !== null ? `; provider-reported ${formatUsd(total.reportedCostUsd)}` : "") +
      "\n",
  );
  const unpriced = report.sessions.filter((session) => session.costUsd === null);
  if (unpriced.length > 0) {
    const models = [...new Set(unpriced.flatMap((session) => session.unpricedModels))].join(", ");
    options.write(`${unpriced.length} session(s) left out of dollar totals: no known price for ${models}\n`);
  }
}
