import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cli } from "../support/cli.js";
import type { Report } from "../../src/index.js";
import { oracleBill } from "../money/claude-code-oracle.js";

const transcripts = resolve(import.meta.dirname, "../../../shared/transcripts");
const present = existsSync(transcripts);

afterEach(() => vi.restoreAllMocks());

describe.skipIf(!present)("compactor report on the recorded sessions (../shared/transcripts)", () => {
  it("reproduces the dollars OpenRouter billed for every mini-swe-agent session within 0.5%", async () => {
    const folder = join(transcripts, "mini-swe-agent");
    const { code, stdout } = await cli("report", folder, "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    const files = readdirSync(folder).filter((name) => name.endsWith(".traj.json"));
    expect(report.sessions).toHaveLength(files.length);
    let compared = 0;
    for (const file of files) {
      // The provider's bill, summed straight from the file.
      const raw = JSON.parse(readFileSync(join(folder, file), "utf8")) as {
        messages: Array<{ extra?: { response?: { usage?: { cost?: number } } } }>;
      };
      const costs = raw.messages
        .map((message) => message.extra?.response?.usage?.cost)
        .filter((cost) => typeof cost === "number");
      const session = report.sessions.find((candidate) => candidate.file.endsWith(file));
      expect(session, file).toBeDefined();
      if (costs.length === 0) continue; // routed through a gateway that recorded no bill
      const billed = costs.reduce((sum, cost) => sum + cost, 0);
      expect(session?.costUsd, file).not.toBeNull();
      expect(Math.abs((session?.costUsd ?? 0) - billed) / billed, file).toBeLessThan(0.005);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(34);
  });

  it("prices every billed Claude Code call from its usage, subagents included and shown on their own", async () => {
    // Independent oracle: the raw JSONL lines of each session file and of its subagent files, each response
    // counted once by message.id and priced from its raw usage fields with the test's own price table
    // (test/money/claude-code-oracle.ts): none of compactor's importer, usage or pricing code.
    const folder = join(transcripts, "claude-code");
    const { code, stdout } = await cli("report", folder, "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    const files = (readdirSync(folder, { recursive: true }) as string[])
      .filter((name) => name.endsWith(".jsonl"))
      .map((name) => join(folder, name));
    const subagentFiles = (file: string) =>
      files.filter((other) => other.startsWith(`${file.replace(/\.jsonl$/, "")}__subagents__`));
    const withSubagents = report.sessions.filter((session) => (session.subagents?.length ?? 0) > 0);
    expect(withSubagents.length).toBeGreaterThan(0);
    let oracleTotal = 0;
    let oracleOutput = 0;
    for (const session of report.sessions) {
      const parts = [session.file, ...subagentFiles(session.file)].map(oracleBill);
      const billed = parts.reduce((sum, part) => sum + part.costUsd, 0);
      const calls = parts.reduce((sum, part) => sum + part.calls, 0);
      expect(session.costUsd, session.file).not.toBeNull();
      expect(
        Math.abs((session.costUsd ?? 0) - billed),
        `${session.file}: report $${session.costUsd} vs oracle $${billed}`,
      ).toBeLessThan(1e-9 * Math.max(1, billed));
      expect(session.calls, session.file).toBe(calls);
      oracleTotal += billed;
      oracleOutput += parts.reduce((sum, part) => sum + part.outputTokens, 0);
    }
    // Every file is some session's own or one of its subagents': nothing is left out or counted twice.
    const covered = new Set(
      report.sessions.flatMap((session) => [session.file, ...subagentFiles(session.file)]),
    );
    expect([...covered].sort()).toEqual([...files].sort());
    expect(Math.abs((report.total.costUsd ?? 0) - oracleTotal)).toBeLessThan(1e-9 * oracleTotal);
    expect(report.total.outputTokens).toBe(oracleOutput);
  });

  it("prints one JSON object with the documented fields, leaving unpriced sessions out of the dollar totals", async () => {
    const { code, stdout } = await cli("report", join(transcripts, "openhands"), "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    for (const session of report.sessions) {
      for (const field of [
        "file",
        "model",
        "calls",
        "promptTokens",
        "cacheReadTokens",
        "cacheWriteTokens",
        "outputTokens",
        "costUsd",
        "uncachedCostUsd",
        "peakContextTokens",
      ]) {
        expect(session, field).toHaveProperty(field);
      }
    }
    const unpriced = report.sessions.filter((session) => session.costUsd === null);
    expect(unpriced.length).toBeGreaterThan(0);
    expect(report.total.unpricedSessions).toBe(unpriced.length);
    const priced = report.sessions.filter((session) => session.costUsd !== null);
    expect(report.total.costUsd).toBeCloseTo(
      priced.reduce((sum, session) => sum + (session.costUsd ?? 0), 0),
      9,
    );
  });
});

describe("compactor report on bad input", () => {
  const folder = mkdtempSync(join(tmpdir(), "compactor-report-"));

  it.each([
    ["empty.json", ""],
    ["truncated.json", '{"messages": [{"role": "user", "content": "hi"'],
    ["unknown.json", '{"hello": "world"}'],
    [
      "wrong-shape.jsonl",
      '{"type":"assistant","message":{"id":"m1","role":"assistant","content":[],"usage":{"input_tokens":"many"}}}\n',
    ],
  ])("exits non-zero naming the file for %s", async (name, text) => {
    const file = join(folder, name);
    writeFileSync(file, text);
    const { code, stderr } = await cli("report", file);
    expect(code).toBe(1);
    expect(stderr).toContain(name);
  });

  it("with no files and no agent log folder, exits 1 naming the folders it looked in", async () => {
    const home = mkdtempSync(join(tmpdir(), "compactor-home-"));
    vi.stubEnv("HOME", home);
    for (const name of ["CLAUDE_CONFIG_DIR", "CODEX_HOME", "PI_CODING_AGENT_DIR"]) vi.stubEnv(name, undefined);
    try {
      const { code, stderr } = await cli("report");
      expect(code).toBe(1);
      expect(stderr).toContain(join(home, ".claude", "projects"));
      expect(stderr).toContain(join(home, ".codex", "sessions"));
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
