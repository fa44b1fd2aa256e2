/**
 * Re-runs every benchmark that feeds a figure of README.md's strategy, bench and economics sections, on the
 * current code, and prints each README table in the README's own Markdown layout (ready to paste), the checks of
 * the README's claims (`cache-effect-checks.ts`), how long each run took, and one JSON line with every figure.
 * Run it after any change to a strategy, the default, the replay or the prices, then update the README from its
 * output.
 *
 * Run: `npm run readme-figures` (= `npx tsx benchmarks/strategies/readme-figures.ts`)
 * `[--only cache-effect,levers,...] [--jobs 3] [--out DIR] [--from DIR]`.
 *
 * - `--only`: the runs to make (names below); default all.
 * - `--jobs`: runs at a time (default 3; each is one process on one core).
 * - `--out`: folder the raw output of each run is kept in (default `$TMPDIR/compactor-readme-figures`).
 * - `--from`: print the tables from a folder of an earlier run's raw output, running nothing.
 *
 * How long, measured on this project's 2-core machine while ~7 other jobs shared it (load 15–20), each run's wall
 * time: cache-effect 23 min, levers 24, length-buckets 17, all-cached-marot 14, all-cached-samples 12,
 * sensitivity-rule 9, levers-codex 7, sensitivity-facts 6, report-agreement 4, samples and default-guard 1 each,
 * summary-sizes seconds; so about 40 minutes in all with `--jobs 3`. On an idle machine the three longest took
 * 2–4 minutes each (README). Exit code 1 when a run fails, which includes one of the README's claims breaking
 * (cache-effect).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { repositoryRoot } from "./sessions.js";

/** One run: a command whose stdout holds a JSON document (whole, or as its last `{` line). */
interface Run {
  name: string;
  what: string;
  command: string[];
  env?: Record<string, string>;
  /** The run prints no JSON (its figures are lines of text). */
  text?: boolean;
}

const tsx = ["npx", "tsx"];
const cli = [...tsx, "src/cli/main.ts"];

/** Every run, longest first. */
export const runs: readonly Run[] = [
  {
    name: "cache-effect",
    what: "93 sessions × 10 strategies × 3 price settings; the README's claims",
    command: [...tsx, "benchmarks/strategies/cache-effect.ts"],
  },
  {
    name: "levers",
    what: "Claude Code + mini-swe-agent, issue 10's parts, 3 cache settings",
    command: [...tsx, "benchmarks/strategies/levers.ts"],
  },
  {
    name: "all-cached-marot",
    what: "`default` under every cached price list, six marot-spotter sessions",
    command: [
      ...cli,
      "bench",
      "../shared/transcripts/claude-code/marot-spotter",
      "--all-cached-prices",
      "--json",
    ],
  },
  {
    name: "all-cached-samples",
    what: "`default` under every cached price list, the six sample sessions",
    command: [...cli, "bench", "--all-cached-prices", "--json"],
  },
  {
    name: "length-buckets",
    what: "93 sessions by length, Sonnet 4.6 with Anthropic caching",
    command: [...tsx, "benchmarks/strategies/length-buckets.ts"],
  },
  {
    name: "sensitivity-rule",
    what: "default, minRemovedShare × paybackMultiple, 24 long Claude Code sessions",
    command: [
      ...tsx,
      "benchmarks/strategies/sensitivity.ts",
      "--rows",
      "minRemovedShare=0.25,0.4,0.55",
      "--columns",
      "paybackMultiple=2,4,8",
    ],
  },
  {
    name: "sensitivity-facts",
    what: "default, facts.maxFactCharacters × facts.keepTurns, 24 long Claude Code sessions",
    command: [
      ...tsx,
      "benchmarks/strategies/sensitivity.ts",
      "--rows",
      "facts.maxFactCharacters=3000,8000,16000",
      "--columns",
      "facts.keepTurns=3,6",
    ],
  },
  {
    name: "levers-codex",
    what: "10 long Codex sessions, default before and after issue 10's parts",
    command: [
      ...tsx,
      "benchmarks/strategies/levers.ts",
      "--subfolders",
      "codex",
      "--strategies",
      "none,default-before-levers,default",
    ],
  },
  {
    name: "samples",
    what: "`npm run bench`'s first screen: the six sample sessions at their own models",
    command: [...cli, "bench", "--json"],
  },
  {
    name: "summary-sizes",
    what: "Claude Code's own compaction summaries, o200k tokens (the summary-size prior)",
    command: [...tsx, "benchmarks/strategies/summary-sizes.ts"],
  },
  {
    name: "report-agreement",
    what: "no compaction replayed at the recorded models against `compactor report`, per format",
    command: ["npx", "vitest", "run", "test/bench/report-agreement.test.ts", "--testTimeout=600000"],
    env: { COMPACTOR_PRINT_AGREEMENT: "1" },
    text: true,
  },
  {
    name: "default-guard",
    what: "the 60-call loop of test/strategies/default-guard.test.ts, twins printed",
    command: ["npx", "vitest", "run", "test/strategies/default-guard.test.ts", "--testTimeout=300000"],
    env: { COMPACTOR_PRINT_TWINS: "1" },
    text: true,
  },
];

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

