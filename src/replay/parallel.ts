/**
 * The benchmark over several worker threads: transcripts are split into balanced shares (by the messages
 * their calls send, which is what a replay's work grows with), each worker replays its share under every
 * strategy and price setting, and the rows are put back in transcript order. Results are the same as
 * in-process: every replay is deterministic and depends only on its transcript.
 *
 * Works from the built files and from the TypeScript sources (under tsx: each worker registers tsx's loader).
 * Falls back to in-process replays, with a warning on stderr, when workers cannot start or fail.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { TokenCounter } from "../session/token-counter.js";
import type { Transcript } from "../transcript/types.js";
import { type BenchReport, type BenchResult, runBench, summarize } from "./bench.js";
import type { BenchWorkerInput, BenchWorkerMessage } from "./bench-worker.js";
import { strategySpecsByName } from "./catalog.js";
import type { CacheMode } from "./replay.js";
import type { StrategySpec } from "./strategy-specs.js";

/** One price setting: a price model (undefined: each transcript's own) and a cache mode. */
export interface SettingInput {
  priceModel?: string;
  cache: CacheMode;
}

/** Options of {@link runSettingsParallel}. */
export interface ParallelOptions {
  transcripts: readonly Transcript[];
  /** Names of catalog strategies (workers rebuild them by name). */
  strategies: readonly string[];
  /** Strategies loaded from the user's own files (`--strategy`), found by name before the catalog's; replayed in-process. */
  custom?: readonly StrategySpec[];
  settings: readonly SettingInput[];
  tokens: TokenCounter;
  /** @default false */
  series?: boolean;
  /**
   * Worker threads; 1 replays in-process. Each worker loads the tokenizer and counts its own transcripts, so
   * workers pay off on machines with idle cores; on a busy 2-core machine they measured no faster.
   * @default 1
   */
  workers?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Below this many call-messages in all, workers cost more to start than they save. */
const parallelThreshold = 50_000;

function weightOf(transcript: Transcript): number {
  return transcript.calls.reduce((sum, call) => sum + (call.promptEnd - call.promptStart), 0);
}

/** Splits indices into `count` shares of similar weight (heaviest first, each to the lightest share). */
function shares(transcripts: readonly Transcript[], count: number): number[][] {
  const order = transcripts.map((transcript, index) => ({ index, weight: weightOf(transcript) }));
  order.sort((left, right) => right.weight - left.weight || left.index - right.index);
  const buckets = Array.from({ length: count }, () => ({ weight: 0, indices: [] as number[] }));
  for (const item of order) {
    const lightest = buckets.reduce((best, bucket) => (bucket.weight < best.weight ? bucket : best));
    lightest.weight += item.weight;
    lightest.indices.push(item.index);
  }
  return buckets
    .map((bucket) => bucket.indices.sort((left, right) => left - right))
    .filter((indices) => indices.length > 0);
}

/**
 * Starts the worker entry. Built (dist/), it is `bench-worker.js`. From the TypeScript sources it is
 * `bench-worker.ts`, which a worker thread cannot load by itself: the loader tsx registers in the main thread does
 * not reach workers (Node 20: `ERR_UNKNOWN_FILE_EXTENSION`), so the worker first registers tsx's ESM loader
 * (`tsx/esm/api`) and then imports the entry. Throws when tsx cannot be found.
 */
function startWorker(input: BenchWorkerInput): Worker {
  if (!import.meta.url.endsWith(".ts")) {
    return new Worker(new URL("./bench-worker.js", import.meta.url), { workerData: input });
  }
  const loader = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./bench-worker.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: input });
}

function runWorker(input: BenchWorkerInput, onReplay: () => void): Promise<BenchReport[]> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(input);
    worker.on("message", (message: BenchWorkerMessage) => {
      if (message.type === "progress") onReplay();
      else if (message.type === "done") resolve(message.reports);
      else reject(new Error(message.message));
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (code !== 0) reject(new Error(`bench worker exited with code ${code}`));
    });
  });
}

async function inProcess(options: ParallelOptions): Promise<BenchReport[]> {
  const custom = options.custom ?? [];
  const strategies = options.strategies.map(
    (name) => custom.find((spec) => spec.name === name) ?? (strategySpecsByName([name])[0] as StrategySpec),
  );
  const reports: BenchReport[] = [];
  for (const [index, setting] of options.settings.entries()) {
    reports.push(
      await runBench({
        transcripts: options.transcripts,
        strategies,
        cache: setting.cache,
        tokens: options.tokens,
        series: options.series ?? false,
        ...(setting.priceModel !== undefined ? { priceModel: setting.priceModel } : {}),
        ...(options.onProgress
          ? {
              onProgress: (done: number, total: number) =>
                options.onProgress?.(index * total + done, options.settings.length * total),
            }
          : {}),
      }),
    );
  }
  return reports;
}

/** Runs the benchmark once per setting, over worker threads when it is worth it; one report per setting. */
export async function runSettingsParallel(options: ParallelOptions): Promise<BenchReport[]> {
  const wanted = Math.min(options.workers ?? 1, availableParallelism());
  const weight = options.transcripts.reduce((sum, transcript) => sum + weightOf(transcript), 0);
  if (wanted <= 1 || (options.custom?.length ?? 0) > 0 || options.transcripts.length < 2 || weight < parallelThreshold) return inProcess(options);
  const parts = shares(options.transcripts, wanted);
  const names = options.strategies.includes("none")
    ? [...options.strategies]
    : ["none", ...options.strategies];
  const total = options.transcripts.length * names.length * options.settings.length;
  let done = 0;
  const onReplay = () => options.onProgress?.(++done, total);
  let partReports: BenchReport[][];
  try {
    partReports = await Promise.all(
      parts.map((indices) =>
        runWorker(
          {
            transcripts: indices.map((index) => options.transcripts[index] as Transcript),
            strategies: names,
            settings: [...options.settings],
            series: options.series ?? false,
          },
          onReplay,
        ),
      ),
    );
  } catch (error) {
    // Results are the same in-process, but the run is slower than asked for: say so.
    process.stderr.write(
      `compactor bench: worker threads failed (${error instanceof Error ? error.message : String(error)}); replaying in-process\n`,
    );
    return inProcess(options);
  }
  return options.settings.map((setting, settingIndex) => {
    const byTranscript = new Map<string, BenchResult[]>();
    const unpriced = new Set<string>();
    for (const reports of partReports) {
      const report = reports[settingIndex] as BenchReport;
      for (const row of report.results) {
        const rows = byTranscript.get(row.transcript) ?? [];
        rows.push(row);
        byTranscript.set(row.transcript, rows);
      }
      for (const id of report.unpriced) unpriced.add(id);
    }
    const seen = new Set<string>();
    const results: BenchResult[] = [];
    for (const transcript of options.transcripts) {
      if (seen.has(transcript.id)) continue;
      seen.add(transcript.id);
      results.push(...(byTranscript.get(transcript.id) ?? []));
    }
    return {
      priceModel: setting.priceModel ?? "recorded",
      cache: setting.cache,
      results,
      summary: summarize(names, results),
      unpriced: options.transcripts.map((transcript) => transcript.id).filter((id) => unpriced.has(id)),
    };
  });
}
