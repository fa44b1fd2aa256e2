/**
 * `compactor bench [files|folders] [--strategies a,b] [--price m] [--cache provider|none] [--matrix]
 * [--all-cached-prices] [--trace dir] [--json] [--html f]`: argument parsing, the table and JSON output, the
 * progress bar.
 *
 * @module
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { InvalidOptionError } from "../errors.js";
import { getModelPrice } from "../pricing/index.js";
import { type BenchReport, type BenchSummary, byEffectiveCost, runBench } from "../replay/bench.js";
import { benchStrategies, strategySpecsByName } from "../replay/catalog.js";
import { renderHtmlReport } from "../replay/html-report.js";
import {
  type CachedPriceList,
  cachedPriceLists,
  type MatrixEntry,
  matrixSettings,
  runMatrix,
} from "../replay/matrix.js";
import { runSettingsParallel } from "../replay/parallel.js";
import { TraceWriter, traceFileName } from "../replay/trace.js";
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
  --strategies a,b          strategies to compare (default: all but "native"; "none" is always the baseline)
  --strategy ./file.js      also bench your own strategy module (repeatable; see the README)
  --price model             price every call at this model (default: each session's recorded model)
  --cache provider|none     the price model's prompt-cache rules, or no caching (default: provider)
  --matrix                  run three settings (anthropic+cache: claude-sonnet-4-6, openai+cache: gpt-5,
                            no cache: claude-sonnet-4-6) and name the cheapest strategy under each
  --all-cached-prices       run every price list of the price table that has prompt caching (Anthropic,
                            OpenAI, Google, ...; models with identical prices run once) and report, per
                            price list, each strategy's saving and the sessions it made dearer
                            (default strategies with it: none,default)
  --trace dir               write an audit trail: one JSONL file per replay, one line per call with the
                            messages sent, the usage and dollars priced, and what each compaction removed
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
  /** Run every cached price list ({@link cachedPriceLists}) instead of one price setting. @default false */
  allCachedPrices?: boolean;
  /** Folder for the audit trail (one JSONL file per replay). */
  trace?: string;
  /** Worker threads for the replays. @default 1 */
  workers?: number;
  json: boolean;
  html?: string;
  write: (text: string) => void;
  /** Where progress goes; `undefined` for none. */
  progress?: NodeJS.WriteStream;
  /** Where warnings go (sessions that cannot be replayed). @default process.stderr */
  warn?: (text: string) => void;
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
      "all-cached-prices": { type: "boolean", default: false },
      trace: { type: "string" },
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
    allCachedPrices: values["all-cached-prices"] ?? false,
    write,
    ...(values.trace !== undefined ? { trace: values.trace } : {}),
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

/** Recall as the tables print it: three decimals, `-` when no call used anything removed. */
export function formatRecall(recall: number | null | undefined): string {
  return recall === null || recall === undefined ? "-" : recall.toFixed(3);
}

/** The worst stopping point as the tables print it: `+4.1%` (or `-` without compaction). */
function formatRegret(row: BenchSummary): string {
  const regret = row.worstStopRegret;
  if (!regret) return "-";
  return `${regret.excessRatio > 0 ? "+" : ""}${formatPercent(regret.excessRatio)}`;
}

