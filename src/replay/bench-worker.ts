/**
 * Worker-thread entry of {@link runSettingsParallel}: replays its share of the transcripts under the named
 * catalog strategies for each price setting and posts the reports back, with progress after each replay.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { defaultTokenCounter } from "../session/token-counter.js";
import type { Transcript } from "../transcript/types.js";
import { type BenchReport, runBench } from "./bench.js";
import { strategySpecsByName } from "./catalog.js";
import type { CacheMode } from "./replay.js";

/** What the parent sends a worker. */
export interface BenchWorkerInput {
  transcripts: Transcript[];
  strategies: string[];
  settings: Array<{ priceModel?: string; cache: CacheMode }>;
  series: boolean;
}

/** What a worker posts: progress (one more replay done), its reports, or the error it failed with. */
export type BenchWorkerMessage =
  | { type: "progress" }
  | { type: "done"; reports: BenchReport[] }
  | { type: "error"; message: string };

async function work(input: BenchWorkerInput): Promise<BenchReport[]> {
  const tokens = defaultTokenCounter();
  const strategies = strategySpecsByName(input.strategies);
  const reports: BenchReport[] = [];
  for (const setting of input.settings) {
    reports.push(
      await runBench({
        transcripts: input.transcripts,
        strategies,
        cache: setting.cache,
        tokens,
        series: input.series,
        ...(setting.priceModel !== undefined ? { priceModel: setting.priceModel } : {}),
        onProgress: () => parentPort?.postMessage({ type: "progress" } satisfies BenchWorkerMessage),
      }),
    );
  }
  return reports;
}

if (parentPort) {
  const port = parentPort;
  work(workerData as BenchWorkerInput).then(
    (reports) => port.postMessage({ type: "done", reports } satisfies BenchWorkerMessage),
    (error: unknown) =>
      port.postMessage({
        type: "error",
        message: error instanceof Error ? error.message : String(error),
      } satisfies BenchWorkerMessage),
  );
}
