/**
 * Speed and memory of the full bench matrix: every session in ../shared/transcripts (subagents included) ×
 * every strategy of the catalog × the three price settings (Anthropic prices with caching, OpenAI prices with
 * caching, no caching). Target: under 10 s wall time on a 2-core machine and under 1 GiB peak RSS, import
 * included. Prints a table per setting and one JSON line.
 *
 * Run: `npx tsx benchmarks/bench/replay-speed.ts [--json] [--workers=N] [files or folders]` (`--workers=1`: in-process)
 *
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderTable } from "../../src/cli/table.js";
import { importPath } from "../../src/importers/index.js";
import { benchStrategies } from "../../src/replay/catalog.js";
import { matrixSettings, runMatrix } from "../../src/replay/matrix.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import type { Transcript } from "../../src/transcript/types.js";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const argumentsGiven = process.argv.slice(2);
const jsonOnly = argumentsGiven.includes("--json");
const given = argumentsGiven.filter(
  (argument) => argument !== "--json" && !argument.startsWith("--workers="),
);
const inputs = given.length > 0 ? given : [path.resolve(repositoryRoot, "../shared/transcripts")];
const missing = inputs.filter((input) => !existsSync(input));
if (missing.length > 0) {
  console.error(
    `replay-speed: not found: ${missing.join(", ")} (the recorded sessions live in ../shared/transcripts)`,
  );
  process.exit(1);
}

function flatten(transcripts: readonly Transcript[]): Transcript[] {
  return transcripts
    .flatMap((transcript) => [transcript, ...flatten(transcript.subsessions ?? [])])
    .filter((transcript) => transcript.calls.length > 0);
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const started = performance.now();
const cpuStart = process.cpuUsage();
const transcripts: Transcript[] = [];
for (const input of inputs) transcripts.push(...flatten(await importPath(input)));
const imported = performance.now();
const tokens = defaultTokenCounter();
const strategies = benchStrategies();
const workersFlag = argumentsGiven.find((argument) => argument.startsWith("--workers="));
const workers = workersFlag ? Number(workersFlag.slice("--workers=".length)) : undefined;
const entries = await runMatrix({
  transcripts,
  strategies: strategies.map((spec) => spec.name),
  tokens,
  ...(workers !== undefined ? { workers } : {}),
});
const rows = entries.map((entry) => ({
  setting: entry.setting.label,
  prices: `${entry.setting.priceModel}${entry.setting.cache === "none" ? " (no cache)" : ""}`,
  replays: entry.report.results.length,
  calls: entry.report.results.reduce((sum, row) => sum + row.calls, 0),
  cheapest: entry.cheapest?.strategy ?? "-",
  defaultDearer: entry.defaultDearer.length,
}));
const settings = matrixSettings;
const finished = performance.now();
const cpu = process.cpuUsage(cpuStart);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

const totalSeconds = (finished - started) / 1000;
const peakMiB = peakRss / 2 ** 20;
const result = {
  benchmark: "bench-replay-speed",
  sessions: transcripts.length,
  strategies: strategies.length,
  settings: settings.length,
  replays: rows.reduce((sum, row) => sum + row.replays, 0),
  importSeconds: Number(((imported - started) / 1000).toFixed(3)),
  replaySeconds: Number(((finished - imported) / 1000).toFixed(3)),
  totalSeconds: Number(totalSeconds.toFixed(3)),
  /** CPU time of this process (user + system): what the run costs when other work shares the machine. */
  cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
  peakRssMiB: Number(peakMiB.toFixed(1)),
  workers: workers ?? 1,
  perSetting: rows,
  targetSeconds: 10,
  targetRssMiB: 1024,
  pass: totalSeconds < 10 && peakMiB < 1024,
};

if (!jsonOnly) {
  console.log(
    `${transcripts.length} sessions × ${strategies.length} strategies × ${settings.length} price settings (${result.replays} replays)\n`,
  );
  console.log(
    renderTable(rows, [
      { heading: "setting", cell: (row) => row.setting, align: "left" },
      { heading: "prices", cell: (row) => row.prices, align: "left" },
      { heading: "replays", cell: (row) => String(row.replays) },
      { heading: "calls", cell: (row) => row.calls.toLocaleString("en-US") },
      { heading: "cheapest", cell: (row) => row.cheapest, align: "left" },
      { heading: "default dearer than none", cell: (row) => `${row.defaultDearer} sessions` },
    ]),
  );
  console.log(
    `\nimport ${result.importSeconds.toFixed(2)} s, replays ${result.replaySeconds.toFixed(2)} s, total ${result.totalSeconds.toFixed(2)} s (target < 10 s), CPU ${result.cpuSeconds.toFixed(2)} s; peak RSS ${result.peakRssMiB.toFixed(0)} MiB (target < 1024 MiB): ${result.pass ? "PASS" : "FAIL"}\n`,
  );
}
console.log(JSON.stringify(result));
// A run that misses its targets fails, so a script or CI step running the benchmark notices.
if (!result.pass) process.exitCode = 1;
