/**
 * Provider-native compaction (issue 10, lever 5) next to the default, on the recorded sessions of
 * `../shared/transcripts`, per cache setting and length bucket (the settings, buckets and columns of
 * `levers.ts`).
 *
 * How the replay prices native compaction (`src/replay/replay.ts`, `offlineNative`): the provider summarizes
 * with the session's own model; the input is the compacted span plus the fixed prompt the compaction request
 * repeats, read from the cache when the previous call was within the cache lifetime (the span is an earlier
 * call's prompt) and at the input price otherwise; the output is a summary of the extractive summary's measured
 * size, at the session model's output price. What a provider's summary keeps cannot be replayed: its content is
 * the same extractive text as a plain local summary, so the recall column is that of a plain summary of the span.
 * Sessions whose API has no native compaction (Chat Completions) run the fallback (`defaultStrategy()`).
 *
 * Run: `npx tsx benchmarks/strategies/native.ts [--subfolders claude-code] [--settings "anthropic 5m,openai"]`.
 * Prints a table per setting and one JSON line.
 *
 * @module
 */
import { runBench } from "../../src/replay/bench.js";
import type { StrategySpec } from "../../src/replay/strategy-specs.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { nativeCompaction } from "../../strategies/native.js";
import type { Trigger } from "../../strategies/types.js";
import { type LeverRow, leverSettings, leverSpecsByName, rowsOf, withTtl } from "./levers.js";
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
  const percent = (value: number | null) => (value === null ? "-" : `${(value * 100).toFixed(1)}%`);
  for (const setting of leverSettings.filter((item) => chosen === undefined || chosen.includes(item.label))) {
    const ttl = setting.ttl;
    const transcripts = ttl ? sessions.map((session) => withTtl(session, ttl)) : sessions;
    const started = performance.now();
    const report = await runBench({
      transcripts,
      strategies: specs,
      priceModel: setting.priceModel,
      cache: "provider",
      tokens,
    });
    const rows = rowsOf(
      setting.label,
      report.results,
      specs.map((spec) => spec.name),
    );
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
          String(row.sessions).padStart(8),
          percent(row.saving).padStart(8),
          percent(row.effectiveSaving).padStart(10),
          (row.recall === null ? "-" : row.recall.toFixed(3)).padStart(7),
          String(row.dearer).padStart(7),
          percent(row.worstRegret).padStart(13),
          String(row.compactions).padStart(12),
        ].join(" "),
      );
    }
  }
  console.log(JSON.stringify({ benchmark: "native-compaction", subfolders, rows: all }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
