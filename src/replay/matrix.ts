/**
 * The three price settings a team usually wants answered at once: which strategy is cheapest with Anthropic
 * prices and caching, with OpenAI prices and caching, and with no caching at all.
 *
 * @module
 */
import type { TokenCounter } from "../session/token-counter.js";
import type { Transcript } from "../transcript/types.js";
import type { BenchReport, BenchSummary } from "./bench.js";
import { runSettingsParallel } from "./parallel.js";
import type { CacheMode } from "./replay.js";

/** One price setting of the matrix. */
export interface PriceSetting {
  /** Short label, e.g. `anthropic+cache`. */
  label: string;
  priceModel: string;
  cache: CacheMode;
}

/**
 * The settings `compactor bench --matrix` runs: Claude Sonnet 4.6 with Anthropic's cache rules, GPT-5 with
 * OpenAI's automatic prefix caching, and Claude Sonnet 4.6 with no caching (every prompt token at the input
 * price, as The Complexity Trap prices its runs).
 */
export const matrixSettings: readonly PriceSetting[] = [
  { label: "anthropic+cache", priceModel: "claude-sonnet-4-6", cache: "provider" },
  { label: "openai+cache", priceModel: "gpt-5", cache: "provider" },
  { label: "no cache", priceModel: "claude-sonnet-4-6", cache: "none" },
];

/** One setting's benchmark and its verdicts. */
export interface MatrixEntry {
  setting: PriceSetting;
  report: BenchReport;
  /** The strategy with the lowest total cost. */
  cheapest: BenchSummary | undefined;
  /** Sessions where `default` cost more than no compaction (empty when `default` was not run). */
  defaultDearer: string[];
}

/** Options of {@link runMatrix}. */
export interface MatrixOptions {
  transcripts: readonly Transcript[];
  /** Names of catalog strategies. */
  strategies: readonly string[];
  tokens: TokenCounter;
  /** Worker threads. @default see {@link runSettingsParallel} */
  workers?: number;
  /** @default {@link matrixSettings} */
  settings?: readonly PriceSetting[];
  /** Called after each replay with how many are done out of how many, over all settings. */
  onProgress?: (done: number, total: number) => void;
}

/** The cheapest strategy of a report (lowest total cost; ties go to the earlier strategy). */
export function cheapestOf(report: BenchReport): BenchSummary | undefined {
  let best: BenchSummary | undefined;
  for (const row of report.summary) if (best === undefined || row.costUsd < best.costUsd - 1e-12) best = row;
  return best;
}

/** Sessions where the `default` strategy cost more than no compaction. */
export function defaultDearerSessions(report: BenchReport): string[] {
  return report.results
    .filter((row) => row.strategy === "default" && row.costUsd !== null && row.baselineCostUsd !== null)
    .filter((row) => (row.costUsd ?? 0) > (row.baselineCostUsd ?? 0) + 1e-9)
    .map((row) => row.transcript);
}

/** Runs the benchmark once per setting (over worker threads when worth it) and names each one's cheapest. */
export async function runMatrix(options: MatrixOptions): Promise<MatrixEntry[]> {
  const settings = options.settings ?? matrixSettings;
  const reports = await runSettingsParallel({
    transcripts: options.transcripts,
    strategies: options.strategies,
    settings: settings.map((setting) => ({ priceModel: setting.priceModel, cache: setting.cache })),
    tokens: options.tokens,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return settings.map((setting, index) => {
    const report = reports[index] as BenchReport;
    return { setting, report, cheapest: cheapestOf(report), defaultDearer: defaultDearerSessions(report) };
  });
}
