/**
 * Issue 10's safety rows under every cached price list: is the default ever dearer than no compaction at a
 * session's end (+0.5%), and what is its worst stopping-point regret, on the recorded sessions of
 * `../shared/transcripts`, with each session priced at the list's model under its provider's cache rules (the
 * session's recorded cache lifetime), as `compactor bench --all-cached-prices` does.
 *
 * What the rows count. Regret is measured against no compaction, which is only an alternative while its prompt
 * leaves room in the list's context window. Past {@link viableWindowShare} (85%) of the window no agent runs
 * without compacting: the recorded Claude Code sessions' own auto-compaction fires at 167k–170k of their 200k
 * window (the bench's `claude-code-auto-compact`), LangChain deepagents' summarization at 85%, and a request whose
 * prompt plus `max_tokens` exceeds the window is rejected by Anthropic (Claude Code asks for up to 32k output). So:
 *
 * - the regret row (held to ≤ 2%) counts every stopping point after the strategy's first compaction up to the
 *   call before no compaction's prompt first passes 85% of the window: all of them on a session that stays below;
 * - the dearer row (held to none, +0.5%) counts the sessions whose no-compaction prompt stays below 85%;
 * - sessions whose no-compaction prompt passes it are "window-bound": every policy must compact them (on a 128k
 *   model a 200k-token Claude Code session cannot run at all). They are counted, and the regret up to the window
 *   itself (100%) and their end-of-session excess are printed beside, never hidden.
 *
 * The default's rule compacts whatever it costs only above the same 85% (`cacheAware`'s forced watermark); between
 * its high watermark (60%) and there, it is held by `maxRegret` like any economic compaction. Compactions the
 * window calls for there are the rule's own choice and count like any other.
 *
 * Run: `npx tsx benchmarks/strategies/price-lists.ts [--lists all|a,b] [--subfolders claude-code,...]
 * [--workers 2] [--strategy default]`. Prints one row per list and one JSON line; exits 1 when a list has a
 * session (that fits its window) dearer than +0.5% or a worst regret above 2%.
 *
 * @module
 */
import type { BenchResult } from "../../src/replay/bench.js";
import { cachedPriceLists } from "../../src/replay/matrix.js";
import { runSettingsParallel } from "../../src/replay/parallel.js";
import { getModelPrice } from "../../src/pricing/index.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import type { Transcript } from "../../src/transcript/types.js";
import { goal } from "./goal.js";
import { argument, loadSessions, skipWithoutTranscripts } from "./sessions.js";

/**
 * Share of the context window up to which no compaction counts as an alternative (see the module's comment): the
 * recorded Claude Code sessions auto-compact at 167k–170k of 200k.
 */
export const viableWindowShare = 0.85;

/** Where a worst regret happened. */
export interface RegretPoint {
  ratio: number;
  transcript: string;
  call: number;
}

/** The safety rows of one price list. */
export interface PriceListRow {
  provider: string;
  model: string;
  /** The list's context window (tokens), when the price table gives one. */
  contextWindow: number | null;
  sessions: number;
  /** Sessions whose no-compaction prompt passes {@link viableWindowShare} of the window at some call. */
  windowBound: number;
  /** Sessions not window-bound where the strategy cost more than no compaction at the end (+0.5%). */
  dearer: number;
  /** Window-bound sessions where it did (shown, not held). */
  dearerWindowBound: number;
  /**
   * Worst stopping-point regret over every stopping point after the strategy's first compaction at which no
   * compaction is still an alternative (before its prompt first passes {@link viableWindowShare} of the window).
   */
  worstRegret: RegretPoint | null;
  /** The same up to the window itself (100%): stopping points where no compaction could still be sent (shown). */
  worstRegretToWindow: RegretPoint | null;
  compactions: number;
}

/** A bench result with its per-call series (`runBench({ series: true })`). */
type SeriesResult = BenchResult & { series?: { cumulativeCostUsd: number[]; contextTokens: number[] } };

/**
 * The worst regret of `row` against `baseline` at the stopping points where no compaction could still run: from
 * the first compaction to the call before no compaction's prompt first exceeds `limit` tokens (`null`: every call).
 */
export function feasibleRegret(
  row: SeriesResult,
  baseline: SeriesResult,
  limit: number | null,
): RegretPoint | null {
  const trail = row.series?.cumulativeCostUsd;
  const base = baseline.series?.cumulativeCostUsd;
  const prompts = baseline.series?.contextTokens;
  if (row.firstCompactionCall === null || !trail || !base || !prompts) return null;
  let worst: RegretPoint | null = null;
  for (let call = 0; call < Math.min(trail.length, base.length); call++) {
    if (limit !== null && (prompts[call] ?? 0) > limit) break;
    const cost = base[call] as number;
    if (call < row.firstCompactionCall || cost <= 0) continue;
    const ratio = ((trail[call] as number) - cost) / cost;
    if (worst === null || ratio > worst.ratio) worst = { ratio, transcript: row.transcript, call };
  }
  return worst;
}

