/**
 * Wrapper overhead per call against the raw client, on the loopback test server (in its own process). For each
 * history size (10k, 100k, 1M tokens) a long Anthropic history is built once; then three clients make N calls
 * each, interleaved (rotating order), every call appending the reply and one new user message to its own copy:
 *
 * - `raw`: the unwrapped SDK client;
 * - `idle`: wrapped with the default strategy and a trigger that never fires (tracking and pricing only);
 * - `compacting`: wrapped with `truncate` at 60% of the history, so the first call compacts and later calls
 *   reuse (and now and then renew) the checkpoint: its requests are smaller, so it is usually faster than raw.
 *
 * Columns: the raw call's median; the median of the paired differences wrapped − raw of the same call index
 * (end to end, wall clock: includes server and network jitter and whatever else runs on the machine); the ratio
 * of means; and compactor's own CPU time per call (prepare + settle of the same runtime, run in process with a
 * synthetic response: see in-process.ts), the precise overhead. The first call of a session (every message of
 * the history is hashed, converted and tokenised once) is reported apart, then `--warmup` calls warm the JIT
 * untimed. Target: under 1 ms added per call at 100k, flat in history length.
 *
 * Side by side: `--baseline DIR` adds a fourth client, `baseline`, wrapped (idle, as above) by the build in
 * `DIR/dist` (another checkout of compactor, built with `npm run build`), interleaved with the other three in
 * the same run, and measures that build's own CPU the same way. `--dist` loads this tree's build (`dist/`, after
 * `npm run build`) instead of its TypeScript sources, so that both sides run as published JavaScript.
 *
 * Run: `npx tsx benchmarks/wrapper/overhead.ts [--calls 200] [--warmup 20] [--sizes 10000,100000,1000000]
 * [--dist] [--baseline DIR] [--json]`
 *
 * @module
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import Anthropic from "@anthropic-ai/sdk";
import { renderTable } from "../../src/cli/table.js";
import { resolve } from "node:path";
import * as source from "../../src/index.js";
import type { Trigger } from "../../src/index.js";
import * as sourceRuntime from "../../src/session/runtime.js";
import * as sourceStore from "../../src/store/memory.js";
import * as sourceTokens from "../../src/tokens/index.js";
import { buildHistory } from "./history.js";
import { measureInProcess, type RuntimeModules } from "./in-process.js";

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const jsonOnly = process.argv.includes("--json");
const calls = Number(option("calls", "200"));
const warmupCalls = Number(option("warmup", "20"));
const sizes = option("sizes", "10000,100000,1000000").split(",").map(Number);
const model = "claude-sonnet-4-6";
const never: Trigger = { name: "never", shouldCompact: () => false };
const baselineDir = process.argv.includes("--baseline") ? resolve(option("baseline", ".")) : undefined;
const modes = baselineDir ? (["raw", "idle", "compacting", "baseline"] as const) : (["raw", "idle", "compacting"] as const);
type Mode = "raw" | "idle" | "compacting" | "baseline";

/** What the benchmark uses of a compactor build. */
interface Library {
  withCompaction: typeof source.withCompaction;
  defaultStrategy: typeof source.defaultStrategy;
  truncate: typeof source.truncate;
  tokenThreshold: typeof source.tokenThreshold;
  modules: RuntimeModules;
  loadTokenizer: () => void;
}

/** A built tree's library (`ROOT/dist`), or this tree's sources. */
async function loadLibrary(root: string | undefined): Promise<Library> {
  if (root === undefined) {
    return {
      ...source,
      modules: { createRuntime: sourceRuntime.createRuntime, memoryStore: sourceStore.memoryStore },
      loadTokenizer: () => sourceTokens.getDefaultTokenEstimator().countText("load the tokenizer"),
    };
  }
  const built = (path: string) => import(resolve(root, "dist", path));
  const index = (await built("src/index.js")) as typeof source;
  const runtime = (await built("src/session/runtime.js")) as typeof sourceRuntime;
  const store = (await built("src/store/memory.js")) as typeof sourceStore;
  const tokens = (await built("src/tokens/index.js")) as typeof sourceTokens;
  return {
    withCompaction: index.withCompaction,
    defaultStrategy: index.defaultStrategy,
    truncate: index.truncate,
    tokenThreshold: index.tokenThreshold,
    modules: { createRuntime: runtime.createRuntime, memoryStore: store.memoryStore },
    loadTokenizer: () => tokens.getDefaultTokenEstimator().countText("load the tokenizer"),
  };
}
const current = await loadLibrary(process.argv.includes("--dist") ? resolve(import.meta.dirname, "../..") : undefined);
const baseline = baselineDir ? await loadLibrary(baselineDir) : undefined;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
const mean = (values: readonly number[]) =>
  values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