interface Outcome {
  name: string;
  code: number | null;
  seconds: number;
  stdout: string;
}

function execute(run: Run, folder: string): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const [program, ...args] = run.command as [string, ...string[]];
    const child = spawn(program, args, {
      cwd: repositoryRoot,
      env: { ...process.env, ...run.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const stdout = Buffer.concat(out).toString("utf8");
      writeFileSync(path.join(folder, `${run.name}.out`), stdout);
      writeFileSync(path.join(folder, `${run.name}.err`), Buffer.concat(err).toString("utf8"));
      writeFileSync(path.join(folder, `${run.name}.meta.json`), JSON.stringify({ code, seconds }));
      process.stderr.write(`readme-figures: ${run.name} done in ${seconds.toFixed(0)} s (exit ${code})\n`);
      resolve({ name: run.name, code, seconds, stdout });
    });
  });
}

/** The JSON document of a run's stdout: all of it, else its last line that starts with `{`. */
export function jsonOf(stdout: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    const line = stdout
      .split("\n")
      .reverse()
      .find((candidate) => candidate.startsWith("{"));
    return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
  }
}

// ---------------------------------------------------------------- rendering

const pct = (ratio: number | null | undefined, signed = false) =>
  ratio === null || ratio === undefined
    ? "–"
    : `${signed && ratio > 0 ? "+" : ""}${(ratio * 100).toFixed(1).replace("-", "−")}%`;
const rec = (recall: number | null | undefined) =>
  recall === null || recall === undefined ? "–" : recall.toFixed(3);

interface Summary {
  strategy: string;
  savingRatio: number;
  effectiveSavingRatio: number;
  recall: number | null;
  recallCalls?: number;
  sessionsDearer: number;
  sessionsDearerEffective?: number;
  sessions?: number;
  compactions: number;
  worstStopRegret: { excessRatio: number; transcript?: string } | null;
  rank?: number;
}

function cacheEffectTables(json: Record<string, unknown>): string {
  const sessions = json.sessions as number;
  const settings = json.settings as Record<string, { summary: Summary[]; seconds: number }>;
  const of = (label: string) => settings[label]?.summary ?? [];
  const find = (label: string, strategy: string) => of(label).find((row) => row.strategy === strategy);
  const order = [...of("anthropic")]
    .filter((row) => row.strategy !== "none")
    .sort((a, b) => b.effectiveSavingRatio - a.effectiveSavingRatio);
  const cached = (row: Summary | undefined) =>
    row
      ? `${pct(row.savingRatio)}, ${pct(row.effectiveSavingRatio)}, ${row.sessionsDearer}/${sessions}, ${pct(row.worstStopRegret?.excessRatio, true)}`
      : "–";
  const lines = [
    `What each saved (${sessions} sessions; seconds: ${Object.entries(settings)
      .map(([label, setting]) => `${label} ${setting.seconds.toFixed(0)}`)
      .join(", ")}):`,
    "",
    "| strategy | Anthropic caching: saving, effective, dearer, worst stop | OpenAI caching: saving, effective, dearer, worst stop | no caching: saving, effective | recall (Anthropic) | compactions (Anthropic) |",
    "|---|---|---|---|---|---|",
    ...order.map((row) => {
      const none = find("no-cache", row.strategy);
      return `| \`${row.strategy}\` | ${cached(row)} | ${cached(find("openai", row.strategy))} | ${none ? `${pct(none.savingRatio)}, ${pct(none.effectiveSavingRatio)}` : "–"} | ${rec(row.recall)} | ${row.compactions.toLocaleString("en-US")} |`;
    }),
    "",
    "Results on the recorded sessions:",
    "",
    "| setting | cheapest (effective) | saving | effective saving | recall | `default`: saving, effective, dearer, worst stop |",
    "|---|---|---|---|---|---|",
  ];
  const names: Record<string, string> = {
    anthropic: "Anthropic prices + caching (claude-sonnet-4-6)",
    openai: "OpenAI prices + caching (gpt-5)",
    "no-cache": "no caching (claude-sonnet-4-6)",
  };
  for (const label of Object.keys(settings)) {
    const rows = of(label);
    const cheapest = [...rows].sort((a, b) => b.effectiveSavingRatio - a.effectiveSavingRatio)[0];
    const mine = find(label, "default");
    lines.push(
      `| ${names[label] ?? label} | \`${cheapest?.strategy}\` | ${pct(cheapest?.savingRatio)} | ${pct(cheapest?.effectiveSavingRatio)} | ${rec(cheapest?.recall)} | ${cached(mine)} |`,
    );
  }
  lines.push(
    "",
    `README claims checked: ${json.failures === 0 ? "all hold" : `${json.failures} FAILED (see cache-effect.out)`}`,
  );
  return lines.join("\n");
}