/** The rows of one list from the bench's results with series (strategy `strategy` against `none`). */
export function priceListRow(
  list: { provider: string; model: string },
  results: readonly BenchResult[],
  strategy = "default",
): PriceListRow {
  const window = getModelPrice(list.model)?.contextWindow ?? null;
  const baselines = new Map(
    (results as readonly SeriesResult[])
      .filter((row) => row.strategy === "none")
      .map((row) => [row.transcript, row] as const),
  );
  const own = (results as readonly SeriesResult[]).filter(
    (row) => row.strategy === strategy && row.costUsd !== null && row.baselineCostUsd !== null,
  );
  const worstOf = (points: ReadonlyArray<RegretPoint | null>) =>
    points.reduce<RegretPoint | null>(
      (worst, point) => (point && (worst === null || point.ratio > worst.ratio) ? point : worst),
      null,
    );
  const viable = window === null ? null : window * viableWindowShare;
  const bound = (row: BenchResult) =>
    viable !== null && (baselines.get(row.transcript)?.peakContextTokens ?? 0) > viable;
  const dearer = (row: BenchResult) =>
    (row.costUsd ?? 0) > (row.baselineCostUsd ?? 0) * (1 + goal.dearerTolerance);
  const regrets = (limit: number | null) =>
    worstOf(
      own.map((row) => {
        const baseline = baselines.get(row.transcript);
        return baseline ? feasibleRegret(row, baseline, limit) : null;
      }),
    );
  return {
    provider: list.provider,
    model: list.model,
    contextWindow: window,
    sessions: own.length,
    windowBound: own.filter(bound).length,
    dearer: own.filter((row) => !bound(row) && dearer(row)).length,
    dearerWindowBound: own.filter((row) => bound(row) && dearer(row)).length,
    worstRegret: regrets(viable),
    worstRegretToWindow: regrets(window),
    compactions: own.reduce((sum, row) => sum + row.compactions, 0),
  };
}

/** The lists that fail a safety row, one sentence each. */
export function unmetPriceLists(rows: readonly PriceListRow[]): string[] {
  const unmet: string[] = [];
  for (const row of rows) {
    if (row.dearer > 0) unmet.push(`${row.model}: ${row.dearer} sessions dearer than no compaction (+0.5%)`);
    if (row.worstRegret && row.worstRegret.ratio > goal.worstRegret)
      unmet.push(
        `${row.model}: worst stopping-point regret ${(row.worstRegret.ratio * 100).toFixed(1)}% (${row.worstRegret.transcript} call ${row.worstRegret.call})`,
      );
  }
  return unmet;
}

/** Replays `sessions` under `none` and `strategy` (a catalog name) priced at each list's model. */
export async function priceListRows(
  sessions: readonly Transcript[],
  lists: ReadonlyArray<{ provider: string; model: string }>,
  options: { strategy?: string; workers?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<PriceListRow[]> {
  const strategy = options.strategy ?? "default";
  // One run for every list: the workers keep their token counts across lists (per-call series are small).
  const reports = await runSettingsParallel({
    transcripts: sessions,
    strategies: ["none", strategy],
    settings: lists.map((list) => ({ priceModel: list.model, cache: "provider" as const })),
    tokens: defaultTokenCounter(),
    series: true,
    workers: options.workers ?? 1,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return lists.map((list, index) => priceListRow(list, reports[index]?.results ?? [], strategy));
}

async function main(): Promise<void> {
  if (skipWithoutTranscripts()) return;
  const subfolders = (argument("--subfolders") ?? "").split(",").filter(Boolean);
  const wanted = argument("--lists") ?? "all";
  const all = cachedPriceLists();
  const lists =
    wanted === "all"
      ? all
      : wanted
          .split(",")
          .map((model) => all.find((list) => list.models.includes(model)) ?? { provider: "?", model });
  const strategy = argument("--strategy") ?? "default";
  const sessions = await loadSessions(subfolders);
  const started = Date.now();
  const rows = await priceListRows(sessions, lists, {
    strategy,
    workers: Number(argument("--workers") ?? 1),
    onProgress: (done, total) => {
      if (done % 200 === 0) process.stderr.write(`${done}/${total}\n`);
    },
  });
  const percent = (value: number | undefined) => (value === undefined ? "-" : `${(value * 100).toFixed(1)}%`);
  console.log(
    `${strategy} vs no compaction under ${lists.length} cached price lists, ${sessions.length} sessions (${subfolders.join(", ") || "all"}), ${Math.round((Date.now() - started) / 1000)} s`,
  );
  console.log(
    "provider    model                         window  sessions  dearer  worst regret (where)                        window-bound (>85%): sessions  dearer  regret to 100% of window",
  );
  for (const row of rows) {
    const where = row.worstRegret
      ? `${percent(row.worstRegret.ratio)} (${row.worstRegret.transcript} c${row.worstRegret.call})`
      : "-";
    console.log(
      [
        row.provider.padEnd(11),
        row.model.padEnd(28),
        String(row.contextWindow ?? "-").padStart(8),
        String(row.sessions).padStart(9),
        String(row.dearer).padStart(7),
        `  ${where.padEnd(42)}`,
        String(row.windowBound).padStart(29),
        String(row.dearerWindowBound).padStart(7),
        percent(row.worstRegretToWindow?.ratio).padStart(26),
      ].join(" "),
    );
  }
  const worst = rows.reduce<PriceListRow | null>(
    (best, row) => ((row.worstRegret?.ratio ?? -1) > (best?.worstRegret?.ratio ?? -1) ? row : best),
    null,
  );
  console.log(
    `\nworst regret over the lists: ${percent(worst?.worstRegret?.ratio)} (${worst?.model ?? "-"}); sessions dearer (+0.5%): ${rows.reduce((sum, row) => sum + row.dearer, 0)}; window-bound sessions (not held): ${rows.reduce((sum, row) => sum + row.windowBound, 0)}, of them dearer: ${rows.reduce((sum, row) => sum + row.dearerWindowBound, 0)}; worst regret up to 100% of the window: ${percent(Math.max(...rows.map((row) => row.worstRegretToWindow?.ratio ?? -1)))}`,
  );
  const unmet = unmetPriceLists(rows);
  console.log(unmet.length === 0 ? "every list holds" : `unmet (${unmet.length}):`);
  for (const line of unmet) console.log(`- ${line}`);
  console.log(JSON.stringify({ benchmark: "strategy-price-lists", strategy, subfolders, rows, unmet }));
  if (unmet.length > 0) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
