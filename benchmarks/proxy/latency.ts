/**
 * What `compactor proxy` costs on loopback, measured side by side with the direct call. Three processes: a
 * minimal Anthropic upstream that answers at once (`upstream-process.mjs`), the proxies (`proxy-process.mjs`:
 * a bare node:http relay with no compactor in it, the floor of any Node proxy; compactor recording and pricing
 * only; compactor with the default strategy) and this client (`fetch`). The proxies run
 * the built JavaScript (`dist/`, after `npm run build`) unless `--src` asks for the TypeScript sources (tsx).
 *
 * 1. Latency: for each history size (10k and 100k tokens), plain and streaming, a growing agent session makes N
 *    calls on each path, interleaved with the order rotating: direct, bare relay, record-only, default. Each call
 *    appends the reply and a new user message to its own copy of the history, as an agent does, and names its
 *    session in a header (as Claude Code and Codex do). Reported: the direct call's p50/p99 (wall clock, end to
 *    end), the p50/p99 of the paired differences proxied − direct of the same call index, the time to the first
 *    body chunk (direct and proxied, p50), and the proxy process's own CPU time per call (user + system, read
 *    before and after each call: steadier than wall clock on a shared machine).
 * 2. Concurrent sessions: `--sessions-per-run` new sessions (10k-token starts, two calls each) driven by
 *    `--concurrency` clients at once on each path; sessions and calls completed per second.
 * 3. Memory: `--memory-sessions` (1,000) sessions through a third proxy (default strategy) that serves nothing
 *    else, then the proxy process's RSS and heap after a full GC, against the same before them.
 *
 * Target (issue 12): ≤ 1 ms added at p50. Exit code 1 when a p50 misses it.
 *
 * Run: `npm run build && npx tsx benchmarks/proxy/latency.ts [--calls 200] [--warmup 20] [--sizes 10000,100000]
 * [--concurrency 20] [--sessions-per-run 200] [--memory-sessions 1000] [--src] [--json]`. Also: `--baseline DIR`
 * adds the record-only and default proxies of another built checkout (`DIR/dist/src/index.js`, e.g. a copy of
 * main's `dist/` with its package.json and node_modules) in a process of their own, measured in the same
 * interleaved loop (before/after in one run); `--paths record,default` measures only those proxies;
 * `--agent-usage upstream` runs the proxies with `agentUsage: "upstream"`. `PROXY_PROF=dir` writes a CPU
 * profile of the proxy process (`node --cpu-prof`) there.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import { renderTable } from "../../src/cli/table.js";

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const jsonOnly = process.argv.includes("--json");
const calls = Number(option("calls", "200"));
const warmupCalls = Number(option("warmup", "20"));
const sizes = option("sizes", "10000,100000").split(",").map(Number);
const concurrency = Number(option("concurrency", "20"));
const sessionsPerRun = Number(option("sessions-per-run", "200"));
const memorySessions = Number(option("memory-sessions", "1000"));
const fromSources = process.argv.includes("--src");
/** `--agent-usage upstream`: the proxies relay the upstream's usage unchanged (the default rescales it). */
const agentUsage = option("agent-usage", "uncompacted");
/** `--paths record,default`: measure only these proxies (the direct call always runs). */
const onlyPaths = process.argv.includes("--paths") ? option("paths", "").split(",") : undefined;
const here = import.meta.dirname;
const built = resolve(here, "../../dist/src/index.js");
if (!fromSources && !existsSync(built)) {
  process.stderr.write(`benchmarks/proxy: ${built} is missing; run \`npm run build\` first (or pass --src)\n`);
  process.exit(2);
}
const library = fromSources ? pathToFileURL(resolve(here, "../../src/index.ts")).href : pathToFileURL(built).href;

async function firstLine(child: ChildProcess): Promise<string> {
  if (!child.stdout) throw new Error("no stdout");
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, "line")) as [string];
  lines.close();
  return line;
}

