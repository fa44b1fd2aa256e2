// What the two side-by-side benchmarks (runtime-side-by-side.mjs, client-side-by-side.mjs) share: the growing
// history they send, the system prompt and a CPU clock. Plain JavaScript so that both run on built `dist/` trees
// with plain `node`.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
// The same history as history.ts: turns of a tool call and a ~1,500-token tool result.
export function turn(index) {
  const id = `toolu_bench_${index}`;
  const lines = [];
  for (let line = 0; line < 60; line++)
    lines.push(
      `src/pkg_${index % 97}/mod_${line}.py:${line * 3 + 1}: value_${index}_${line} = compute(request, retries=${line % 7})`,
    );
  return [
    {
      role: "assistant",
      content: [
        { type: "text", text: `Step ${index}: looking at the next module.` },
        { type: "tool_use", id, name: "bash", input: { command: `grep -rn value_${index} src` } },
      ],
    },
    { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: lines.join("\n") }] },
  ];
}
export function buildHistory(tokens) {
  const history = [{ role: "user", content: "Fix the failing handler in src/." }];
  for (let index = 0, characters = 0; characters / 4 < tokens; index++) {
    const next = turn(index);
    history.push(...next);
    characters += JSON.stringify(next).length;
  }
  return history;
}
export const cpuMs = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
export const system = [
  { type: "text", text: "You are a coding agent.", cache_control: { type: "ephemeral" } },
];

/**
 * The command line both side-by-side benchmarks take: `BASELINE_DIR [--sizes N,N] [--calls N] [--sessions N]
 * [--modes a,b]`. Prints the usage and exits 2 when the baseline directory is missing.
 */
export function sideBySideArguments(script, defaults) {
  const option = (name, fallback) => {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : fallback;
  };
  const baselineDir = process.argv[2];
  if (!baselineDir || baselineDir.startsWith("--")) {
    process.stderr.write(
      `usage: node benchmarks/wrapper/${script} BASELINE_DIR [--sizes N,N] [--calls N] [--sessions N] [--modes record-only,idle,default]\n`,
    );
    process.exit(2);
  }
  return {
    baselineDir,
    sizes: String(option("sizes", option("size", "10000,100000")))
      .split(",")
      .map(Number),
    calls: Number(option("calls", 120)),
    sessions: Number(option("sessions", defaults.sessions)),
    modes: String(option("modes", defaults.modes)).split(","),
  };
}

/** Imports `paths` from a built tree's `dist/` (the tokenizer loaded first, so no build pays for it in a call). */
export async function importBuild(root, paths) {
  const at = (path) => import(pathToFileURL(resolve(root, "dist", path)).href);
  const [tokens, ...modules] = await Promise.all([at("src/tokens/index.js"), ...paths.map(at)]);
  tokens.getDefaultTokenEstimator().countText("load the tokenizer");
  return modules;
}
