import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PeriodReport, Report } from "../../src/index.js";
import { cli, sharedTranscripts, transcriptsPresent } from "../support/cli.js";
import { claudeCodeSession, tempFolder } from "./fixtures.js";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** A HOME of its own, with the agents' environment variables unset. */
function stubHome(): string {
  const home = tempFolder("compactor-home-");
  vi.stubEnv("HOME", home);
  for (const name of ["CLAUDE_CONFIG_DIR", "CODEX_HOME", "PI_CODING_AGENT_DIR"]) vi.stubEnv(name, undefined);
  return home;
}

type PeriodJson = { view: string; periods: PeriodReport[]; total: Report["total"] };
type SessionJson = Report & { skipped: Array<{ file: string; reason: string }> };

// Two sessions over three days and two months (UTC); claude-sonnet-4-5 list prices per million tokens (prompts
// under the 200k long-context tier): $3 input, $15 output, $0.30 cache read, $3.75 5-minute cache write.
const first = claudeCodeSession(
  [
    { time: "2026-01-31T22:00:00.000Z", input: 100_000, output: 0 },
    { time: "2026-02-01T09:00:00.000Z", input: 0, output: 100_000 },
  ],
  "first",
);
const second = claudeCodeSession(
  [
    { time: "2026-02-01T10:00:00.000Z", input: 0, output: 0, read: 100_000 },
    { time: "2026-02-03T10:00:00.000Z", input: 0, output: 0, write: 100_000 },
  ],
  "second",
);

function twoProjects(root: string): void {
  mkdirSync(join(root, "-home-me-alpha"), { recursive: true });
  mkdirSync(join(root, "-home-me-beta"), { recursive: true });
  writeFileSync(join(root, "-home-me-alpha", "first.jsonl"), first);
  writeFileSync(join(root, "-home-me-beta", "second.jsonl"), second);
}