const children: ChildProcess[] = [];
process.on("exit", () => {
  for (const child of children) child.kill();
});
const upstreamProcess = spawn(process.execPath, [join(here, "upstream-process.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
children.push(upstreamProcess);
const upstream = await firstLine(upstreamProcess);
/** One proxy process (`proxy-process.mjs`) loading `lib`, with its line protocol on stdin/stdout. */
interface ProxyProcess {
  urls: { record: string; default: string; memory: string; bare: string };
  /** The process's CPU time so far, in milliseconds. */
  cpuMs(): Promise<number>;
  /** Sends a command, returns the answer line. */
  ask(command: string): Promise<string>;
}
async function startProxyProcess(lib: string, profileDir: string | undefined): Promise<ProxyProcess> {
  const child = spawn(
    process.execPath,
    [
      "--expose-gc",
      ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
      ...(fromSources ? ["--import", "tsx"] : []),
      join(here, "proxy-process.mjs"),
      upstream,
      lib,
      agentUsage,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  children.push(child);
  if (!child.stdout || !child.stdin) throw new Error("no pipes to the proxy process");
  const lines = createInterface({ input: child.stdout });
  const output: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else output.push(line);
  });
  const line = (): Promise<string> => {
    const ready = output.shift();
    return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
  };
  const ask = (command: string) => {
    child.stdin?.write(`${command}\n`);
    return line();
  };
  const urls = JSON.parse(await line()) as ProxyProcess["urls"];
  return { urls, ask, cpuMs: async () => Number(await ask("cpu")) / 1000 };
}
const proxyProcess = await startProxyProcess(library, process.env.PROXY_PROF);
const proxies = proxyProcess.urls;
// `--baseline DIR`: a built checkout (its `dist/src/index.js`) whose record-only and default proxies run in a
// process of their own beside this tree's, measured in the same interleaved loop (before/after in one run).
const baselineDir = option("baseline", "");
const baselineProcess =
  baselineDir === "" ? undefined : await startProxyProcess(pathToFileURL(resolve(baselineDir, "dist/src/index.js")).href, undefined);
/** A history of about `tokens` tokens (JSON length / 4): tool calls and long tool results. */
function history(tokens: number): unknown[] {
  const messages: unknown[] = [{ role: "user", content: "Fix the failing handler in src/." }];
  let characters = 0;
  for (let index = 0; characters / 4 < tokens; index++) {
    const id = `toolu_${index}`;
    const turn = [
      { role: "assistant", content: [{ type: "tool_use", id, name: "bash", input: { command: `grep -rn value_${index} src` } }] },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: id, content: `src/mod_${index}.py: value = compute(request)\n`.repeat(60) }],
      },
    ];
    messages.push(...turn);
    characters += JSON.stringify(turn).length;
  }
  return messages;
}

interface Timing {
  totalMs: number;
  firstChunkMs: number;
}

async function call(base: string, session: string, messages: unknown[], stream: boolean): Promise<Timing> {
  const started = performance.now();
  const response = await fetch(`${base}/v1/messages`, {
    method: "POST",
    // A session header, as Claude Code (x-claude-code-session-id) and Codex (session_id) send their own.
    headers: {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
      "x-api-key": "sk-ant-bench",
      "x-compactor-session": session,
    },
    body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 64, messages, ...(stream ? { stream: true } : {}) }),
  });
  const reader = response.body?.getReader();
  let firstChunkMs = Number.NaN;
  if (reader) {
    for (;;) {
      const { done } = await reader.read();
      if (Number.isNaN(firstChunkMs)) firstChunkMs = performance.now() - started;
      if (done) break;
    }
  }
  if (response.status !== 200) throw new Error(`status ${response.status} from ${base}`);
  return { totalMs: performance.now() - started, firstChunkMs };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Path {
  name: string;
  base: string;
  /** CPU clock of the process serving this path (none for the direct call). */
  cpu?: () => Promise<number>;
}
const allPaths: Path[] = [
  { name: "direct", base: upstream },
  { name: "bare", base: proxies.bare, cpu: proxyProcess.cpuMs },
  { name: "record", base: proxies.record, cpu: proxyProcess.cpuMs },
  { name: "default", base: proxies.default, cpu: proxyProcess.cpuMs },
  ...(baselineProcess === undefined
    ? []
    : [
        { name: "record@baseline", base: baselineProcess.urls.record, cpu: baselineProcess.cpuMs },
        { name: "default@baseline", base: baselineProcess.urls.default, cpu: baselineProcess.cpuMs },
      ]),
];
const paths = allPaths.filter(
  (path) => path.name === "direct" || onlyPaths === undefined || onlyPaths.includes(path.name.replace("@baseline", "")),
);

