/**
 * Set-up shared by the tests that run the real agents (Claude Code, the Codex CLI) through the proxy: the pinned
 * binaries and whether they run here, a temporary workspace of long files removed after each test, running an
 * agent with its output captured, and the check that a proxy's report equals the upstream's own counts.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import type { SessionSummary } from "../../src/index.js";
import type { RecordedRequest } from "../../src/testing/index.js";

/** A pinned agent CLI in node_modules/.bin, and whether it runs on this machine (skip the tests if not). */
export function agentBinary(name: "claude" | "codex"): { path: string; runs: boolean; skipped: string } {
  const path = join(import.meta.dirname, "../../node_modules/.bin", name);
  const runs = spawnSync(path, ["--version"], { timeout: 30_000 }).status === 0;
  return { path, runs, skipped: runs ? "" : ` (skipped: node_modules/.bin/${name} does not run)` };
}

/** Steps run after each test of the calling file, in order (servers, proxies, folders). */
export function useCleanup(): (step: () => Promise<void> | void) => void {
  const steps: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of steps.splice(0)) await step();
  });
  return (step) => {
    steps.push(step);
  };
}

/**
 * A temporary folder (removed after the test) holding `count` long files `<name(index)>`, each a header line
 * then `lines` lines of code.
 */
export function longFiles(
  cleanup: (step: () => void) => void,
  prefix: string,
  count: number,
  options: { name: (index: number) => string; header: (index: number) => string; lines: number },
): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup(() => rmSync(dir, { recursive: true, force: true }));
  for (let index = 0; index < count; index++) {
    writeFileSync(join(dir, options.name(index)), `${options.header(index)}\n${"export const value = compute(input, options);\n".repeat(options.lines)}`);
  }
  return dir;
}

/** Runs an agent to its end, stdout and stderr captured together. */
export async function runAgent(bin: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  const child = spawn(bin, [...args], { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, output };
}

/** Claude Code's environment: a home in `dir`, the base URL given, a fake key, no side traffic, no updates. */
export function claudeEnv(dir: string, baseURL: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: dir,
    ANTHROPIC_BASE_URL: baseURL,
    ANTHROPIC_API_KEY: "sk-ant-fake-key",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    ...extra,
  };
}

/** A proxy's session report agrees with the upstream's own counts: calls, prompt, cache-read and output tokens. */
export function expectReportMatchesUpstream(report: SessionSummary, requests: readonly RecordedRequest[]): void {
  expect(report.calls).toBe(requests.length);
  const sum = (pick: (usage: NonNullable<RecordedRequest["usage"]>) => number) =>
    requests.reduce((total, request) => total + (request.usage ? pick(request.usage) : 0), 0);
  expect(report.promptTokens).toBe(sum((usage) => usage.promptTokens));
  expect(report.cacheReadTokens).toBe(sum((usage) => usage.cacheReadTokens));
  expect(report.outputTokens).toBe(sum((usage) => usage.outputTokens));
}