const summaryColumns: Array<Column<BenchSummary>> = [
  { heading: "strategy", cell: (row) => row.strategy, align: "left" },
  { heading: "cost", cell: (row) => formatUsd(row.costUsd) },
  { heading: "no compaction", cell: (row) => formatUsd(row.baselineCostUsd) },
  { heading: "saving", cell: (row) => formatPercent(row.savingRatio) },
  { heading: "effective saving", cell: (row) => formatPercent(row.effectiveSavingRatio) },
  { heading: "recall", cell: (row) => formatRecall(row.recall) },
  { heading: "recall calls", cell: (row) => formatInt(row.recallCalls) },
  { heading: "cheaper", cell: (row) => `${row.sessionsCheaper}/${row.sessions}` },
  { heading: "dearer", cell: (row) => `${row.sessionsDearer}/${row.sessions}` },
  { heading: "worst stop", cell: formatRegret },
  { heading: "compactions", cell: (row) => formatInt(row.compactions) },
  { heading: "summarizer", cell: (row) => formatUsd(row.summarizerCostUsd) },
  { heading: "recovery", cell: (row) => formatUsd(row.recoveryCostUsd) },
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

/**
 * True for a transcript that holds usage but no conversation (compactor's own event log): there is nothing a
 * strategy could compact, so replaying it would show every strategy at the same cost.
 */
function withoutMessages(transcript: Transcript): boolean {
  return transcript.format === "compactor-events" || transcript.messages.length === 0;
}

/**
 * Reads the sessions to replay: the files and folders given, or the sample sessions. Sessions that record no
 * messages (compactor's event log) are left out with a warning; none left is an error.
 */
async function loadTranscripts(
  paths: readonly string[],
  warn: (text: string) => void,
): Promise<Transcript[]> {
  const missing = paths.filter((file) => !existsSync(file));
  if (missing.length > 0)
    throw new InvalidOptionError("files", "existing files or folders", missing.join(", "));
  let transcripts: Transcript[] = [];
  if (paths.length === 0) transcripts = sampleSessions();
  else {
    const read = await readSessions(paths); // unreadable files are listed, not fatal
    if (read.skipped.length > 0) warn(describeSkipped(read.skipped));
    transcripts = read.transcripts;
  }
  transcripts = flatten(transcripts);
  const unreplayable = transcripts.filter(withoutMessages);
  if (unreplayable.length > 0) {
    const files = [...new Set(unreplayable.map((transcript) => transcript.file))];
    const what = `${unreplayable.length} session${unreplayable.length === 1 ? "" : "s"} in ${files.join(", ")}`;
    if (unreplayable.length === transcripts.length) {
      throw new InvalidOptionError(
        "files",
        "transcripts that record the messages of each call (compactor's event log records usage only, so bench cannot replay it; use `compactor report` for its bill, or bench the agent's own transcripts)",
        `${what} with no messages`,
      );
    }
    warn(
      `warning: left out ${what}: compactor's event log records usage, not messages, so it cannot be replayed (use \`compactor report\` for its bill)\n`,
    );
    transcripts = transcripts.filter((transcript) => !withoutMessages(transcript));
  }
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
  for (const [flag, set] of [
    ["--matrix", options.matrix],
    ["--all-cached-prices", options.allCachedPrices],
  ] as const) {
    if (
      set &&
      (options.price !== undefined ||
        options.cache !== undefined ||
        options.html !== undefined ||
        options.trace !== undefined)
    ) {
      throw new InvalidOptionError(
        flag,
        "used without --price, --cache, --html and --trace (it sets its own)",
        true,
      );
    }
  }
  if (options.matrix && options.allCachedPrices)
    throw new InvalidOptionError("--matrix", "used without --all-cached-prices (choose one)", true);
  if (options.trace !== undefined && existsSync(options.trace) && !statSync(options.trace).isDirectory())
    throw new InvalidOptionError("--trace", "a folder (it is created when missing)", options.trace);
  const custom = await Promise.all((options.strategyFiles ?? []).map((file) => loadStrategyFile(file)));
  const specs = [
    ...(options.strategies
      ? strategySpecsByName(options.strategies.split(",").map((name) => name.trim()))
      : options.allCachedPrices
        ? strategySpecsByName(["none", "default"])
        : benchStrategies()),
    ...custom,
  ];
  if (custom.length > 0 && options.matrix)
    throw new InvalidOptionError("--strategy", "used without --matrix", options.strategyFiles);
  if (custom.length > 0 && options.allCachedPrices)
    throw new InvalidOptionError("--strategy", "used without --all-cached-prices", options.strategyFiles);
  const names = specs.map((spec) => spec.name);
  const clash = names.find((name, index) => names.indexOf(name) !== index);
  if (clash !== undefined)
    throw new InvalidOptionError(
      "--strategy",
      "strategies with names of their own (not a built-in name)",
      clash,
    );
  if (options.html !== undefined) checkWritable(options.html); // before the replay, not after it
  const warn = options.warn ?? ((text: string) => process.stderr.write(text));
  const transcripts = await loadTranscripts(options.paths, warn);
  if (options.matrix) return writeMatrix(options, transcripts, specs);
  if (options.allCachedPrices) return writeAllCachedPrices(options, transcripts, specs);

  const tokens = defaultTokenCounter();
  const traceDir = options.trace;
  const [report] = (
    traceDir !== undefined
      ? [
          await runBench({
            transcripts,
            strategies: specs,
            cache,
            tokens,
            series: options.html !== undefined,
            ...(options.price ? { priceModel: options.price } : {}),
            ...(options.progress ? { onProgress: progressBar(options.progress) } : {}),
            trace: (transcript, index, strategy) =>
              new TraceWriter(
                path.join(
                  traceDir,
                  traceFileName(String(index + 1).padStart(3, "0"), transcript.id, strategy),
                ),
                transcript,
              ),
          }),
        ]
      : await runSettingsParallel({
          transcripts,
          strategies: specs.map((spec) => spec.name),
          custom,
          settings: [{ cache, ...(options.price ? { priceModel: options.price } : {}) }],
          tokens,
          series: options.html !== undefined,
          ...(options.workers !== undefined ? { workers: options.workers } : {}),
          ...(options.progress ? { onProgress: progressBar(options.progress) } : {}),
        })
  ) as [BenchReport];

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
  options.write(`${renderTable(byEffectiveCost(report.summary), summaryColumns)}\n\n`);
  const cheapest = byEffectiveCost(report.summary)[0];
  if (cheapest)
    options.write(
      `cheapest: ${cheapest.strategy} (${formatUsd(cheapest.effectiveCostUsd)} effective, recall ${formatRecall(cheapest.recall)})\n`,
    );
  options.write(
    "ranked by effective cost: cost plus recovering what the view lost (one extra call per lost output re-read, which then rides in the prompt until the next compaction); recall: over the calls that used something a compaction removed; worst stop: the largest excess over no compaction had the session stopped after the first compaction\n",
  );
  if (traceDir !== undefined) options.write(`audit trail: ${traceDir} (one JSONL file per replay)\n`);
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
  { heading: "effective saving", cell: (entry) => formatPercent(entry.cheapest?.effectiveSavingRatio) },
  { heading: "recall", cell: (entry) => formatRecall(entry.cheapest?.recall) },
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
      options.write(`${renderTable(byEffectiveCost(entry.report.summary), summaryColumns)}\n`);
    }
    options.write(`\nCheapest strategy per setting\n\n${renderTable(entries, matrixColumns)}\n`);
  }
  return (entries[0] as MatrixEntry).report;
}