function lengthTable(json: Record<string, unknown>): string {
  const buckets = json.buckets as Record<string, Summary[]>;
  const labels = Object.keys(buckets);
  const strategies = (buckets[labels[labels.length - 1] as string] ?? [])
    .filter((row) => row.strategy !== "none")
    .sort((a, b) => b.effectiveSavingRatio - a.effectiveSavingRatio)
    .map((row) => row.strategy);
  const lines = [
    `| strategy | ${labels.map((label) => `${label} (${buckets[label]?.[0]?.sessions} sessions)`).join(" | ")} |`,
    `|---|${labels.map(() => "---").join("|")}|`,
  ];
  for (const strategy of strategies) {
    const cells = labels.map((label, index) => {
      const row = buckets[label]?.find((candidate) => candidate.strategy === strategy);
      if (!row) return "–";
      if (row.worstStopRegret === null && row.savingRatio === 0) return "0% (never compacts)";
      const base = `${pct(row.savingRatio)} / ${pct(row.effectiveSavingRatio)} / ${rec(row.recall)} / ${pct(row.worstStopRegret?.excessRatio, true)}`;
      const dearer = `${row.sessionsDearer}/${row.sessions}`;
      return index === labels.length - 1
        ? `${base} (${dearer}, ${row.sessionsDearerEffective}/${row.sessions})`
        : `${base} (dearer ${dearer})`;
    });
    lines.push(`| \`${strategy}\` | ${cells.join(" | ")} |`);
  }
  const long = buckets[labels[labels.length - 1] as string]?.find((row) => row.strategy === "default");
  if (long) lines.push("", `default, long sessions: recall measured on ${long.recallCalls} calls`);
  return lines.join("\n");
}

interface LeverRow {
  setting: string;
  bucket: string;
  strategy: string;
  sessions: number;
  saving: number;
  effectiveSaving: number;
  recall: number | null;
  dearer: number;
  worstRegret: number | null;
  compactions: number;
}

function leverCell(row: LeverRow | undefined): string {
  return row
    ? `${pct(row.saving)} / ${pct(row.effectiveSaving)} / ${rec(row.recall)} / ${row.dearer} / ${pct(row.worstRegret)}`
    : "–";
}

