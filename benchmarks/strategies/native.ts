
import type { StrategySpec } from "../../src/replay/strategy-specs.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { nativeCompaction } from "../../strategies/native.js";
import type { Trigger } from "../../strategies/types.js";
import { benchSetting, type LeverRow, leverSettings, leverSpecsByName, outcomeCells } from "./levers.js";
import { argument, loadSessions, skipWithoutTranscripts } from "./sessions.js";

const always: Trigger = { name: "always", shouldCompact: () => true };

/** The native part as the bench runs it. */
export const nativeSpec: StrategySpec = {
  name: "native",
  source: "nativeCompaction(): the provider compacts when the default's cache-aware rule says compact",
  create: () => ({ strategy: nativeCompaction(), trigger: always }),
};

async function main(): Promise<void> {
  if (skipWithoutTranscripts()) return;
  const subfolders = (argument("--subfolders") ?? "claude-code").split(",").filter(Boolean);
  const sessions = await loadSessions(subfolders);
  const specs = [...leverSpecsByName(["none", "default"]), nativeSpec];
  const tokens = defaultTokenCounter();
  const chosen = argument("--settings")?.split(",");
  const all: LeverRow[] = [];
  for (const setting of leverSettings.filter((item) => chosen === undefined || chosen.includes(item.label))) {
    const started = performance.now();
    const rows = await benchSetting(setting, sessions, specs, tokens);
    all.push(...rows);
    console.log(
      `\n${setting.label} (${setting.priceModel}), ${sessions.length} sessions, ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    console.log(
      "bucket  strategy    sessions   saving  effective  recall  dearer  worst regret  compactions",
    );
    for (const row of rows) {
      console.log(
        [
          row.bucket.padEnd(7),
          row.strategy.padEnd(11),
          ...outcomeCells(row),
          String(row.compactions).padStart(12),
        ].join(" "),
      );
    }
  }
  console.log(JSON.stringify({ benchmark: "native-compaction", subfolders, rows: all }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
