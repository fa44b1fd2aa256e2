import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { environmentNotes } from "../support/environment.js";
import { repositoryRoot } from "../support/cli.js";

describe("vitest says why tests skip", () => {
  it("names each missing piece and what skips for want of it", () => {
    expect(environmentNotes({ transcripts: true, redis: true, chromium: true })).toEqual([]);
    const notes = environmentNotes({ transcripts: false, redis: false, chromium: false });
    expect(notes).toHaveLength(3);
    expect(notes[0]).toMatch(/transcripts is absent: the tests on recorded sessions skip/);
    expect(notes[1]).toContain("redis-server is not installed");
    expect(notes[2]).toContain("chromium is not installed");
  });

  it("prints the note at the top of a real vitest run whose transcripts folder is missing", () => {
    const missing = "/nonexistent/shared/transcripts";
    const child = spawnSync("npx", ["vitest", "run", "test/cli/report-views.test.ts", "--typecheck.enabled=false"], {
      cwd: repositoryRoot,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, COMPACTOR_TRANSCRIPTS_DIR: missing, CI: "1" },
    });
    const output = `${child.stdout}${child.stderr}`;
    expect(child.status).toBe(0);
    expect(output).toContain(`note: ${missing} is absent: the tests on recorded sessions skip`);
    expect(output).toMatch(/1 skipped/);
  }, 180_000);
});
