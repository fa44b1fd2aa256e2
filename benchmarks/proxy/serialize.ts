/**
 * The proxy's writing of a compacted body (`src/proxy/body-memo.ts`, `MemoBody.serialize`), in one process, away
 * from the sockets and the strategy: on a machine shared with other work, the end-to-end latency benchmark
 * (`latency.ts`) cannot show a change of a few hundredths of a millisecond, this can.
 *
 * A synthetic agent session (tool calls and results, ~1 kB a message) grows by one turn a call; each call's body
 * is read by a `BodyMemo` (as the proxy does) and written back compacted the way a checkpoint does it: a
 * replacement of `--replacement` messages compactor built (the same objects on every call) followed by the
 * agent's own messages after the first `--dropped`. Reported: the median and mean time of `serialize` per call
 * and the mean size of the body written. With `--baseline DIR`, the same runs on another built checkout's
 * `dist/src/proxy/body-memo.js`, alternating round by round (before/after in one run).
 *
 * Run: `npm run build && npx tsx benchmarks/proxy/serialize.ts [--calls 200] [--messages 400] [--replacement 30]
 * [--dropped 60] [--rounds 3] [--baseline DIR] [--json]`.
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { renderTable } from "../../src/cli/table.js";

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const calls = Number(option("calls", "200"));
const startMessages = Number(option("messages", "400"));
const replacementSize = Number(option("replacement", "30"));
const dropped = Number(option("dropped", "60"));
const rounds = Number(option("rounds", "3"));
const baseline = process.argv.includes("--baseline") ? option("baseline", "") : undefined;
const jsonOnly = process.argv.includes("--json");

interface MemoBodyLike {
  params: Record<string, unknown>;
  serialize(value: Record<string, unknown>): Uint8Array;
}
interface BodyMemoLike {
  read(format: "anthropic", body: Uint8Array, session: string | undefined): MemoBodyLike | undefined;
}
type Module = { BodyMemo: new () => BodyMemoLike };

const load = async (root: string) =>
  (await import(pathToFileURL(resolve(root, "dist/src/proxy/body-memo.js")).href)) as Module;

const turn = (index: number) => [
  {
    role: "assistant",
    content: [{ type: "tool_use", id: `t${index}`, name: "bash", input: { command: `ls ${index}` } }],
  },
  {
    role: "user",
    content: [{ type: "tool_result", tool_use_id: `t${index}`, content: `out "${index}" line\n`.repeat(60) }],
  },
];

function measure(module: Module): { p50: number; mean: number; bodyKB: number } {
  const memo = new module.BodyMemo();
  const messages: unknown[] = [];
  for (let index = 0; index < startMessages / 2; index++) messages.push(...turn(index));
  const replacement = Array.from({ length: replacementSize }, (_, index) => ({
    role: index % 2 === 0 ? "user" : "assistant",
    content: `summary ${index} `.repeat(20),
  }));
  const warmup = 20;
  const times: number[] = [];
  let size = 0;
  for (let call = 0; call < calls + warmup; call++) {
    messages.push(...turn(100_000 + call));
    const body = Buffer.from(
      JSON.stringify({ model: "m", system: [{ type: "text", text: "sys" }], messages, max_tokens: 1024 }),
    );
    const read = memo.read("anthropic", body, "session");
    if (read === undefined) throw new Error("benchmarks/proxy/serialize: the body was not read");
    const items = read.params.messages as unknown[];
    const sent = { ...read.params, messages: [...replacement, ...items.slice(dropped)] };
    const started = performance.now();
    const out = read.serialize(sent);
    const elapsed = performance.now() - started;
    if (call >= warmup) {
      times.push(elapsed);
      size += out.length;
    }
  }
  times.sort((a, b) => a - b);
  return {
    p50: times[times.length >> 1] as number,
    mean: times.reduce((sum, time) => sum + time, 0) / times.length,
    bodyKB: size / times.length / 1024,
  };
}

const here = resolve(import.meta.dirname, "../..");
const subjects: [string, Module][] = [["this checkout", await load(here)]];
if (baseline !== undefined) subjects.push([`baseline (${baseline})`, await load(baseline)]);
const results = new Map<string, { p50: number[]; mean: number[]; bodyKB: number }>();
for (let round = 0; round < rounds; round++) {
  for (const [label, module] of round % 2 === 0 ? subjects : [...subjects].reverse()) {
    const result = measure(module);
    const entry = results.get(label) ?? { p50: [], mean: [], bodyKB: result.bodyKB };
    entry.p50.push(result.p50);
    entry.mean.push(result.mean);
    results.set(label, entry);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const rows = [...results].map(([label, entry]) => ({
  label,
  p50Ms: median(entry.p50),
  meanMs: median(entry.mean),
  bodyKB: entry.bodyKB,
}));
if (!jsonOnly) {
  process.stdout.write(
    `body-memo serialize, ${calls} calls per round (median over ${rounds} rounds), ${replacementSize} replacement messages + the agent's after the first ${dropped}\n\n`,
  );
  process.stdout.write(
    `${renderTable(rows, [
      { heading: "checkout", cell: (row) => row.label },
      { heading: "serialize p50 (ms)", cell: (row) => row.p50Ms.toFixed(4), align: "right" },
      { heading: "mean (ms)", cell: (row) => row.meanMs.toFixed(4), align: "right" },
      { heading: "body written, mean (kB)", cell: (row) => row.bodyKB.toFixed(0), align: "right" },
    ])}\n\n`,
  );
}
process.stdout.write(`${JSON.stringify({ benchmark: "proxy-serialize", calls, rounds, rows })}\n`);
