// compactor's own CPU per call (the session runtime's prepare + settle, no network), two builds side by side in
// one process: this tree's `dist/` and another checkout's (`npm run build` in both first). Calls alternate between
// the two runtimes (the order flips every call), each on its own growing history of about SIZE tokens, idle (the
// default strategy with a trigger that never fires), settled with a synthetic response. Reports the median and
// p95 of each over REP sessions of N calls (after 20 warm-up calls per session).
//
// Run: `node benchmarks/wrapper/runtime-side-by-side.mjs BASELINE_DIR [--size 100000] [--calls 120] [--sessions 6]`
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return Number(index >= 0 ? process.argv[index + 1] : fallback);
};
const baselineDir = process.argv[2];
if (!baselineDir || baselineDir.startsWith("--")) {
  process.stderr.write("usage: node benchmarks/wrapper/runtime-side-by-side.mjs BASELINE_DIR [--size N] [--calls N] [--sessions N]\n");
  process.exit(2);
}
const size = option("size", 100000);
const calls = option("calls", 120);
const sessions = option("sessions", 6);

async function load(root) {
  const at = (path) => import(pathToFileURL(resolve(root, "dist", path)).href);
  const [runtime, store, index, tokens] = await Promise.all([
    at("src/session/runtime.js"),
    at("src/store/memory.js"),
    at("src/index.js"),
    at("src/tokens/index.js"),
  ]);
  tokens.getDefaultTokenEstimator().countText("load the tokenizer");
  return { createRuntime: runtime.createRuntime, memoryStore: store.memoryStore, defaultStrategy: index.defaultStrategy };
}
const builds = { baseline: await load(baselineDir), current: await load(resolve(import.meta.dirname, "../..")) };

// The same history as history.ts: turns of a tool call and a ~1,500-token tool result.
function turn(index) {
  const id = `toolu_bench_${index}`;
  const lines = [];
  for (let line = 0; line < 60; line++)
    lines.push(`src/pkg_${index % 97}/mod_${line}.py:${line * 3 + 1}: value_${index}_${line} = compute(request, retries=${line % 7})`);
  return [
    { role: "assistant", content: [{ type: "text", text: `Step ${index}: looking at the next module.` }, { type: "tool_use", id, name: "bash", input: { command: `grep -rn value_${index} src` } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: lines.join("\n") }] },
  ];
}
function buildHistory(tokens) {
  const history = [{ role: "user", content: "Fix the failing handler in src/." }];
  for (let index = 0, characters = 0; characters / 4 < tokens; index++) {
    const next = turn(index);
    history.push(...next);
    characters += JSON.stringify(next).length;
  }
  return history;
}
const cpuMs = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const never = { name: "never", shouldCompact: () => false };
const system = [{ type: "text", text: "You are a coding agent.", cache_control: { type: "ephemeral" } }];
const perCall = { baseline: [], current: [] };
for (let session = 0; session < sessions; session++) {
  const live = {};
  for (const name of ["baseline", "current"]) {
    const build = builds[name];
    const runtime = build.createRuntime({ store: build.memoryStore(), strategy: build.defaultStrategy(), trigger: never, emit: () => {}, defaultSession: "bench" });
    live[name] = { runtime, history: buildHistory(size) };
  }
  for (let index = 0; index < calls + 21; index++) {
    for (const name of index % 2 ? ["baseline", "current"] : ["current", "baseline"]) {
      const { runtime, history } = live[name];
      const params = { model: "claude-sonnet-4-6", max_tokens: 256, system, messages: history };
      const preparing = process.cpuUsage();
      const prepared = await runtime.prepare({ format: "anthropic", sessionId: "bench", params, stream: false });
      const prepareMs = cpuMs(preparing);
      const response = {
        id: `msg_${index}`, type: "message", role: "assistant", model: "claude-sonnet-4-6",
        content: [{ type: "text", text: "Next." }], stop_reason: "end_turn",
        usage: { input_tokens: 20, cache_read_input_tokens: Math.round(size * 1.1) + index * 10, cache_creation_input_tokens: 0, output_tokens: 3 },
      };
      const settling = process.cpuUsage();
      await prepared.settle({ kind: "response", response, durationMs: 1 });
      if (index > 20) perCall[name].push(prepareMs + cpuMs(settling));
      history.push({ role: "assistant", content: [{ type: "text", text: "Next." }] }, { role: "user", content: `Continue with step ${index}.` });
    }
  }
}
const summary = {};
for (const name of ["baseline", "current"]) {
  const sorted = [...perCall[name]].sort((a, b) => a - b);
  summary[name] = { medianMs: sorted[Math.floor(sorted.length / 2)], p95Ms: sorted[Math.floor(sorted.length * 0.95)], calls: sorted.length };
  process.stdout.write(`${name.padEnd(8)} median ${summary[name].medianMs.toFixed(3)} ms  p95 ${summary[name].p95Ms.toFixed(3)} ms  (${sorted.length} calls)\n`);
}
process.stdout.write(`${JSON.stringify({ benchmark: "runtime-side-by-side", baseline: resolve(baselineDir), size, calls, sessions, ...summary })}\n`);