describe("compactor report with no paths reads the agents' own folders", () => {
  it("reads ~/.claude/projects, naming each session's project and last day", async () => {
    const home = stubHome();
    twoProjects(join(home, ".claude", "projects"));
    const { code, stdout } = await cli("report", "--timezone", "UTC");
    expect(code).toBe(0);
    expect(stdout).toContain(`reading ${join(home, ".claude", "projects")}`);
    expect(stdout).toMatch(/first\.jsonl\s+-home-me-alpha\s+2026-02-01/);
    expect(stdout).toMatch(/second\.jsonl\s+-home-me-beta\s+2026-02-03/);
    expect(stdout).toContain("2 sessions, 4 billed calls");
  });

  it("reads every $CLAUDE_CONFIG_DIR (comma-separated) instead of ~/.claude", async () => {
    const home = stubHome();
    writeFileSync(join(tempFolder(), "unused"), "");
    mkdirSync(join(home, ".claude", "projects", "ignored"), { recursive: true });
    writeFileSync(join(home, ".claude", "projects", "ignored", "x.jsonl"), first);
    const a = tempFolder("compactor-claude-a-");
    const b = tempFolder("compactor-claude-b-");
    mkdirSync(join(a, "projects", "p1"), { recursive: true });
    mkdirSync(join(b, "projects", "p2"), { recursive: true });
    writeFileSync(join(a, "projects", "p1", "first.jsonl"), first);
    writeFileSync(join(b, "projects", "p2", "second.jsonl"), second);
    vi.stubEnv("CLAUDE_CONFIG_DIR", `${a}, ${b}`);
    const { code, stdout } = await cli("report", "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as SessionJson;
    expect(report.sessions.map((session) => [session.project, session.file])).toEqual([
      ["p1", join(a, "projects", "p1", "first.jsonl")],
      ["p2", join(b, "projects", "p2", "second.jsonl")],
    ]);
  });

  it.skipIf(!transcriptsPresent)(
    `reads copies of real Claude Code, Codex CLI and pi logs from ~/.claude, ~/.codex and ~/.pi${transcriptsPresent ? "" : " (skipped: ../shared/transcripts is absent)"}`,
    async () => {
      const home = stubHome();
      const claude = join(home, ".claude", "projects", "-home-me-sniffly");
      mkdirSync(claude, { recursive: true });
      const sniffly = join(sharedTranscripts, "claude-code", "sniffly");
      for (const name of readdirSync(sniffly).filter((file) => file.endsWith(".jsonl")))
        copyFileSync(join(sniffly, name), join(claude, name));
      const codexDay = join(home, ".codex", "sessions", "2026", "01", "02");
      mkdirSync(codexDay, { recursive: true });
      const codexSource = join(sharedTranscripts, "codex", "agentv");
      const codexFile = "0b9f2ac6f3aa-1.jsonl"; // gpt-5.5, a priced model
      copyFileSync(join(codexSource, codexFile), join(codexDay, "rollout-2026-01-02T10-00-00-test.jsonl"));
      const piFolder = join(home, ".pi", "agent", "sessions", "--home-me-pi--");
      mkdirSync(piFolder, { recursive: true });
      copyFileSync(join(sharedTranscripts, "pi", "pi-mono", "large-session.jsonl"), join(piFolder, "session.jsonl"));

      const { code, stdout } = await cli("report", "--json");
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as SessionJson;
      expect(report.skipped).toEqual([]);
      const codex = report.sessions.find((session) => session.format === "codex");
      const pi = report.sessions.find((session) => session.format === "pi");
      expect(codex?.file).toBe(join(codexDay, "rollout-2026-01-02T10-00-00-test.jsonl"));
      expect(pi?.file).toBe(join(piFolder, "session.jsonl"));
      // The project is the working folder each log records.
      expect(codex?.project).toBe("/home/entity/projects/EntityProcess/agentv");
      expect(pi?.project).toBe("/Users/badlogic/workspaces/pi-mono");
      for (const session of [codex, pi]) {
        expect(session?.calls).toBeGreaterThan(100);
        expect(session?.cacheReadTokens).toBeGreaterThan(0);
        expect(session?.costUsd).toBeGreaterThan(0);
      }
      // Each costs what the same file costs when named directly.
      for (const session of [codex, pi]) {
        const alone = JSON.parse((await cli("report", session?.file ?? "", "--json")).stdout) as SessionJson;
        expect(alone.total.costUsd).toBeCloseTo(session?.costUsd ?? Number.NaN, 9);
      }
      // The Claude Code copies cost what the same files cost when named directly.
      const direct = JSON.parse((await cli("report", sniffly, "--json")).stdout) as SessionJson;
      const copied = report.sessions.filter((session) => session.format === "claude-code");
      expect(copied.map((session) => session.project)).toEqual(["-home-me-sniffly", "-home-me-sniffly"]);
      expect(copied.reduce((sum, session) => sum + (session.costUsd ?? 0), 0)).toBeCloseTo(direct.total.costUsd, 9);
    },
  );
});

describe("daily and monthly views, --since and --until", () => {
  function folder(): string {
    const root = tempFolder();
    twoProjects(root);
    return root;
  }

  it("--daily puts each call on its own day and the days add up to the session total", async () => {
    const root = folder();
    const { code, stdout } = await cli("report", root, "--daily", "--timezone", "UTC", "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as PeriodJson;
    expect(report.view).toBe("daily");
    expect(report.periods.map((period) => [period.period, period.calls, period.sessions])).toEqual([
      ["2026-01-31", 1, 1],
      ["2026-02-01", 2, 2],
      ["2026-02-03", 1, 1],
    ]);
    // 100k input: $0.30; 100k output + 100k cache reads: $1.50 + $0.03; 100k 5-minute cache writes: $0.375.
    expect(report.periods.map((period) => period.costUsd)).toEqual([0.3, 1.53, 0.375].map((value) => expect.closeTo(value, 9)));
    expect(report.periods[1]?.projects).toEqual(["-home-me-alpha", "-home-me-beta"]);
    expect(report.total.costUsd).toBeCloseTo(2.205, 9);
    const table = await cli("report", root, "--daily", "--timezone", "UTC");
    expect(table.stdout).toMatch(/2026-02-01\s+2\s+claude-sonnet-4-5\s+2/);
  });

  it("--monthly groups by month, and the time zone decides the day of a call near midnight", async () => {
    const root = folder();
    const utc = JSON.parse((await cli("report", root, "--monthly", "--timezone", "UTC", "--json")).stdout) as PeriodJson;
    expect(utc.periods.map((period) => [period.period, period.calls])).toEqual([
      ["2026-01", 1],
      ["2026-02", 3],
    ]);
    // 22:00 UTC on 31 January is already 1 February in Tokyo.
    const tokyo = JSON.parse((await cli("report", root, "--monthly", "--timezone", "Asia/Tokyo", "--json")).stdout) as PeriodJson;
    expect(tokyo.periods.map((period) => [period.period, period.calls])).toEqual([["2026-02", 4]]);
  });

  it("--since and --until keep the calls of those days only (YYYYMMDD accepted)", async () => {
    const root = folder();
    const { code, stdout } = await cli("report", root, "--since", "20260201", "--until", "2026-02-01", "--timezone", "UTC", "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as SessionJson;
    expect(report.total.calls).toBe(2);
    expect(report.total.costUsd).toBeCloseTo(1.53, 9);
    expect(report.sessions.map((session) => [session.calls, session.firstCallAt, session.lastCallAt])).toEqual([
      [1, "2026-02-01T09:00:00.000Z", "2026-02-01T09:00:00.000Z"],
      [1, "2026-02-01T10:00:00.000Z", "2026-02-01T10:00:00.000Z"],
    ]);
  });

  it.each([
    [["--since", "2026-13-01"], "`--since` to be a date as YYYY-MM-DD or YYYYMMDD"],
    [["--since", "2026-02-03", "--until", "2026-02-01"], "`--until` to be a day on or after --since (2026-02-03)"],
    [["--daily", "--timezone", "Mars/Olympus"], "`--timezone` to be an IANA time zone"],
  ])("refuses %j with exit 1 naming the option", async (args, message) => {
    const { code, stderr } = await cli("report", folder(), ...args);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
  });
});
