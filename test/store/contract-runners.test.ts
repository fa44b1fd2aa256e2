/**
 * `sessionStoreContract` with node:test's `describe`/`it` (no vitest at run time): the memory store passes every
 * rule one process can check, the two-instance rules are reported skipped, and a store that ignores `ifVersion`
 * fails exactly the compare-and-set rules, with the kit's message in the runner's output.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./runners/node-test.fixture.ts", import.meta.url));

async function runNodeTest(flaw?: string): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(flaw ? { FLAW: flaw } : {}) };
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--test", fixture], {
      env,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, output: failed.stdout ?? "" };
  }
}

const count = (output: string, what: string) =>
  Number(new RegExp(`^# ${what} (\\d+)$`, "m").exec(output)?.[1]);

describe("the contract kit under node:test", () => {
  it("passes the memory store and skips the two-instance rules", async () => {
    const { code, output } = await runNodeTest();
    expect(code, output).toBe(0);
    expect(count(output, "pass")).toBe(18);
    expect(count(output, "skipped")).toBe(2);
    expect(count(output, "fail")).toBe(0);
  });

  it("fails a store that ignores ifVersion on the compare-and-set rules, with the kit's message", async () => {
    const { code, output } = await runNodeTest("ignores-if-version");
    expect(code).toBe(1);
    expect(count(output, "fail")).toBe(3);
    expect(output).toMatch(/^ *not ok \d+ - cas-stale: /m);
    expect(output).toMatch(/^ *not ok \d+ - cas-race: /m);
    expect(output).toContain("8 saves with ifVersion 1 at once: expected exactly 1 applied, got 8");
  });
});
