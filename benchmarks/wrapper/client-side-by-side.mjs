// compactor's own CPU per call through the whole wrapped SDK client, two builds side by side in one process:
// the same `@anthropic-ai/sdk` client class, unwrapped (`raw`) and wrapped by `withCompaction` of another
// checkout's `dist/` (`baseline`) and of this tree's (`current`), each on its own growing history of about SIZE
// tokens. Every client's `fetch` is an in-process fake that answers at once (a JSON message whose usage is the
// size of what was sent: body length / 4, read from the cache), so no network or server time is counted. Calls
// rotate among the three clients (the order changes every call). Own CPU of a call = the wrapped call's CPU
// time minus the raw call's at the same call index (the SDK's own work, serialising the body included, is the
// same on both sides); the median of those differences is reported. Where `runtime-side-by-side.mjs` measures
// the session runtime alone, this includes each build's way into it: the old release patched the SDK methods of
// a copy of the client; this build sits at the `fetch` the SDK calls.
//
// Modes as in runtime-side-by-side.mjs: `record-only` (`strategy: null`) and `idle` (default strategy, a trigger
// that never fires) by default; `--modes default` adds the default strategy as `withCompaction` runs it, but read
// that row with care: a build that compacts sends a smaller body, so the SDK's own serialisation costs less than
// the raw call's and the difference understates that build's own CPU (the two builds compact differently). No
// summarizer (`false`), no diagnostics channel, in both builds.
//
// Run: `node benchmarks/wrapper/client-side-by-side.mjs BASELINE_DIR [--sizes 10000,100000] [--calls 120]
//       [--sessions 4] [--modes record-only,idle]`
import { resolve } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { buildHistory, cpuMs, importBuild, sideBySideArguments, system } from "./side-by-side-shared.mjs";

const { baselineDir, sizes, calls, sessions, modes } = sideBySideArguments("client-side-by-side.mjs", {
  sessions: 4,
  modes: "record-only,idle",
});
const warmup = 20;

const load = async (root) => (await importBuild(root, ["src/index.js"]))[0];
const builds = {
  baseline: await load(baselineDir),
  current: await load(resolve(import.meta.dirname, "../..")),
};
const arms = ["raw", "baseline", "current"];

const never = { name: "never", shouldCompact: () => false };
function wrapOptions(build, mode) {
  const common = { session: "bench", summarizer: false, diagnosticsChannel: false };
  if (mode === "record-only") return { ...common, strategy: null };
  if (mode === "idle") return { ...common, strategy: build.defaultStrategy(), trigger: never };
  return common;
}

/** A fetch that answers every Messages call at once, with a usage the size of the body sent. */
function fakeFetch() {
  let index = 0;
  return async (_url, init) => {
    const sent = typeof init?.body === "string" ? Math.ceil(init.body.length / 4) : 0;
    index++;
    const body = JSON.stringify({
      id: `msg_${index}`,
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-6",
      content: [{ type: "text", text: "Next." }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: {
        input_tokens: 20,
        cache_read_input_tokens: sent,
        cache_creation_input_tokens: 0,
        output_tokens: 3,
      },
    });
    return new Response(body, {
      status: 200,
      headers: { "content-type": "application/json", "request-id": `req_${index}` },
    });
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(size, mode) {
  const own = { baseline: [], current: [] };
  const rawMs = [];
  for (let session = 0; session < sessions; session++) {
    const live = {};
    for (const arm of arms) {
      const client = new Anthropic({ apiKey: "sk-bench", fetch: fakeFetch(), maxRetries: 0 });
      live[arm] = {
        client: arm === "raw" ? client : builds[arm].withCompaction(client, wrapOptions(builds[arm], mode)),
        history: buildHistory(size),
      };
    }
    for (let index = 0; index < calls + warmup + 1; index++) {
      const order = [arms[index % 3], arms[(index + 1) % 3], arms[(index + 2) % 3]];
      if (index % 2) order.reverse();
      const cpu = {};
      for (const arm of order) {
        const { client, history } = live[arm];
        const started = process.cpuUsage();
        const reply = await client.messages.create({
          model: "claude-sonnet-4-6",
          max_tokens: 256,
          system,
          messages: history,
        });
        cpu[arm] = cpuMs(started);
        history.push(
          { role: "assistant", content: reply.content },
          { role: "user", content: `Continue with step ${index}.` },
        );
      }
      if (index > warmup) {
        rawMs.push(cpu.raw);
        for (const name of ["baseline", "current"]) own[name].push(cpu[name] - cpu.raw);
      }
    }
  }
  const baseline = median(own.baseline);
  const current = median(own.current);
  return {
    size,
    mode,
    rawMedianMs: median(rawMs),
    baselineOwnMs: baseline,
    currentOwnMs: current,
    ratio: current / baseline,
  };
}

const rows = [];
process.stdout.write(
  `own CPU per call through the wrapped SDK client (ms, median of wrapped − raw at the same call index), baseline ${resolve(baselineDir)} vs this build, ${sessions} sessions × ${calls} calls\n`,
);
process.stdout.write("size     mode         raw call   baseline own   current own   current/baseline\n");
for (const size of sizes) {
  for (const mode of modes) {
    const row = await measure(size, mode);
    rows.push(row);
    process.stdout.write(
      `${String(size).padEnd(8)} ${mode.padEnd(12)} ${row.rawMedianMs.toFixed(3).padEnd(10)} ${row.baselineOwnMs.toFixed(3).padEnd(14)} ${row.currentOwnMs.toFixed(3).padEnd(13)} ${row.ratio.toFixed(2)}\n`,
    );
  }
}
const worse = rows.filter((row) => row.currentOwnMs > row.baselineOwnMs);
const verdict =
  worse.length === 0
    ? `VERDICT: no worse than the baseline: own CPU per wrapped call at or below it in all ${rows.length} cases`
    : `VERDICT: WORSE than the baseline in ${worse.length} of ${rows.length} cases: ${worse.map((row) => `${row.size} ${row.mode} +${(row.currentOwnMs - row.baselineOwnMs).toFixed(3)} ms`).join(", ")}`;
process.stdout.write(`${verdict}\n`);
process.stdout.write(
  `${JSON.stringify({ benchmark: "client-side-by-side", baseline: resolve(baselineDir), calls, sessions, rows, noWorse: worse.length === 0 })}\n`,
);
process.exitCode = worse.length === 0 ? 0 : 1;
