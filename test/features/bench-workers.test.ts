/**
 * README, `compactor bench`: `--workers n` replays on n worker threads, with results identical to the
 * in-process run. Run as a child process, as a user runs it (`npm run bench` / `npx compactor bench`: the built
 * CLI in dist/); a preload (fixtures/count-workers.mjs) reports the worker threads started and finished, since
 * the bench falls back to in-process replays (with a warning on stderr) when workers fail, which the results
 * alone would not show.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryRoot } from "../support/cli.js";

const preload = resolve(import.meta.dirname, "fixtures/count-workers.mjs");
const failing = resolve(import.meta.dirname, "fixtures/fail-workers.mjs");
const builtCli = resolve(repositoryRoot, "dist/src/cli/main.js");
const built = existsSync(builtCli);
/** The bench uses at most one thread per core, so two workers need two cores. */
const cores = availableParallelism();

function bench(...args: string[]) {
  return run(["node", builtCli], args);
}

function run(command: string[], args: string[], preloaded = preload) {
  const [program, ...rest] = command as [string, ...string[]];
  const child = spawnSync(program, [...rest, "bench", "--json", ...args], {
    cwd: repositoryRoot,
    encoding: "utf8",
    timeout: 240_000,
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${preloaded}`.trim() },
  });
  const lines = child.stderr.split("\n");
  return {
    code: child.status,
    stdout: child.stdout,
    stderr: child.stderr,
    started: lines.filter((line) => line === "[count-workers] started").length,
    finished: lines.filter((line) => line === "[count-workers] done").length,
  };
}

describe.skipIf(!built || cores < 2)(
  `compactor bench --workers (the built CLI${built ? "" : ": skipped, run npm run build"}${cores < 2 ? "; skipped: one core" : ""})`,
  () => {
    it("replays on 2 worker threads with exactly the results of the in-process run", {
      timeout: 300_000,
    }, () => {
      const strategies = ["--strategies", "none,default,masking-every-call"];
      const single = bench(...strategies);
      expect(single.code, single.stderr).toBe(0);
      expect(single.started).toBe(0);
      const parallel = bench(...strategies, "--workers", "2");
      expect(parallel.code, parallel.stderr).toBe(0);
      expect(parallel.started).toBe(2);
      expect(parallel.finished).toBe(2);
      const one = JSON.parse(single.stdout) as { results: unknown[]; summary: unknown[] };
      const two = JSON.parse(parallel.stdout) as { results: unknown[]; summary: unknown[] };
      expect(one.results.length).toBeGreaterThan(0);
      expect(two).toEqual(one);
    });

    it("says so on stderr when worker threads fail, and still replays in-process", {
      timeout: 300_000,
    }, () => {
      const strategies = ["--strategies", "none"];
      const single = bench(...strategies);
      expect(single.code, single.stderr).toBe(0);
      const failed = run(["node", builtCli], [...strategies, "--workers", "2"], failing);
      expect(failed.code, failed.stderr).toBe(0);
      expect(failed.stderr).toMatch(
        /worker threads failed \(simulated: worker threads unavailable\); replaying in-process/,
      );
      expect(JSON.parse(failed.stdout)).toEqual(JSON.parse(single.stdout));
    });

    it("rejects a worker count that is not a positive integer, naming the option", () => {
      const result = bench("--workers", "zero");
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/--workers/);
    });
  },
);

describe.skipIf(cores < 2)(
  "compactor bench --workers from the TypeScript sources (npx tsx src/cli/main.ts)",
  () => {
    // From the sources the worker entry is bench-worker.ts, which a worker thread cannot load by itself (tsx's
    // loader does not reach workers); each worker registers tsx's loader first (src/replay/parallel.ts). This
    // failed silently before (every --workers run from the sources replayed in-process).
    it("replays on 2 worker threads with exactly the results of the in-process run", {
      timeout: 300_000,
    }, () => {
      const sources = ["npx", "tsx", "src/cli/main.ts"];
      const strategies = ["--strategies", "none,default"];
      const single = run(sources, strategies);
      expect(single.code, single.stderr).toBe(0);
      expect(single.started).toBe(0);
      const parallel = run(sources, [...strategies, "--workers", "2"]);
      expect(parallel.code, parallel.stderr).toBe(0);
      expect(parallel.stderr).not.toMatch(/worker threads failed/);
      expect(parallel.started).toBe(2);
      expect(parallel.finished).toBe(2);
      const one = JSON.parse(single.stdout) as { results: unknown[] };
      const two = JSON.parse(parallel.stdout) as { results: unknown[] };
      expect(one.results.length).toBeGreaterThan(0);
      expect(two).toEqual(one);
    });
  },
);
