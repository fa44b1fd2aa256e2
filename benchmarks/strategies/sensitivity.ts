
import type { StrategySpec } from "../../src/replay/strategy-specs.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import type { CacheAwareOptions } from "../../strategies/cache-aware.js";
import { defaultStrategy } from "../../strategies/default.js";
import type { FactSummaryOptions } from "../../strategies/fact-summary.js";
import type { Trigger } from "../../strategies/types.js";
import { benchSetting, bucketOf, type LeverRow, leverSettings } from "./levers.js";
import { argument, loadSessions, skipWithoutTranscripts } from "./sessions.js";

const always: Trigger = { name: "always", shouldCompact: () => true };

function axis(text: string): { name: string; values: number[] } {
  const [name = "", values = ""] = text.split("=");
  const numbers = values.split(",").map(Number);
  if (name === "" || numbers.some((value) => !Number.isFinite(value))) {
    throw new Error(`expected name=v1,v2,... (numbers), got ${JSON.stringify(text)}`);
  }
  return { name, values: numbers };
}

/** The default's composition with `options` set (`facts.` names go to the summary, others to cacheAware). */
function composition(options: Record<string, number>): StrategySpec["create"] {
  const facts: Record<string, number> = {};
  const wrapper: Record<string, number> = {};
  for (const [name, value] of Object.entries(options)) {
    if (name.startsWith("facts.")) facts[name.slice("facts.".length)] = value;
    else wrapper[name] = value;
  }
  return () => ({
    strategy: defaultStrategy({
      summarize: facts as FactSummaryOptions,
      cacheAware: wrapper as CacheAwareOptions,
    }),
    trigger: always,
  });
}

/** One cell of the grid. */
export interface SensitivityCell extends LeverRow {
  /** Value of the row option. */
  row: number;
  /** Value of the column option. */
  column: number;
}

async function main(): Promise<void> {
  if (skipWithoutTranscripts()) return;
  const settingLabel = argument("--setting") ?? "anthropic 5m";
  const setting = leverSettings.find((candidate) => candidate.label === settingLabel);
  if (!setting) throw new Error(`--setting: expected one of ${leverSettings.map((s) => s.label).join(", ")}`);
  const subfolders = (argument("--subfolders") ?? "claude-code").split(",");
  const rows = axis(argument("--rows") ?? "minRemovedShare=0.15,0.25,0.4");
  const columns = axis(argument("--columns") ?? "paybackMultiple=1,2,4");
  const sessions = (await loadSessions(subfolders)).filter(
    (session) => bucketOf(session.calls.length) === "long",
  );
  const specs: StrategySpec[] = [];
  const cellOf = new Map<string, { row: number; column: number }>();
  for (const row of rows.values) {
    for (const column of columns.values) {
      const name = `${rows.name}=${row} ${columns.name}=${column}`;
      cellOf.set(name, { row, column });
      specs.push({ name, create: composition({ [rows.name]: row, [columns.name]: column }) });
    }
  }
  const cells: SensitivityCell[] = (await benchSetting(setting, sessions, specs, defaultTokenCounter()))
    .filter((line) => line.bucket === "long")
    .map((line) => ({ ...line, ...(cellOf.get(line.strategy) as { row: number; column: number }) }));
  const percent = (value: number | null) => (value === null ? "-" : `${(value * 100).toFixed(1)}%`);
  console.log(
    `${setting.label} (${setting.priceModel}), ${sessions.length} long sessions; cell: saving / effective saving / recall / dearer / worst regret`,
  );
  console.log(
    `${rows.name} \\ ${columns.name}`.padEnd(36) + columns.values.map((v) => String(v).padStart(40)).join(""),
  );
  for (const row of rows.values) {
    const line = cells
      .filter((cell) => cell.row === row)
      .map((cell) =>
        `${percent(cell.saving)} / ${percent(cell.effectiveSaving)} / ${cell.recall === null ? "-" : cell.recall.toFixed(3)} / ${cell.dearer} / ${percent(cell.worstRegret)}`.padStart(
          40,
        ),
      )
      .join("");
    console.log(`${String(row).padEnd(36)}${line}`);
  }
  console.log(
    JSON.stringify({
      benchmark: "strategy-sensitivity",
      setting: setting.label,
      rows: rows.name,
      columns: columns.name,
      cells,
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