/** Starts the test server in a child process (its CPU time is not the clients'). */
async function startServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const script = new URL("./server-process.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["pipe", "pipe", "inherit"] });
  const [url] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
  return {
    url,
    close: async () => {
      child.stdin.end();
      await once(child, "exit");
    },
  };
}

/** Prompt tokens of the history as the test server counts them by default (JSON length / 4 per part). */
function promptTokens(history: readonly Anthropic.MessageParam[]): number {
  let tokens = 0;
  for (const message of history) {
    const content = typeof message.content === "string" ? [message.content] : message.content;
    for (const part of content) tokens += Math.ceil(JSON.stringify(part).length / 4);
  }
  return tokens;
}

interface Row {
  historyTokens: number;
  messages: number;
  rawMs: number;
  idleAddedMs: number;
  idleRatio: number;
  idleCompactorMs: number;
  idleCompactorP95Ms: number;
  idleFirstCallCpuMs: number;
  compactingAddedMs: number;
  compactingRatio: number;
  compactingCompactorMs: number;
  compactingCompactorP95Ms: number;
  compactions: number;
  firstCallRawMs: number;
  firstCallIdleMs: number;
  /** With `--baseline`: the baseline build's idle client, measured in the same run. */
  baselineAddedMs?: number;
  baselineRatio?: number;
  baselineCompactorMs?: number;
  baselineCompactorP95Ms?: number;
}

const percentile = (values: readonly number[], share: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * share)] ?? 0;
const compactingStrategy = (size: number) => ({
  strategy: current.truncate({ targetRatio: 0.5, keepTurns: 4 }),
  trigger: current.tokenThreshold(Math.round(size * 0.6)),
});

async function measure(size: number): Promise<Row> {
  const server = await startServer();
  const base = buildHistory(size);
  const histories: Record<Mode, Anthropic.MessageParam[]> = {
    raw: [...base],
    idle: [...base],
    compacting: [...base],
    baseline: [...base],
  };
  const make = () => new Anthropic({ baseURL: server.url, apiKey: "test", maxRetries: 0 });
  let compactions = 0;
  const { withCompaction } = current;
  const idle = withCompaction(make(), {
    session: "idle",
    strategy: current.defaultStrategy(),
    trigger: never,
    diagnosticsChannel: false,
    summarizer: false,
  });
  const compacting = withCompaction(make(), {
    session: "compacting",
    ...compactingStrategy(size),
    diagnosticsChannel: false,
    summarizer: false,
    onEvent: (event) => {
      if (event.type === "compaction") compactions++;
    },
  });
  const baselineClient = baseline
    ? baseline.withCompaction(make(), {
        session: "baseline",
        strategy: baseline.defaultStrategy(),
        trigger: never,
        diagnosticsChannel: false,
        summarizer: false,
      })
    : make();
  const clients: Record<Mode, Anthropic> = { raw: make(), idle, compacting, baseline: baselineClient };
  const system = [
    { type: "text" as const, text: "You are a coding agent.", cache_control: { type: "ephemeral" as const } },
  ];
  const call = async (mode: Mode, index: number): Promise<number> => {
    const history = histories[mode];
    const started = performance.now();
    const message = await clients[mode].messages.create({
      model,
      max_tokens: 256,
      system,
      messages: history,
    });
    const elapsed = performance.now() - started;
    history.push(
      { role: "assistant", content: message.content },
      { role: "user", content: `Continue with step ${index}.` },
    );
    return elapsed;
  };
  const firstCallRawMs = await call("raw", -1);
  const firstCallIdleMs = await call("idle", -1);
  await call("compacting", -1);
  if (baseline) await call("baseline", -1);
  for (let index = 0; index < warmupCalls; index++) for (const mode of modes) await call(mode, -2 - index);
  const times: Record<Mode, number[]> = { raw: [], idle: [], compacting: [], baseline: [] };
  for (let index = 0; index < calls; index++) {
    for (let offset = 0; offset < modes.length; offset++) {
      const mode = modes[(index + offset) % modes.length] as Mode;
      times[mode].push(await call(mode, index));
    }
  }
  await server.close();
  const paired = (mode: Mode) => times[mode].map((time, index) => time - (times.raw[index] ?? 0));
  const own = (library: Library) =>
    measureInProcess(size, {
      calls,
      skip: warmupCalls,
      strategy: library.defaultStrategy(),
      trigger: never,
      modules: library.modules,
    });
  // This build and the baseline alternate, twice each, so that drift on the machine hits both alike.
  const idleOwn = await own(current);
  const baselineOwn = baseline ? await own(baseline) : undefined;
  const idleOwnAgain = await own(current);
  const baselineOwnAgain = baseline ? await own(baseline) : undefined;
  idleOwn.perCallMs.push(...idleOwnAgain.perCallMs);
  if (baselineOwn && baselineOwnAgain) baselineOwn.perCallMs.push(...baselineOwnAgain.perCallMs);
  const compactingOwn = await measureInProcess(size, {
    calls,
    skip: warmupCalls,
    ...compactingStrategy(size),
    modules: current.modules,
  });
  return {
    historyTokens: promptTokens(base),
    messages: base.length,
    rawMs: median(times.raw),
    idleAddedMs: median(paired("idle")),
    idleRatio: mean(times.idle) / mean(times.raw),
    idleCompactorMs: median(idleOwn.perCallMs),
    idleCompactorP95Ms: percentile(idleOwn.perCallMs, 0.95),
    idleFirstCallCpuMs: idleOwn.firstCallMs,
    compactingAddedMs: median(paired("compacting")),
    compactingRatio: mean(times.compacting) / mean(times.raw),
    compactingCompactorMs: median(compactingOwn.perCallMs),
    compactingCompactorP95Ms: percentile(compactingOwn.perCallMs, 0.95),
    compactions,
    firstCallRawMs,
    firstCallIdleMs,
    ...(baselineOwn
      ? {
          baselineAddedMs: median(paired("baseline")),
          baselineRatio: mean(times.baseline) / mean(times.raw),
          baselineCompactorMs: median(baselineOwn.perCallMs),
          baselineCompactorP95Ms: percentile(baselineOwn.perCallMs, 0.95),
        }
      : {}),
  };
}