interface Row {
  tokens: number;
  stream: boolean;
  path: string;
  directP50Ms: number;
  directP99Ms: number;
  addedP50Ms: number;
  addedP99Ms: number;
  directFirstChunkP50Ms: number;
  proxiedFirstChunkP50Ms: number;
  /** The proxy process's CPU time per proxied call (user + system), all its work included. */
  proxyCpuMsPerCall: number;
}
const rows: Row[] = [];

for (const tokens of sizes) {
  for (const stream of [false, true]) {
    const base = history(tokens);
    // Each path is its own session (a different first message), each growing as an agent's does.
    const sessions = paths.map((path) => [{ role: "user", content: `Session ${path.name} ${tokens} ${stream}.` }, ...base.slice(1)]);
    const times = paths.map(() => [] as Timing[]);
    const cpu = paths.map(() => 0);
    for (let index = 0; index < warmupCalls + calls; index++) {
      for (let offset = 0; offset < paths.length; offset++) {
        const which = (index + offset) % paths.length;
        const messages = sessions[which] as unknown[];
        messages.push({ role: "user", content: `Next step ${index}.` });
        const path = paths[which] as Path;
        const cpuBefore = path.cpu === undefined ? 0 : await path.cpu();
        const timing = await call(path.base, `${path.name}-${tokens}-${stream}`, messages, stream);
        // The proxy settles a call after relaying it: give it a moment before reading its clock.
        if (path.cpu !== undefined && index >= warmupCalls) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          cpu[which] = (cpu[which] ?? 0) + (await path.cpu()) - cpuBefore;
        }
        messages.push({ role: "assistant", content: "ok" });
        if (index >= warmupCalls) times[which]?.push(timing);
      }
    }
    const direct = times[0] as Timing[];
    for (let which = 1; which < paths.length; which++) {
      const proxied = times[which] as Timing[];
      const added = proxied.map((timing, index) => timing.totalMs - (direct[index] as Timing).totalMs);
      rows.push({
        tokens,
        stream,
        path: (paths[which] as Path).name,
        directP50Ms: percentile(direct.map((t) => t.totalMs), 50),
        directP99Ms: percentile(direct.map((t) => t.totalMs), 99),
        addedP50Ms: percentile(added, 50),
        addedP99Ms: percentile(added, 99),
        directFirstChunkP50Ms: percentile(direct.map((t) => t.firstChunkMs), 50),
        proxiedFirstChunkP50Ms: percentile(proxied.map((t) => t.firstChunkMs), 50),
        proxyCpuMsPerCall: (cpu[which] ?? 0) / calls,
      });
    }
  }
}

/** Runs `count` new sessions (two calls each: a 10k-token start, then one more turn) `concurrency` at a time. */
async function driveSessions(base: string, prefix: string, count: number, startTokens: number): Promise<{ seconds: number; calls: number }> {
  const start = history(startTokens);
  let next = 0;
  let calls = 0;
  const began = performance.now();
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= count) return;
      const messages: unknown[] = [{ role: "user", content: `${prefix} session ${index}.` }, ...start.slice(1), { role: "user", content: "Go." }];
      await call(base, `${prefix}-${index}`, messages, false);
      messages.push({ role: "assistant", content: "ok" }, { role: "user", content: "Next." });
      await call(base, `${prefix}-${index}`, messages, false);
      calls += 2;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { seconds: (performance.now() - began) / 1000, calls };
}

interface MemoryReading {
  rss: number;
  heapUsed: number;
  sessions: number;
}
async function proxyMemory(): Promise<MemoryReading> {
  return JSON.parse(await proxyProcess.ask("mem")) as MemoryReading;
}
let memory: { before: MemoryReading; after: MemoryReading; sessionsAdded: number; startTokens: number } | undefined;
if (memorySessions > 0) {
  if (!jsonOnly) process.stderr.write(`memory: ${memorySessions} sessions through a fresh proxy with the default strategy...\n`);
  const before = await proxyMemory();
  const startTokens = 2_000;
  await driveSessions(proxies.memory, "memory", memorySessions, startTokens);
  const after = await proxyMemory();
  memory = { before, after, sessionsAdded: memorySessions, startTokens };
}

