import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cli } from "../support/cli.js";
import { claudeCodeSession, tempFolder } from "./fixtures.js";

afterEach(() => vi.restoreAllMocks());

function files() {
  const folder = tempFolder();
  const good = join(folder, "good.jsonl");
  writeFileSync(good, claudeCodeSession([{ time: "2026-03-01T10:00:00.000Z", input: 100, output: 10 }]));
  const empty = join(folder, "empty.jsonl");
  writeFileSync(empty, "");
  const halfWritten = join(folder, "live.jsonl");
  // A live session cut mid-line: the last record is incomplete.
  writeFileSync(halfWritten, `${claudeCodeSession([{ time: "2026-03-01T11:00:00.000Z", input: 5, output: 1 }])}{"type":"assi`);
  return { good, empty, halfWritten };
}

describe("report reads what it can and lists what it skipped", () => {
  it("reports the readable file, lists each skipped one with the reason and place, exits 0", async () => {
    const { good, empty, halfWritten } = files();
    const { code, stdout, stderr } = await cli("report", empty, good, halfWritten);
    expect(code).toBe(0);
    expect(stdout).toContain("1 session, 1 billed call");
    expect(stderr).toContain("skipped 2 files:");
    expect(stderr).toContain(`${empty}: `);
    expect(stderr).toMatch(new RegExp(`${halfWritten.replaceAll(".", "\\.")}: at line 3`));
  });

  it("in a folder, one empty and one half-written file do not stop the report", async () => {
    const { good, empty, halfWritten } = files();
    const folder = dirname(good);
    const { code, stdout, stderr } = await cli("report", folder);
    expect(code).toBe(0);
    expect(stdout).toContain("1 session, 1 billed call");
    expect(stderr).toContain("compactor: skipped 2 files:");
    expect(stderr).toContain(`  ${empty}: `);
    expect(stderr).toContain(`  ${halfWritten}: `);
    expect(stderr).toMatch(/live\.jsonl: .*line 3/);
    const strict = await cli("report", folder, "--strict");
    expect(strict.code).toBe(1);
  });

  it("lists the skipped files in --json", async () => {
    const { good, empty } = files();
    const { code, stdout } = await cli("report", good, empty, "/no/such.jsonl", "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { sessions: unknown[]; skipped: Array<{ file: string; reason: string }> };
    expect(report.sessions).toHaveLength(1);
    expect(report.skipped.map((entry) => entry.file)).toEqual([empty, "/no/such.jsonl"]);
    expect(report.skipped[1]?.reason).toBe("no such file or folder");
  });

  it("exits 1 with --strict when any file was skipped, still printing the report", async () => {
    const { good, empty } = files();
    const { code, stdout, stderr } = await cli("report", good, empty, "--strict");
    expect(code).toBe(1);
    expect(stdout).toContain("1 session");
    expect(stderr).toContain("--strict: 1 file skipped");
    const clean = await cli("report", good, "--strict");
    expect(clean.code).toBe(0);
  });

  it("exits 1 when nothing at all could be read", async () => {
    const { empty, halfWritten } = files();
    const { code, stdout, stderr } = await cli("report", empty);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`nothing to report: no session could be read from ${empty}`);
    expect((await cli("report", empty, halfWritten)).code).toBe(1);
  });
});

describe("bench reads what it can too", () => {
  it("replays the readable file and lists the skipped one", async () => {
    const { good, empty } = files();
    const { code, stdout, stderr } = await cli("bench", good, empty, "--strategies", "none");
    expect(code).toBe(0);
    expect(stdout).toContain("1 session, prices");
    expect(stderr).toContain(`skipped 1 file:\n  ${empty}: `);
  });
});
