/**
 * `compactor bench [files|folders] [--strategies a,b] [--price m] [--cache provider|none] [--matrix] [--json]
 * [--html f]`: argument parsing, the table and JSON output, the progress bar.
 *
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { InvalidOptionError } from "../errors.js";
import { getModelPrice } from "../pricing/index.js";
import type { BenchReport } from "../replay/bench.js";
import { benchStrategies, strategySpecsByName } from "../replay/catalog.js";
import { renderHtmlReport } from "../replay/html-report.js";
import { type MatrixEntry, matrixSettings, runMatrix } from "../replay/matrix.js";
import { runSettingsParallel } from "../replay/parallel.js";
import type { CacheMode } from "../replay/replay.js";
import { sampleSessions } from "../samples/generate.js";
import { defaultTokenCounter } from "../session/token-counter.js";
import type { Transcript } from "../transcript/types.js";
import { loadStrategyFile } from "./custom-strategy.js";
import { checkWritable } from "./output-file.js";
import { describeSkipped, plural, pricedModels, readSessions } from "./read-sessions.js";
import { type Column, formatInt, formatPercent, formatUsd, renderTable } from "./table.js";

/** Usage text of `compactor bench`. */
export const benchUsage = `Usage: compactor bench [files|folders] [options]

Replays each recorded session under every strategy and compares dollars and context recall.
With no files, replays generated sample sessions (deterministic).

Options:
  --strategies a,b          strategies to compare (default: all; "none" is always the baseline)
  --strategy ./file.js      also bench your own strategy module (repeatable; see the README)
  --price model             price every call at this model (default: each session's recorded model)
  --cache provider|none     the price model's prompt-cache rules, or no caching (default: provider)
  --matrix                  run three settings (anthropic+cache: claude-sonnet-4-6, openai+cache: gpt-5,
                            no cache: claude-sonnet-4-6) and name the cheapest strategy under each
  --workers n               replay on n worker threads (default 1: in-process)
  --json                    print one JSON object instead of tables
  --html report.html        also write a self-contained HTML report with charts
  -h, --help                this text
`;

/** Options of {@link runBenchCommand}. */
export interface BenchCommandOptions {
  paths: string[];
  strategies?: string;
  /** Strategy modules of one's own ({@link loadStrategyFile}), benched beside the chosen built-in ones. */
  strategyFiles?: string[];
  price?: string;
  cache?: string;
  /** Run the three {@link matrixSettings} instead of one price setting. @default false */
  matrix?: boolean;
  /** Worker threads for the replays. @default 1 */
  workers?: number;
  json: boolean;
  html?: string;
  write: (text: string) => void;
  /** Where progress goes; `undefined` for none. */
  progress?: NodeJS.WriteStream;
}

/**
 * Parses `compactor bench` arguments and runs it; resolves to the exit code. The progress bar goes to stderr
 * only when stderr is a terminal and `--json` is not given.
 */
export async function benchCommand(args: readonly string[], write: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      strategies: { type: "string" },
      strategy: { type: "string", multiple: true },
      price: { type: "string" },
      cache: { type: "string" },
      matrix: { type: "boolean", default: false },
      workers: { type: "string" },
      json: { type: "boolean", default: false },
      html: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    write(benchUsage);
    return 0;
  }
  await runBenchCommand({
    paths: positionals,
    json: values.json ?? false,
    matrix: values.matrix ?? false,
    write,
    ...(values.strategies !== undefined ? { strategies: values.strategies } : {}),
    ...(values.strategy !== undefined ? { strategyFiles: values.strategy } : {}),
    ...(values.price !== undefined ? { price: values.price } : {}),
    ...(values.cache !== undefined ? { cache: values.cache } : {}),
    ...(values.html !== undefined ? { html: values.html } : {}),
    ...(values.workers !== undefined ? { workers: workersOf(values.workers) } : {}),
    ...(process.stderr.isTTY && !values.json ? { progress: process.stderr } : {}),
  });
  return 0;
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

function workersOf(text: string): number {
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1)
    throw new InvalidOptionError("--workers", "a positive integer", text);
  return count;
}

