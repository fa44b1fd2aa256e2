/**
 * `compactor bench [files|folders] [--strategies a,b] [--price m] [--cache provider|none] [--json] [--html f]`.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { InvalidOptionError } from "../errors.js";
import { importPath } from "../importers/index.js";
import { type BenchReport, runBench } from "../replay/bench.js";
import { renderHtmlReport } from "../replay/html-report.js";
import type { CacheMode } from "../replay/replay.js";
import { benchStrategies, strategySpecsByName } from "../replay/catalog.js";
import { sampleSessions } from "../samples/generate.js";
import { defaultTokenCounter } from "../session/token-counter.js";
import type { Transcript } from "../transcript/types.js";
import { type Column, formatInt, formatPercent, formatUsd, renderTable } from "./table.js";

/** Options of {@link runBenchCommand}. */
export interface BenchCommandOptions {
  paths: string[];
  strategies?: string;
  price?: string;
  cache?: string;
  json: boolean;
  html?: string;
  write: (text: string) => void;
  /** Where progress goes; `undefined` for none. */
  progress?: NodeJS.WriteStream;
}

function flatten(transcripts: readonly Transcript[]): Transcript[] {
  return transcripts
    .flatMap((transcript) => [transcript, ...flatten(transcript.subsessions ?? [])])
    .filter((transcript) => transcript.calls.length > 0);
}

const summaryColumns: Array<Column<BenchReport["summary"][number]>> = [
  { heading: "strategy", cell: (row) => row.strategy, align: "left" },
  { heading: "cost", cell: (row) => formatUsd(row.costUsd) },
  { heading: "no compaction", cell: (row) => formatUsd(row.baselineCostUsd) },
  { heading: "saving", cell: (row) => formatPercent(row.savingRatio) },
  { heading: "recall", cell: (row) => row.recall.toFixed(3) },
  { heading: "cheaper", cell: (row) => `${row.sessionsCheaper}/${row.sessions}` },
  { heading: "dearer", cell: (row) => `${row.sessionsDearer}/${row.sessions}` },
  { heading: "compactions", cell: (row) => formatInt(row.compactions) },
  { heading: "summarizer", cell: (row) => formatUsd(row.summarizerCostUsd) },
];

/** Runs the benchmark command; returns the report. */
export async function runBenchCommand(options: BenchCommandOptions): Promise<BenchReport> {
  const cache = (options.cache ?? "provider") as CacheMode;
  if (cache !== "provider" && cache !== "none")
    throw new InvalidOptionError("--cache", '"provider" or "none"', options.cache);
  const specs = options.strategies
    ? strategySpecsByName(options.strategies.split(",").map((name) => name.trim()))
    : benchStrategies();
  let transcripts: Transcript[] = [];
  if (options.paths.length === 0) transcripts = sampleSessions();
  else for (const path of options.paths) transcripts.push(...(await importPath(path)));
  transcripts = flatten(transcripts);
  if (transcripts.length === 0)
    throw new InvalidOptionError("files", "transcripts with at least one recorded call", options.paths);

  const progress = options.progress;
  const report = await runBench({
    transcripts,
    strategies: specs,
    cache,
    tokens: defaultTokenCounter(),
    series: options.html !== undefined,
    ...(options.price ? { priceModel: options.price } : {}),
    ...(progress
      ? {
          onProgress: (done: number, total: number) => {
            const width = 30;
            const filled = Math.round((done / total) * width);
            progress.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} replays`);
            if (done === total) progress.write("\n");
          },
        }
      : {}),
  });

  if (options.html) writeFileSync(options.html, renderHtmlReport(report));
  if (options.json) {
    options.write(
      `${JSON.stringify({ ...report, results: report.results.map(({ series: _series, ...row }) => row) }, null, 2)}\n`,
    );
    return report;
  }
  options.write(
    `${transcripts.length} sessions, prices: ${report.priceModel === "recorded" ? "each session's recorded model" : report.priceModel}, cache: ${cache}\n\n`,
  );
  options.write(`${renderTable(report.summary, summaryColumns)}\n\n`);
  const cheapest = [...report.summary].sort((left, right) => left.costUsd - right.costUsd)[0];
  if (cheapest)
    options.write(
      `cheapest: ${cheapest.strategy} (${formatUsd(cheapest.costUsd)}, recall ${cheapest.recall.toFixed(3)})\n`,
    );
  if (report.unpriced.length > 0)
    options.write(`left out of dollar sums (unknown price): ${report.unpriced.join(", ")}\n`);
  if (options.html) options.write(`HTML report: ${options.html}\n`);
  return report;
}