function leversTable(json: Record<string, unknown>, bucket = "long"): string {
  const rows = json.rows as LeverRow[];
  const settings = [...new Set(rows.map((row) => row.setting))];
  const strategies = [...new Set(rows.map((row) => row.strategy))].filter((name) => name !== "none");
  const sessions = rows.find((row) => row.bucket === bucket)?.sessions;
  const lines = [
    `| strategy (${bucket} sessions: ${sessions}) | ${settings.map((label) => `${label}: saving / effective / recall / dearer / regret`).join(" | ")} |`,
    `|---|${settings.map(() => "---").join("|")}|`,
  ];
  for (const strategy of strategies) {
    const cells = settings.map((label) =>
      leverCell(
        rows.find((row) => row.setting === label && row.bucket === bucket && row.strategy === strategy),
      ),
    );
    lines.push(`| \`${strategy}\` | ${cells.join(" | ")} |`);
  }
  for (const label of settings) {
    const all = rows.find(
      (row) => row.setting === label && row.bucket === "all" && row.strategy === "default",
    );
    const compacting = rows
      .filter((row) => row.setting === label && row.strategy === "default" && row.bucket !== "all")
      .map((row) => `${row.bucket} ${row.compactions}`)
      .join(", ");
    if (all)
      lines.push(
        `\n\`default\`, all ${all.sessions} sessions, ${label}: ${leverCell(all)}; compactions by bucket: ${compacting}`,
      );
  }
  return lines.join("\n");
}

interface Cell {
  row: number;
  column: number;
  saving: number;
  effectiveSaving: number;
  recall: number | null;
  dearer: number;
  worstRegret: number | null;
}

function sensitivityTable(json: Record<string, unknown>): string {
  const cells = json.cells as Cell[];
  const rows = [...new Set(cells.map((cell) => cell.row))];
  const columns = [...new Set(cells.map((cell) => cell.column))];
  const effective = cells.map((cell) => cell.effectiveSaving);
  const saving = cells.map((cell) => cell.saving);
  return [
    `| \`${json.rows}\` \\ \`${json.columns}\` | ${columns.join(" | ")} |`,
    `|---|${columns.map(() => "---").join("|")}|`,
    ...rows.map(
      (row) =>
        `| ${row} | ${columns.map((column) => leverCell(cells.find((cell) => cell.row === row && cell.column === column) as unknown as LeverRow | undefined)).join(" | ")} |`,
    ),
    "",
    `saving ${pct(Math.min(...saving))} to ${pct(Math.max(...saving))}; effective ${pct(Math.min(...effective))} to ${pct(Math.max(...effective))}; cells with a session dearer: ${cells.filter((cell) => cell.dearer > 0).length}; worst regret ${pct(Math.min(...cells.map((cell) => cell.worstRegret ?? 0)))} to ${pct(Math.max(...cells.map((cell) => cell.worstRegret ?? 0)))}`,
  ].join("\n");
}

interface PriceList {
  provider: string;
  model: string;
  summary: Summary[];
  dearer: Record<string, string[]>;
}

function allCachedSummary(json: Record<string, unknown>, strategy = "default"): string {
  const lists = json.priceLists as PriceList[];
  const range = (values: number[], signed = false) =>
    values.length === 0 ? "–" : `${pct(Math.min(...values), signed)} to ${pct(Math.max(...values), signed)}`;
  const line = (label: string, picked: PriceList[]) => {
    const rows = picked.flatMap((list) => list.summary.filter((row) => row.strategy === strategy));
    const dearer = picked.filter((list) => (list.dearer[strategy]?.length ?? 0) > 0);
    const dearerEffective = rows.map((row) => row.sessionsDearerEffective ?? 0);
    return `${label} (${picked.length} lists): saving ${range(rows.map((row) => row.savingRatio))}; effective ${range(rows.map((row) => row.effectiveSavingRatio))}; lists where \`${strategy}\` is dearer than none on some session: ${dearer.length}${dearer.length > 0 ? ` (${dearer.map((list) => `\`${list.model}\` ${list.dearer[strategy]?.length}`).join(", ")})` : ""}; sessions dearer once recoveries are charged: ${Math.min(...dearerEffective)} to ${Math.max(...dearerEffective)} of ${rows[0]?.sessions}; worst stop ${range(
      rows.map((row) => row.worstStopRegret?.excessRatio ?? Number.NEGATIVE_INFINITY).filter(Number.isFinite),
      true,
    )}`;
  };
  const chat = (list: PriceList) => !/realtime|audio|voxtral|tts|transcribe/i.test(list.model);
  return [
    line("all", lists),
    ...["anthropic", "openai", "google"].map((provider) =>
      line(
        `${provider} chat models`,
        lists.filter((list) => list.provider.toLowerCase().includes(provider) && chat(list)),
      ),
    ),
  ].join("\n");
}

