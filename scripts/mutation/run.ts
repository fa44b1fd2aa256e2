/**
 * Mutation run: applies each one-line bug of scripts/mutation/mutants.ts to a scratch copy of the repository,
 * runs the tests named for it, and reports whether they caught it (some test failed) or let it survive.
 *
 *   npx tsx scripts/mutation/run.ts                 # the working tree, every mutant
 *   npx tsx scripts/mutation/run.ts --ref main      # the tests of another commit (e.g. before new tests)
 *   npx tsx scripts/mutation/run.ts --only a,b      # some mutants only
 *   npx tsx scripts/mutation/run.ts --json          # one JSON object on stdout
 *
 * The scratch copy lives in the system temp folder, next to a link to ../shared (so tests that read the recorded
 * sessions behave as they do here) and with a link to this checkout's node_modules. The unmutated tests run first
 * (the baseline): a test file that already fails unmutated cannot judge anything and is left out of every
 * mutant's run (and listed). Exit code: 0 when every applicable mutant was caught, 1 when one survived, 2 for
 * bad usage. Not part of CI: it takes several minutes.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type Mutant, mutants } from "./mutants.js";

const root = resolve(import.meta.dirname, "../..");

interface Options {
  ref: string | undefined;
  only: string[] | undefined;
  json: boolean;
  keep: boolean;
}

type Verdict = "caught" | "survived" | "gone" | "ambiguous" | "no tests";

interface Outcome {
  id: string;
  file: string;
  breaks: string;
  verdict: Verdict;
  /** Test files that failed against the mutant. */
  failedFiles: string[];
  seconds: number;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npx tsx scripts/mutation/run.ts [--ref <git ref>] [--only id,id] [--json] [--keep]\n`,
  );
  process.exit(2);
}

function parseOptions(args: string[]): Options {
  const options: Options = { ref: undefined, only: undefined, json: false, keep: false };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    const value = (): string => {
      const next = args[++index];
      if (next === undefined) usage(`${arg} needs a value`);
      return next;
    };
    if (arg === "--ref") options.ref = value();
    else if (arg.startsWith("--ref=")) options.ref = arg.slice(6);
    else if (arg === "--only") options.only = value().split(",");
    else if (arg.startsWith("--only=")) options.only = arg.slice(7).split(",");
    else if (arg === "--json") options.json = true;
    else if (arg === "--keep") options.keep = true;
    else usage(`unknown option ${arg}`);
  }
  for (const id of options.only ?? [])
    if (!mutants.some((mutant) => mutant.id === id)) usage(`--only: no mutant named ${id}`);
  return options;
}

function run(command: string, args: string[], cwd: string, input?: Buffer) {
  return spawnSync(command, args, { cwd, input, maxBuffer: 1 << 30, timeout: 20 * 60_000 });
}

/** A scratch copy of the working tree (tracked and new files) or of `ref`, with node_modules and ../shared linked. */
function scratchCopy(ref: string | undefined): { base: string; repo: string } {
  const base = mkdtempSync(join(tmpdir(), "compactor-mutation-"));
  const repo = join(base, "repo");
  mkdirSync(repo);
  if (ref !== undefined) {
    const archive = run("git", ["archive", "--format=tar", ref], root);
    if (archive.status !== 0) usage(`git archive ${ref} failed: ${archive.stderr}`);
    const untar = run("tar", ["-x", "-C", repo], root, archive.stdout);
    if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  } else {
    const listed = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root);
    for (const file of listed.stdout.toString("utf8").split("\0")) {
      if (file === "" || !existsSync(join(root, file))) continue;
      mkdirSync(dirname(join(repo, file)), { recursive: true });
      writeFileSync(join(repo, file), readFileSync(join(root, file)));
    }
  }
  symlinkSync(join(root, "node_modules"), join(repo, "node_modules"), "dir");
  const shared = resolve(root, "../shared");
  if (existsSync(shared)) symlinkSync(shared, join(base, "shared"), "dir");
  return { base, repo };
}

/** Runs vitest on `paths` in `repo`; answers the failed test files, or undefined when all passed. */
function vitest(repo: string, paths: string[], excluded: readonly string[] = []): string[] | undefined {
  const report = join(repo, ".mutation-report.json");
  rmSync(report, { force: true });
  const exclude = excluded.flatMap((file) => ["--exclude", file]);
  const result = run(
    "npx",
    [
      "vitest",
      "run",
      "--typecheck.enabled=false",
      "--reporter=json",
      `--outputFile=${report}`,
      ...exclude,
      ...paths,
    ],
    repo,
  );
  if (result.status === 0) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(report, "utf8")) as {
      testResults: Array<{ name: string; status: string }>;
    };
    const failed = parsed.testResults
      .filter((file) => file.status !== "passed")
      .map((file) => file.name.replace(`${repo}/`, ""));
    return failed.length > 0 ? failed : [`(vitest exited ${result.status})`];
  } catch {
    return [`(vitest exited ${result.status}: ${result.stderr.toString("utf8").slice(0, 200)})`];
  }
}

function occurrences(text: string, search: string): number {
  let count = 0;
  for (let at = text.indexOf(search); at >= 0; at = text.indexOf(search, at + 1)) count++;
  return count;
}

function judge(repo: string, mutant: Mutant, excluded: readonly string[]): Outcome {
  const started = Date.now();
  const outcome = (verdict: Verdict, failedFiles: string[] = []): Outcome => ({
    id: mutant.id,
    file: mutant.file,
    breaks: mutant.breaks,
    verdict,
    failedFiles,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  const path = join(repo, mutant.file);
  if (!existsSync(path)) return outcome("gone");
  const original = readFileSync(path, "utf8");
  const found = occurrences(original, mutant.search);
  if (found === 0) return outcome("gone");
  if (found > 1) return outcome("ambiguous");
  const tests = mutant.tests.filter((test) => existsSync(join(repo, test)));
  if (tests.length === 0) return outcome("no tests");
  writeFileSync(path, original.replace(mutant.search, mutant.replace));
  try {
    const failed = vitest(repo, tests, excluded);
    return failed === undefined ? outcome("survived") : outcome("caught", failed);
  } finally {
    writeFileSync(path, original);
  }
}

function main(): number {
  const options = parseOptions(process.argv.slice(2));
  const selected = options.only ? mutants.filter((mutant) => options.only?.includes(mutant.id)) : mutants;
  const { base, repo } = scratchCopy(options.ref);
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  try {
    log(`scratch copy of ${options.ref ?? "the working tree"}: ${repo}`);
    const allTests = [...new Set(selected.flatMap((mutant) => mutant.tests))].filter((test) =>
      existsSync(join(repo, test)),
    );
    const excluded = vitest(repo, allTests) ?? [];
    if (excluded.some((file) => file.startsWith("(")))
      throw new Error(`the baseline run did not finish: ${excluded.join(", ")}`);
    log(
      `baseline: ${allTests.length} test paths; failing unmutated, left out: ${excluded.join(", ") || "none"}`,
    );
    const outcomes: Outcome[] = [];
    for (const mutant of selected) {
      const outcome = judge(repo, mutant, excluded);
      outcomes.push(outcome);
      const where = outcome.failedFiles.slice(0, 3).join(", ");
      log(`${outcome.verdict.padEnd(9)} ${mutant.id.padEnd(40)} ${outcome.seconds}s ${where}`);
    }
    const judged = outcomes.filter(
      (outcome) => outcome.verdict === "caught" || outcome.verdict === "survived",
    );
    const caught = judged.filter((outcome) => outcome.verdict === "caught").length;
    const score = judged.length > 0 ? caught / judged.length : 0;
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ ref: options.ref ?? null, excluded, caught, judged: judged.length, score, outcomes })}\n`,
      );
    } else {
      log("");
      log("| mutant | file | breaks | result |");
      log("|---|---|---|---|");
      for (const outcome of outcomes)
        log(`| \`${outcome.id}\` | \`${outcome.file}\` | ${outcome.breaks} | ${outcome.verdict} |`);
      log("");
      log(`mutation score: ${caught}/${judged.length} caught (${(score * 100).toFixed(0)}%)`);
    }
    return caught === judged.length ? 0 : 1;
  } finally {
    if (options.keep) log(`kept ${base}`);
    else rmSync(base, { recursive: true, force: true });
  }
}

process.exitCode = main();