interface ThroughputRow {
  path: string;
  sessions: number;
  sessionsPerSecond: number;
  callsPerSecond: number;
}
const throughput: ThroughputRow[] = [];
if (!jsonOnly) process.stderr.write(`concurrent sessions: ${sessionsPerRun} per path, ${concurrency} at a time...\n`);
for (const round of [0, 1]) {
  // Two rounds, the order reversed in the second, so that drift on the machine hits every path alike.
  const order = round === 0 ? paths : [...paths].reverse();
  for (const path of order) {
    const result = await driveSessions(path.base, `throughput-${path.name}-${round}`, sessionsPerRun, 10_000);
    const row = throughput.find((entry) => entry.path === path.name);
    const sessionsPerSecond = sessionsPerRun / result.seconds;
    const callsPerSecond = result.calls / result.seconds;
    if (row) {
      row.sessions += sessionsPerRun;
      row.sessionsPerSecond = (row.sessionsPerSecond + sessionsPerSecond) / 2;
      row.callsPerSecond = (row.callsPerSecond + callsPerSecond) / 2;
    } else throughput.push({ path: path.name, sessions: sessionsPerRun, sessionsPerSecond, callsPerSecond });
  }
}

const ms = (value: number) => value.toFixed(2);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
if (!jsonOnly) {
  process.stdout.write(
    `compactor proxy (${fromSources ? "TypeScript sources via tsx" : "built JavaScript, dist/"}): latency added on loopback, ${calls} calls per path (after ${warmupCalls} warm-up), interleaved\n\n`,
  );
  process.stdout.write(
    `${renderTable(rows, [
      { heading: "history", cell: (row) => `${row.tokens / 1000}k` },
      { heading: "stream", cell: (row) => String(row.stream) },
      { heading: "proxy", cell: (row) => row.path },
      { heading: "direct p50", cell: (row) => ms(row.directP50Ms) },
      { heading: "direct p99", cell: (row) => ms(row.directP99Ms) },
      { heading: "added p50", cell: (row) => ms(row.addedP50Ms) },
      { heading: "added p99", cell: (row) => ms(row.addedP99Ms) },
      { heading: "1st chunk direct", cell: (row) => ms(row.directFirstChunkP50Ms) },
      { heading: "1st chunk proxied", cell: (row) => ms(row.proxiedFirstChunkP50Ms) },
      { heading: "proxy CPU/call", cell: (row) => ms(row.proxyCpuMsPerCall) },
    ])}\n(ms; wall clock except "proxy CPU/call", the proxy process's user+system CPU time per call, which other
processes on the machine do not inflate; "added" is the percentile of paired differences proxied − direct)\n\n`,
  );
  process.stdout.write(
    `${renderTable(throughput, [
      { heading: "path", cell: (row) => row.path },
      { heading: "new sessions", cell: (row) => String(row.sessions) },
      { heading: "sessions/s", cell: (row) => row.sessionsPerSecond.toFixed(1) },
      { heading: "calls/s", cell: (row) => row.callsPerSecond.toFixed(1) },
    ])}\n(${concurrency} clients at once; each session: a 10k-token first call and one more turn; two rounds, mean)\n\n`,
  );
  if (memory) {
    process.stdout.write(
      `memory of the proxy process after a full GC: RSS ${mb(memory.before.rss)} → ${mb(memory.after.rss)} MB, heap ${mb(memory.before.heapUsed)} → ${mb(memory.after.heapUsed)} MB ` +
        `with ${memory.after.sessions} sessions (${memory.startTokens / 1000}k-token starts, two calls each, through a proxy with the default strategy)\n\n`,
    );
  }
}
const targetMet = rows.filter((row) => row.path === "record" || row.path === "default").every((row) => row.addedP50Ms <= 1);
process.stdout.write(
  `${JSON.stringify({ benchmark: "proxy-latency", library: fromSources ? "src" : "dist", calls, warmupCalls, rows, throughput: { concurrency, rows: throughput }, memory, targetMet })}\n`,
);
for (const child of children) child.kill();
if (!targetMet) process.exitCode = 1;
