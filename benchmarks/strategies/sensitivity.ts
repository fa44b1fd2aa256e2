/**
 * How the default's saving and recall move with its parameters: a grid over the cache-aware wrapper's
 * `targetShare` (how far a compaction cuts) and `paybackMultiple` (how sure it must be to pay), replayed on the
 * long recorded sessions (≥100 calls) of `../shared/transcripts` under one cache setting. A rule is only worth
 * shipping when its saving changes smoothly with its parameters (no knife edge), and when no cell costs more
 * than no compaction on any session.
 *
 * Run: `npx tsx benchmarks/strategies/sensitivity.ts [--setting "anthropic 1h"] [--subfolders claude-code]
 * [--targets 0.3,0.4,0.5] [--multiples 1,2,4,8]`. Prints the grid (saving %, recall, sessions dearer) and one
 * JSON line.
 *
 * @module
 */

import { runBench } from "../../src/replay/bench.js";
import type { StrategySpec } from "../../src/replay/strategy-specs.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { cacheAware } from "../../strategies/cache-aware.js";
import { factSummary } from "../../strategies/fact-summary.js";
import { losslessRemovals } from "../../strategies/lossless.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import { pipeline } from "../../strategies/pipeline.js";
import type { Trigger } from "../../strategies/types.js";
import { bucketOf, leverSettings, withTtl } from "./levers.js";
import { loadSessions, transcriptsFolder, transcriptsPresent } from "./sessions.js";

const always: Trigger = { name: "always", shouldCompact: () => true };

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function numbers(text: string | undefined, fallback: number[]): number[] {
  return text === undefined ? fallback : text.split(",").map(Number);
}

/** One cell of the grid. */
export interface SensitivityCell {
  /** Value of the row parameter. */
  row: number;
  /** Value of the column parameter. */
  column: number;
  saving: number;
  recall: number;
  dearer: number;
  compactions: number;
  /** Worst session's saving (negative: dearer). */
  worstSaving: number;
}

async function main(): Promise<void> {
  if (!transcriptsPresent()) {
    console.log(
      `skipped: ${transcriptsFolder} is absent (the recorded sessions live outside the repository)`,
    );
    return;
  }
  const settingLabel = argument("--setting") ?? "anthropic 1h";
  const setting = leverSettings.find((candidate) => candidate.label === settingLabel);
  if (!setting) throw new Error(`--setting: expected one of ${leverSettings.map((s) => s.label).join(", ")}`);
  const subfolders = (argument("--subfolders") ?? "claude-code").split(",");
  const [rowName, rowText] = (argument("--rows") ?? "minRemovedShare=0.2,0.3,0.4").split("=");
  const [columnName, columnText] = (argument("--columns") ?? "paybackMultiple=1,2,4").split("=");
  const targets = numbers(rowText, []);
  const multiples = numbers(columnText, []);
  const sessions = (await loadSessions(subfolders)).filter(
    (session) => bucketOf(session.calls.length) === "long",
  );
  const ttl = setting.ttl;
  const transcripts = ttl ? sessions.map((session) => withTtl(session, ttl)) : sessions;
  const specs: StrategySpec[] = [];
  for (const targetShare of targets) {
    for (const paybackMultiple of multiples) {
      specs.push({
        name: `${rowName}=${targetShare} ${columnName}=${paybackMultiple}`,
        create: () => ({
          strategy: cacheAware(pipeline(losslessRemovals(), observationMasking(), factSummary()), {
            [rowName as string]: targetShare,
            [columnName as string]: paybackMultiple,
          }),
          trigger: always,
        }),
      });
    }
  }
  const report = await runBench({
    transcripts,
    strategies: specs,
    priceModel: setting.priceModel,
    cache: "provider",
    tokens: defaultTokenCounter(),
  });
  const cells: SensitivityCell[] = [];
  for (const [index, spec] of specs.entries()) {
    const rows = report.results.filter((row) => row.strategy === spec.name);
    const cost = rows.reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
    const baseline = rows.reduce((sum, row) => sum + (row.baselineCostUsd ?? 0), 0);
    const savings = rows.map((row) => 1 - (row.costUsd ?? 0) / (row.baselineCostUsd ?? 1));
    cells.push({
      row: targets[Math.floor(index / multiples.length)] as number,
      column: multiples[index % multiples.length] as number,
      saving: baseline > 0 ? 1 - cost / baseline : 0,
      recall: rows.reduce((sum, row) => sum + (row.recall ?? 1), 0) / Math.max(1, rows.length),
      dearer: rows.filter((row) => (row.costUsd ?? 0) > (row.baselineCostUsd ?? 0) * 1.005).length,
      compactions: rows.reduce((sum, row) => sum + row.compactions, 0),
      worstSaving: Math.min(...savings),
    });
  }
  console.log(
    `${setting.label} (${setting.priceModel}), ${sessions.length} long sessions; cell: saving / recall / dearer`,
  );
  console.log(`${rowName} \\ ${columnName}  ${multiples.map((m) => String(m).padStart(22)).join("")}`);
  for (const targetShare of targets) {
    const line = cells
      .filter((cell) => cell.row === targetShare)
      .map((cell) =>
        `${(cell.saving * 100).toFixed(1)}% / ${cell.recall.toFixed(3)} / ${cell.dearer}`.padStart(22),
      )
      .join("");
    console.log(`${String(targetShare).padEnd(30)} ${line}`);
  }
  console.log(
    JSON.stringify({
      benchmark: "strategy-sensitivity",
      setting: setting.label,
      rows: rowName,
      columns: columnName,
      cells,
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
