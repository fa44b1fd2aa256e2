/**
 * The three price settings a team usually wants answered at once: which strategy is cheapest with Anthropic
 * prices and caching, with OpenAI prices and caching, and with no caching at all.
 *
 * @module
 */
import { getModelPrice, listKnownModels } from "../pricing/index.js";
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

/** The cheapest strategy of a report (lowest effective cost; ties go to the earlier strategy). */
export function cheapestOf(report: BenchReport): BenchSummary | undefined {
  let best: BenchSummary | undefined;
  for (const row of report.summary)
    if (best === undefined || row.effectiveCostUsd < best.effectiveCostUsd - 1e-12) best = row;
  return best;
}

/** One price list of {@link cachedPriceLists}: the model replays are priced at, and every model sharing it. */
export interface CachedPriceList {
  provider: string;
  /** The model the replays are priced at (the first of `models`). */
  model: string;
  /** Models of the price table with exactly these prices, context window and cache rules. */
  models: string[];
}

/**
 * Every price list of the default price table that has prompt caching (cache reads cheaper than input):
 * Anthropic, OpenAI, Google and the other providers the table lists, deprecated models left out. Models whose
 * prices, long-context tiers, context window and provider are all identical give the same replay, so they form
 * one list. Sorted by provider, then model.
 */
export function cachedPriceLists(): CachedPriceList[] {
  const lists = new Map<string, CachedPriceList>();
  const models = [...new Set(listKnownModels().map((known) => known.model))].sort();
  for (const model of models) {
    const price = getModelPrice(model);
    if (!price || !(price.cacheRead < price.input)) continue;
    const key = JSON.stringify([
      price.provider,
      price.input,
      price.output,
      price.cacheRead,
      price.cacheWrite5m,
      price.cacheWrite1h,
      price.contextWindow ?? null,
      price.tiers ?? null,
    ]);
    const list = lists.get(key);
    if (list) list.models.push(model);
    else lists.set(key, { provider: price.provider, model, models: [model] });
  }
  return [...lists.values()].sort(
    (left, right) => left.provider.localeCompare(right.provider) || left.model.localeCompare(right.model),
  );
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
