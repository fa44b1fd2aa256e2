// compactor's own CPU per call (the session runtime's prepare + settle, no network), two builds side by side in
// one process: this tree's `dist/` and another checkout's (`npm run build` in both first). Calls alternate between
// the two runtimes (the order flips every call), each on its own growing history of about SIZE tokens, settled
// with a synthetic response whose usage is the size of what was sent (JSON length / 4, read from the cache).
// Each build's runtime is configured as its own `withCompaction` configures it, in three modes:
//
// - `record-only`: `strategy: null` (track and price, never compact);
// - `idle`: the default strategy with a trigger that never fires (tracking and pricing only);
// - `default`: the default strategy as `withCompaction` runs it (asked on every call; it weighs the economics
//   itself and compacts when that pays: the call that compacts is the p95/max, the median is the calls after).
//
// Reports, per history size and mode, the median, mean and p95 of each build over SESSIONS sessions of CALLS
// calls (after 20 warm-up calls per session), the ratio of the medians, and a verdict line: the current build is
// "no worse" where its median is at most the baseline's. Exits 1 when it is worse anywhere.
//
// Run: `node benchmarks/wrapper/runtime-side-by-side.mjs BASELINE_DIR [--sizes 10000,100000] [--calls 120]
//       [--sessions 6] [--modes record-only,idle,default]`
import { resolve } from "node:path";
import { buildHistory, cpuMs, importBuild, sideBySideArguments, system } from "./side-by-side-shared.mjs";

const { baselineDir, sizes, calls, sessions, modes } = sideBySideArguments("runtime-side-by-side.mjs", {
  sessions: 6,
  modes: "record-only,idle,default",
});
const warmup = 20;

async function load(root) {
  const [runtime, store, index] = await importBuild(root, [
    "src/session/runtime.js",
    "src/store/memory.js",
    "src/index.js",
  ]);
  return {
    createRuntime: runtime.createRuntime,
    memoryStore: store.memoryStore,
    defaultStrategy: index.defaultStrategy,
  };
}
const builds = {
  baseline: await load(baselineDir),
  current: await load(resolve(import.meta.dirname, "../..")),
};
const names = ["baseline", "current"];

const never = { name: "never", shouldCompact: () => false };
const always = { name: "always", shouldCompact: () => true };
/** The runtime options each build's `withCompaction` passes in each mode (memory store, no summarizer). */
function runtimeOptions(build, mode, emit) {
  const common = { store: build.memoryStore(), emit, defaultSession: "bench" };
  // Both builds run the default strategy as it is (it weighs the cache itself) with an `always` trigger.
  if (mode === "record-only") return { ...common, strategy: null, trigger: always, cacheBreakpoints: "none" };
  if (mode === "idle") return { ...common, strategy: build.defaultStrategy(), trigger: never };
  return { ...common, strategy: build.defaultStrategy(), trigger: always };
}

/** Per-call CPU of both builds on `sessions` sessions of a history of `size` tokens, calls alternating. */
async function measure(size, mode) {
  const perCall = { baseline: [], current: [] };
  const compactions = { baseline: 0, current: 0 };
  for (let session = 0; session < sessions; session++) {
    const live = {};
    for (const name of names) {
      const emit = (event) => {
        if (event.type === "compaction") compactions[name]++;
      };
      const runtime = builds[name].createRuntime(runtimeOptions(builds[name], mode, emit));
      live[name] = { runtime, history: buildHistory(size) };
    }
    for (let index = 0; index < calls + warmup + 1; index++) {
      for (const name of index % 2 ? ["baseline", "current"] : ["current", "baseline"]) {
        const { runtime, history } = live[name];
        const params = { model: "claude-sonnet-4-6", max_tokens: 256, system, messages: history };
        const preparing = process.cpuUsage();
        const prepared = await runtime.prepare({
          format: "anthropic",
          sessionId: "bench",
          params,
          stream: false,
        });
        const prepareMs = cpuMs(preparing);
        const sent = Math.ceil(JSON.stringify(prepared.params.messages ?? []).length / 4);
        const response = {
          id: `msg_${index}`,
          type: "message",
          role: "assistant",
          model: "claude-sonnet-4-6",
          content: [{ type: "text", text: "Next." }],
          stop_reason: "end_turn",
          usage: {
            input_tokens: 20,
            cache_read_input_tokens: sent,
            cache_creation_input_tokens: 0,
            output_tokens: 3,
          },
        };
        const settling = process.cpuUsage();
        await prepared.settle({ kind: "response", response, durationMs: 1 });
        if (index > warmup) perCall[name].push(prepareMs + cpuMs(settling));
        history.push(
          { role: "assistant", content: [{ type: "text", text: "Next." }] },
          { role: "user", content: `Continue with step ${index}.` },
        );
      }
    }
  }
  const summary = {};
  for (const name of names) {
    const sorted = [...perCall[name]].sort((a, b) => a - b);
    summary[name] = {
      medianMs: sorted[Math.floor(sorted.length / 2)],
      meanMs: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
      p95Ms: sorted[Math.floor(sorted.length * 0.95)],
      calls: sorted.length,
      compactions: compactions[name],
    };
  }
  return { size, mode, ...summary, ratio: summary.current.medianMs / summary.baseline.medianMs };
}

const rows = [];
process.stdout.write(
  `own CPU per call (ms), baseline ${resolve(baselineDir)} vs this build, ${sessions} sessions × ${calls} calls, calls alternating\n`,
);
process.stdout.write(
  "size     mode         baseline median/mean/p95   current median/mean/p95   compactions b/c   current/baseline\n",
);
for (const size of sizes) {
  for (const mode of modes) {
    const row = await measure(size, mode);
    rows.push(row);
    const cell = (s) =>
      `${s.medianMs.toFixed(3)} / ${s.meanMs.toFixed(3)} / ${s.p95Ms.toFixed(3)}`.padEnd(27);
    process.stdout.write(
      `${String(size).padEnd(8)} ${mode.padEnd(12)} ${cell(row.baseline)}${cell(row.current)}${`${row.baseline.compactions}/${row.current.compactions}`.padEnd(18)}${row.ratio.toFixed(2)}\n`,
    );
  }
}
const worse = rows.filter((row) => row.ratio > 1);
const verdict =
  worse.length === 0
    ? `VERDICT: no worse than the baseline: median own CPU per call at or below it in all ${rows.length} cases (ratios ${rows.map((row) => row.ratio.toFixed(2)).join(", ")})`
    : `VERDICT: WORSE than the baseline in ${worse.length} of ${rows.length} cases: ${worse.map((row) => `${row.size} ${row.mode} ×${row.ratio.toFixed(2)}`).join(", ")}`;
process.stdout.write(`${verdict}\n`);
process.stdout.write(
  `${JSON.stringify({ benchmark: "runtime-side-by-side", baseline: resolve(baselineDir), calls, sessions, rows, noWorse: worse.length === 0 })}\n`,
);
process.exitCode = worse.length === 0 ? 0 : 1;