current.loadTokenizer();
baseline?.loadTokenizer();
const rows: Row[] = [];
for (const size of sizes) {
  if (!jsonOnly)
    process.stderr.write(
      `history of ${size.toLocaleString("en-US")} tokens: ${calls} timed calls per client...\n`,
    );
  rows.push(await measure(size));
}
const f = (value: number, digits = 2) => value.toFixed(digits);
if (!jsonOnly) {
  process.stdout.write(
    `${renderTable(rows, [
      { heading: "history tokens", cell: (row) => row.historyTokens.toLocaleString("en-US") },
      { heading: "msgs", cell: (row) => String(row.messages) },
      { heading: "raw ms", cell: (row) => f(row.rawMs) },
      { heading: "idle +ms", cell: (row) => f(row.idleAddedMs, 3) },
      { heading: "idle ratio", cell: (row) => f(row.idleRatio, 3) },
      {
        heading: "idle own ms (p95)",
        cell: (row) => `${f(row.idleCompactorMs, 3)} (${f(row.idleCompactorP95Ms, 3)})`,
      },
      { heading: "compacting +ms", cell: (row) => f(row.compactingAddedMs, 3) },
      { heading: "compacting ratio", cell: (row) => f(row.compactingRatio, 3) },
      {
        heading: "compacting own ms (p95)",
        cell: (row) => `${f(row.compactingCompactorMs, 3)} (${f(row.compactingCompactorP95Ms, 3)})`,
      },
      { heading: "compactions", cell: (row) => String(row.compactions) },
      ...(baseline
        ? [
            { heading: "baseline +ms", cell: (row: Row) => f(row.baselineAddedMs ?? 0, 3) },
            {
              heading: "baseline own ms (p95)",
              cell: (row: Row) => `${f(row.baselineCompactorMs ?? 0, 3)} (${f(row.baselineCompactorP95Ms ?? 0, 3)})`,
            },
          ]
        : []),
      {
        heading: "first call raw / idle / own ms",
        cell: (row) =>
          `${f(row.firstCallRawMs, 1)} / ${f(row.firstCallIdleMs, 1)} / ${f(row.idleFirstCallCpuMs, 1)}`,
      },
    ])}\n`,
  );
  process.stdout.write(
    `${calls} timed calls per client and size, interleaved, after ${warmupCalls} warm-up calls. "+ms": median of paired differences ` +
      `wrapped - raw (wall clock); "own ms": compactor's CPU time per call, prepare + settle in process (median, p95).` +
      `${baseline ? ` "baseline": the build in ${baselineDir}, idle, in the same run.` : ""}` +
      ` Library: ${process.argv.includes("--dist") ? "this tree's build (dist/)" : "this tree's sources (tsx)"}.\n`,
  );
}
const at100k = rows.find((row) => row.historyTokens >= 50_000 && row.historyTokens < 500_000);
process.stdout.write(
  `${JSON.stringify({ benchmark: "wrapper-overhead", calls, warmupCalls, library: process.argv.includes("--dist") ? "dist" : "src", ...(baselineDir ? { baseline: baselineDir } : {}), rows, targetMet: at100k ? at100k.idleCompactorMs < 1 && at100k.idleAddedMs < 1 : null })}\n`,
);
// Under 1 ms of compactor's own work and of added latency per call at ~100k tokens, or the run fails.
if (at100k && !(at100k.idleCompactorMs < 1 && at100k.idleAddedMs < 1)) process.exitCode = 1;