function samplesSummary(json: Record<string, unknown>): string {
  const summary = [...(json.summary as Summary[])].sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  return summary
    .slice(0, 3)
    .map(
      (row) =>
        `rank ${row.rank}: \`${row.strategy}\` saving ${pct(row.savingRatio)} (${pct(row.effectiveSavingRatio)} effective), recall ${rec(row.recall)}, dearer ${row.sessionsDearer}/${row.sessions}, worst stop ${pct(row.worstStopRegret?.excessRatio, true)}`,
    )
    .join("\n");
}

/** Terminal colour codes (ESC [ ... m), which vitest puts around printed lines. */
const colourCodes = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function render(name: string, stdout: string): string {
  if (name === "report-agreement") {
    return stdout
      .split("\n")
      .filter((line) => line.startsWith("agreement "))
      .join("\n");
  }
  if (name === "default-guard") {
    return stdout
      .split("\n")
      .map((line) => line.replace(colourCodes, "").trim())
      .filter((line) => /^(none|everyCall|guarded|truncated|summarized): /.test(line))
      .join("\n");
  }
  const json = jsonOf(stdout);
  if (!json) return "(no JSON in the output)";
  switch (name) {
    case "cache-effect":
      return cacheEffectTables(json);
    case "length-buckets":
      return lengthTable(json);
    case "levers":
    case "levers-codex":
      return leversTable(json);
    case "sensitivity-rule":
    case "sensitivity-facts":
      return sensitivityTable(json);
    case "all-cached-marot":
    case "all-cached-samples":
      return allCachedSummary(json);
    case "samples":
      return samplesSummary(json);
    case "summary-sizes":
      return `${json.summaries} summaries, o200k tokens: median ${json.median}, p25 ${json.p25}, p75 ${json.p75}; marot-spotter: ${(
        json.sizes as Array<{ file: string; tokens: number }>
      )
        .filter((size) => size.file.startsWith("marot-spotter"))
        .map((size) => size.tokens)
        .join(", ")}`;
    default:
      return "";
  }
}

async function main(): Promise<void> {
  const only = argument("only")?.split(",").filter(Boolean);
  const unknown = only?.filter((name) => !runs.some((run) => run.name === name)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `--only: unknown run ${unknown.join(", ")}; expected some of ${runs.map((run) => run.name).join(", ")}`,
    );
  }
  const picked = runs.filter((run) => !only || only.includes(run.name));
  const from = argument("from");
  const folder = from ?? argument("out") ?? path.join(tmpdir(), "compactor-readme-figures");
  mkdirSync(folder, { recursive: true });
  const outcomes: Outcome[] = [];
  if (from) {
    for (const run of picked) {
      try {
        const meta = JSON.parse(readFileSync(path.join(from, `${run.name}.meta.json`), "utf8")) as Outcome;
        outcomes.push({
          ...meta,
          name: run.name,
          stdout: readFileSync(path.join(from, `${run.name}.out`), "utf8"),
        });
      } catch {
        process.stderr.write(`readme-figures: no saved output of ${run.name} in ${from}\n`);
      }
    }
  } else {
    const jobs = Math.max(1, Number(argument("jobs") ?? 3));
    const queue = [...picked];
    process.stderr.write(
      `readme-figures: ${queue.length} runs, ${jobs} at a time; raw output in ${folder}\n`,
    );
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        for (let run = queue.shift(); run; run = queue.shift()) outcomes.push(await execute(run, folder));
      }),
    );
  }
  const figures: Record<string, unknown> = {};
  let failed = 0;
  for (const run of picked) {
    const outcome = outcomes.find((candidate) => candidate.name === run.name);
    if (!outcome) continue;
    if (outcome.code !== 0) failed++;
    console.log(`\n## ${run.name}: ${run.what} (${outcome.seconds.toFixed(0)} s, exit ${outcome.code})\n`);
    console.log(
      `$ ${run.command.join(" ")}${
        run.env
          ? ` (${Object.entries(run.env)
              .map(([k, v]) => `${k}=${v}`)
              .join(" ")})`
          : ""
      }\n`,
    );
    console.log(render(run.name, outcome.stdout));
    figures[run.name] = {
      seconds: Number(outcome.seconds.toFixed(1)),
      code: outcome.code,
      output: run.text ? render(run.name, outcome.stdout) : jsonOf(outcome.stdout),
    };
  }
  console.log(JSON.stringify({ benchmark: "strategies/readme-figures", folder, failed, runs: figures }));
  if (failed > 0) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
