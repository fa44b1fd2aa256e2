import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cli, spawnCli } from "../support/cli.js";
import { claudeCodeSession, tempFolder } from "./fixtures.js";

afterEach(() => vi.restoreAllMocks());

const session = claudeCodeSession([
  { time: "2026-03-01T10:00:00.000Z", input: 1000, output: 100 },
  { time: "2026-03-01T10:01:00.000Z", input: 10, output: 50, read: 1000, write: 200 },
]);

describe("ordinary mistakes exit 1 with a message naming the file, never a crash or a hang", () => {
  it("a missing file: exit 1 from the real bin, no stack trace, no 'internal error'", () => {
    const { code, stderr } = spawnCli("report", "/missing/session.jsonl");
    expect(code).toBe(1);
    expect(stderr).toContain("/missing/session.jsonl: no such file or folder");
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it("a FIFO is refused at once instead of blocking on read", async () => {
    const folder = tempFolder();
    const fifo = join(folder, "live.jsonl");
    execFileSync("mkfifo", [fifo]);
    const { code, stderr } = await cli("report", fifo);
    expect(code).toBe(1);
    expect(stderr).toContain(`${fifo}: cannot read: not a regular file (a FIFO)`);
  });

  it("a file larger than one string can hold is refused with its size and the limit", async () => {
    const folder = tempFolder();
    const huge = join(folder, "huge.jsonl");
    writeFileSync(huge, "");
    truncateSync(huge, 600 * 2 ** 20); // sparse: takes no disk space
    const { code, stderr } = await cli("report", huge);
    expect(code).toBe(1);
    expect(stderr).toContain(`${huge}: cannot read: too large (629145600 bytes; at most 536870888 can be read as text)`);
  });

  it("follows symbolic links to transcripts and to folders, and lists a broken link as skipped", async () => {
    const store = tempFolder();
    const real = join(store, "real");
    mkdirSync(join(real, "nested"), { recursive: true });
    writeFileSync(join(real, "a.jsonl"), session);
    writeFileSync(join(real, "nested", "b.jsonl"), session.replaceAll("fixture", "other"));
    const linked = tempFolder();
    symlinkSync(join(real, "a.jsonl"), join(linked, "a.jsonl"));
    symlinkSync(join(real, "nested"), join(linked, "nested"));
    symlinkSync(join(real, "gone.jsonl"), join(linked, "gone.jsonl"));
    symlinkSync(linked, join(linked, "loop")); // a cycle is listed once
    const { code, stdout, stderr } = await cli("report", linked, "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { sessions: Array<{ calls: number }>; skipped: unknown[] };
    expect(report.sessions).toHaveLength(2);
    expect(report.sessions.every((entry) => entry.calls === 2)).toBe(true);
    expect(report.skipped).toEqual([{ file: join(linked, "gone.jsonl"), reason: "cannot read: no such file or folder" }]);
    expect(stderr).toContain(`${join(linked, "gone.jsonl")}: cannot read: no such file or folder`);
  });

  it("bench --html into a missing folder fails before replaying anything", async () => {
    const folder = tempFolder();
    const file = join(folder, "s.jsonl");
    writeFileSync(file, session);
    const target = join(folder, "no-such-folder", "report.html");
    const { code, stdout, stderr } = await cli("bench", file, "--html", target);
    expect(code).toBe(1);
    expect(stdout).toBe(""); // no table: nothing was replayed
    expect(stderr).toContain(`${target}: cannot be written: its folder ${join(folder, "no-such-folder")} does not exist`);
    const onFolder = await cli("bench", file, "--html", folder);
    expect(onFolder.code).toBe(1);
    expect(onFolder.stderr).toContain(`${folder}: is a folder`);
  });

  it("budget never prints the password of a URL it refuses", async () => {
    const { code, stderr } = await cli("budget", "--url", "http://alice:hunter2@cache.internal:6379/0");
    expect(code).toBe(1);
    expect(stderr).not.toContain("hunter2");
    expect(stderr).toContain("http://alice:***@cache.internal:6379/0");
    const token = await cli("budget", "--url", "memcached://s3cr3t-token@cache.internal");
    expect(token.stderr).not.toContain("s3cr3t-token");
  });
});