/** One row of the `--all-cached-prices` table: a price list under one strategy. */
interface PriceListRow {
  list: CachedPriceList;
  summary: BenchSummary;
}

const priceListColumns: Array<Column<PriceListRow>> = [
  { heading: "provider", cell: (row) => row.list.provider, align: "left" },
  {
    heading: "price list",
    cell: (row) =>
      row.list.models.length > 1 ? `${row.list.model} (+${row.list.models.length - 1})` : row.list.model,
    align: "left",
  },
  { heading: "strategy", cell: (row) => row.summary.strategy, align: "left" },
  { heading: "no compaction", cell: (row) => formatUsd(row.summary.baselineCostUsd) },
  { heading: "saving", cell: (row) => formatPercent(row.summary.savingRatio) },
  { heading: "effective saving", cell: (row) => formatPercent(row.summary.effectiveSavingRatio) },
  { heading: "dearer", cell: (row) => `${row.summary.sessionsDearer}/${row.summary.sessions}` },
  {
    heading: "dearer effective",
    cell: (row) => `${row.summary.sessionsDearerEffective}/${row.summary.sessions}`,
  },
  { heading: "worst stop", cell: (row) => formatRegret(row.summary) },
];

/** `--all-cached-prices`: every cached price list, one row per (price list, strategy other than none). */
async function writeAllCachedPrices(
  options: BenchCommandOptions,
  transcripts: Transcript[],
  specs: ReturnType<typeof benchStrategies>,
): Promise<BenchReport> {
  const lists = cachedPriceLists();
  const reports = await runSettingsParallel({
    transcripts,
    strategies: specs.map((spec) => spec.name),
    settings: lists.map((list) => ({ priceModel: list.model, cache: "provider" as const })),
    tokens: defaultTokenCounter(),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.progress ? { onProgress: progressBar(options.progress) } : {}),
  });
  const rows: PriceListRow[] = lists.flatMap((list, index) =>
    (reports[index] as BenchReport).summary
      .filter((summary) => summary.strategy !== "none")
      .map((summary) => ({ list, summary })),
  );
  if (options.json) {
    const priceLists = lists.map((list, index) => ({
      provider: list.provider,
      model: list.model,
      models: list.models,
      summary: (reports[index] as BenchReport).summary,
      dearer: Object.fromEntries(
        (reports[index] as BenchReport).summary.map((summary) => [
          summary.strategy,
          (reports[index] as BenchReport).results
            .filter(
              (row) =>
                row.strategy === summary.strategy &&
                row.costUsd !== null &&
                row.baselineCostUsd !== null &&
                row.costUsd > row.baselineCostUsd + 1e-9,
            )
            .map((row) => row.transcript),
        ]),
      ),
    }));
    options.write(`${JSON.stringify({ priceLists }, null, 2)}\n`);
  } else {
    options.write(
      `${transcripts.length} sessions, ${lists.length} price lists with prompt caching (${new Set(lists.map((list) => list.provider)).size} providers; models with identical prices run once), each under its provider's cache rules\n\n`,
    );
    options.write(`${renderTable(rows, priceListColumns)}\n`);
    for (const strategy of specs.map((spec) => spec.name).filter((name) => name !== "none")) {
      const own = rows.filter((row) => row.summary.strategy === strategy);
      const dearer = own.filter((row) => row.summary.sessionsDearer > 0);
      const savings = own.map((row) => row.summary.savingRatio);
      options.write(
        `\n${strategy}: saving ${formatPercent(Math.min(...savings))} to ${formatPercent(Math.max(...savings))} over ${own.length} price lists; dearer than no compaction on some session under ${dearer.length} of them${dearer.length > 0 ? ` (${dearer.map((row) => row.list.model).join(", ")})` : ""}\n`,
      );
    }
  }
  return reports[0] as BenchReport;
}