/** Progress as a bar on a terminal stream, redrawn in place. */
function progressBar(stream: NodeJS.WriteStream): (done: number, total: number) => void {
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    stream.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} replays`);
    if (done === total) stream.write("\n");
  };
}

/** Reads the sessions to replay: the files and folders given, or the sample sessions. */
async function loadTranscripts(paths: readonly string[]): Promise<Transcript[]> {
  const missing = paths.filter((path) => !existsSync(path));
  if (missing.length > 0)
    throw new InvalidOptionError("files", "existing files or folders", missing.join(", "));
  let transcripts: Transcript[] = [];
  if (paths.length === 0) transcripts = sampleSessions();
  else {
    const read = await readSessions(paths); // unreadable files are listed, not fatal
    if (read.skipped.length > 0) process.stderr.write(describeSkipped(read.skipped));
    transcripts = read.transcripts;
  }
  transcripts = flatten(transcripts);
  if (transcripts.length === 0) {
    throw new InvalidOptionError("files", "transcripts with at least one recorded call", paths);
  }
  return transcripts;
}

/** Runs the benchmark command; returns the report (of the first setting with `matrix`). */
export async function runBenchCommand(options: BenchCommandOptions): Promise<BenchReport> {
  const cache = (options.cache ?? "provider") as CacheMode;
  if (cache !== "provider" && cache !== "none") {
    throw new InvalidOptionError("--cache", '"provider" or "none"', options.cache);
  }
  if (options.price !== undefined && getModelPrice(options.price) === undefined) {
    throw new InvalidOptionError(
      "--price",
      "a model with a known price (see `compactor prices`)",
      options.price,
    );
  }
  if (
    options.matrix &&
    (options.price !== undefined || options.cache !== undefined || options.html !== undefined)
  ) {
    throw new InvalidOptionError(
      "--matrix",
      "used without --price, --cache and --html (it sets its own)",
      true,
    );
  }
  const custom = await Promise.all((options.strategyFiles ?? []).map((file) => loadStrategyFile(file)));
  const specs = [
    ...(options.strategies
      ? strategySpecsByName(options.strategies.split(",").map((name) => name.trim()))
      : benchStrategies()),
    ...custom,
  ];
  if (custom.length > 0 && options.matrix)
    throw new InvalidOptionError("--strategy", "used without --matrix", options.strategyFiles);
  const names = specs.map((spec) => spec.name);
  const clash = names.find((name, index) => names.indexOf(name) !== index);
  if (clash !== undefined)
    throw new InvalidOptionError("--strategy", "strategies with names of their own (not a built-in name)", clash);
  if (options.html !== undefined) checkWritable(options.html); // before the replay, not after it
  const transcripts = await loadTranscripts(options.paths);
  if (options.matrix) return writeMatrix(options, transcripts, specs);

  const [report] = (await runSettingsParallel({
    transcripts,
    strategies: specs.map((spec) => spec.name),
    custom,
    settings: [{ cache, ...(options.price ? { priceModel: options.price } : {}) }],
    tokens: defaultTokenCounter(),
    series: options.html !== undefined,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.progress ? { onProgress: progressBar(options.progress) } : {}),
  })) as [BenchReport];

  if (options.html) writeFileSync(options.html, renderHtmlReport(report));
  if (options.json) {
    options.write(
      `${JSON.stringify({ ...report, results: report.results.map(({ series: _series, ...row }) => row) }, null, 2)}\n`,
    );
    return report;
  }
  options.write(
    `${plural(transcripts.length, "session")}, prices: ${report.priceModel === "recorded" ? `each session's recorded model (${pricedModels(transcripts)})` : report.priceModel}, cache: ${cache}\n\n`,
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

const matrixColumns: Array<Column<MatrixEntry>> = [
  { heading: "setting", cell: (entry) => entry.setting.label, align: "left" },
  { heading: "prices", cell: (entry) => entry.setting.priceModel, align: "left" },
  { heading: "cheapest", cell: (entry) => entry.cheapest?.strategy ?? "-", align: "left" },
  { heading: "cost", cell: (entry) => formatUsd(entry.cheapest?.costUsd) },
  { heading: "no compaction", cell: (entry) => formatUsd(entry.cheapest?.baselineCostUsd) },
  { heading: "saving", cell: (entry) => formatPercent(entry.cheapest?.savingRatio) },
  { heading: "recall", cell: (entry) => entry.cheapest?.recall.toFixed(3) ?? "-" },
  { heading: "default dearer than none", cell: (entry) => `${entry.defaultDearer.length} sessions` },
];

/** `--matrix`: one table per setting, then the cheapest strategy of each. */
async function writeMatrix(
  options: BenchCommandOptions,
  transcripts: Transcript[],
  specs: ReturnType<typeof benchStrategies>,
): Promise<BenchReport> {
  const entries = await runMatrix({
    transcripts,
    strategies: specs.map((spec) => spec.name),
    tokens: defaultTokenCounter(),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.progress ? { onProgress: progressBar(options.progress) } : {}),
  });
  if (options.json) {
    const matrix = entries.map((entry) => ({
      setting: entry.setting.label,
      priceModel: entry.setting.priceModel,
      cache: entry.setting.cache,
      cheapest: entry.cheapest?.strategy ?? null,
      defaultDearer: entry.defaultDearer,
      results: entry.report.results.map(({ series: _series, ...row }) => row),
      summary: entry.report.summary,
    }));
    options.write(`${JSON.stringify({ matrix }, null, 2)}\n`);
  } else {
    options.write(`${transcripts.length} sessions, ${matrixSettings.length} price settings\n`);
    for (const entry of entries) {
      options.write(
        `\n${entry.setting.label}: prices ${entry.setting.priceModel}, cache ${entry.setting.cache}\n\n`,
      );
      options.write(`${renderTable(entry.report.summary, summaryColumns)}\n`);
    }
    options.write(`\nCheapest strategy per setting\n\n${renderTable(entries, matrixColumns)}\n`);
  }
  return (entries[0] as MatrixEntry).report;
}
