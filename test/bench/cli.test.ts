import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cli, spawnCli } from "../support/cli.js";

afterEach(() => vi.restoreAllMocks());
// Each test replays the sample sessions (up to 250 calls, every strategy): seconds alone, far more on a busy
// machine; give them room rather than fail on load.
vi.setConfig({ testTimeout: 120_000 });

const resultFields = [
  "transcript",
  "strategy",
  "calls",
  "costUsd",
  "baselineCostUsd",
  "promptTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "outputTokens",
  "peakContextTokens",
  "compactions",
  "summarizerCostUsd",
  "recall",
  "recallCalls",
  "recoveryCostUsd",
  "effectiveCostUsd",
  "worstStopRegret",
];
const summaryFields = [
  "strategy",
  "costUsd",
  "baselineCostUsd",
  "recall",
  "sessionsCheaper",
  "sessions",
  "recoveryCostUsd",
  "effectiveCostUsd",
  "effectiveSavingRatio",
  "rank",
  "worstStopRegret",
];

interface BenchJson {
  results: Array<Record<string, unknown>>;
  summary: Array<Record<string, unknown>>;
}

describe("compactor bench on the sample sessions (in-process)", () => {
  it("exits 0 and prints a table with one row per strategy", async () => {
    const { code, stdout, stderr } = await cli(
      "bench",
      "--strategies",
      "none,masking-every-call,sliding-window",
    );
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const lines = stdout.split("\n");
    const heading = lines.findIndex((line) =>
      /^strategy\s+cost\s+no compaction\s+saving\s+effective saving\s+recall/.test(line),
    );
    expect(heading).toBeGreaterThanOrEqual(0);
    expect(lines[heading + 1]).toMatch(/^-+( +-+)+$/);
    for (const name of ["none", "masking-every-call", "sliding-window"]) {
      expect(lines.some((line) => line.startsWith(`${name} `))).toBe(true);
    }
    expect(stdout).toMatch(/cheapest: \S+ \(\$\d+\.\d{4} effective, recall (?:\d\.\d{3}|-)\)/);
  });

  it("--json prints exactly one object with the documented fields, baseline = none under the same prices", async () => {
    const { code, stdout } = await cli("bench", "--json", "--strategies", "none,truncate,summary-every-21");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as BenchJson; // throws if there is anything but one JSON value
    expect(report.results.length).toBeGreaterThan(0);
    for (const row of report.results)
      for (const field of resultFields) expect(row, field).toHaveProperty(field);
    for (const row of report.summary)
      for (const field of summaryFields) expect(row, field).toHaveProperty(field);
    expect(report.summary.map((row) => row.strategy)).toEqual(["none", "truncate", "summary-every-21"]);
    for (const row of report.results) {
      const baseline = report.results.find(
        (other) => other.transcript === row.transcript && other.strategy === "none",
      );
      expect(row.baselineCostUsd).toBe(baseline?.costUsd);
      if (row.recall !== null) {
        expect(row.recall as number).toBeGreaterThanOrEqual(0);
        expect(row.recall as number).toBeLessThanOrEqual(1);
      } else expect(row.recallCalls).toBe(0);
      expect(row.effectiveCostUsd as number).toBeCloseTo(
        (row.costUsd as number) + (row.recoveryCostUsd as number),
        9,
      );
    }
    const none = report.summary.find((row) => row.strategy === "none");
    expect(none?.recall).toBeNull();
    expect(none?.effectiveCostUsd).toBe(none?.costUsd);
    expect(none?.costUsd).toBe(none?.baselineCostUsd);
  });

  it("is deterministic: the sample sessions give the same output twice", async () => {
    const first = await cli("bench", "--json", "--strategies", "none,default,summary-every-21");
    const second = await cli("bench", "--json", "--strategies", "none,default,summary-every-21");
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });

  it("--matrix names the cheapest strategy under each of the three price settings", async () => {
    const { code, stdout } = await cli("bench", "--matrix", "--strategies", "none,masking-every-call");
    expect(code).toBe(0);
    const table = stdout.slice(stdout.indexOf("Cheapest strategy per setting"));
    for (const setting of ["anthropic+cache", "openai+cache", "no cache"]) {
      expect(table).toMatch(
        new RegExp(`${setting.replace("+", "\\+")}\\s+\\S+\\s+(none|masking-every-call)\\s+\\$`),
      );
    }
  });
});

describe("compactor bench progress bar", () => {
  it("draws a bar on stderr when it is a terminal, and none with --json", async () => {
    const descriptor = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
    Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
    try {
      const table = await cli("bench", "--strategies", "none,truncate");
      expect(table.code).toBe(0);
      expect(table.stderr).toMatch(/^\r\[[#.]{30}\] 1\/\d+ replays/);
      expect(table.stderr).toMatch(/\r\[#{30}\] (\d+)\/\1 replays\n$/);
      expect(table.stdout).not.toContain("replays");
      const json = await cli("bench", "--json", "--strategies", "none,truncate");
      expect(json.stderr).toBe("");
    } finally {
      if (descriptor) Object.defineProperty(process.stderr, "isTTY", descriptor);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
  });
});

describe("compactor bench exit codes and messages (spawned: npx tsx src/cli/main.ts)", () => {
  const folder = mkdtempSync(join(tmpdir(), "compactor-bench-"));
  const malformed = join(folder, "broken.jsonl");
  writeFileSync(malformed, '{"type":"user","message":\nnot json\n');
  const unknown = join(folder, "unknown.json");
  writeFileSync(unknown, JSON.stringify({ hello: "world" }));

  it.each([
    [["--strategies", "none,no-such-strategy"], /--strategies.*names from none, default/],
    [["--cache", "sometimes"], /--cache.*"provider" or "none".*sometimes/],
    [["--price", "no-such-model-1"], /--price.*known price.*no-such-model-1/],
    [[join(folder, "missing.json")], /files.*existing files or folders.*missing\.json/],
    [[malformed], /broken\.jsonl.*line \d+/],
    [[unknown], /unknown\.json.*known transcript format/],
    [["--no-such-option"], /Unknown option '--no-such-option'/],
  ])("rejects %j with a clear message and a non-zero exit", (args, message) => {
    const { code, stdout, stderr } = spawnCli("bench", ...args);
    expect(code).not.toBe(0);
    expect(code).not.toBe(70); // not an internal error
    expect(stderr).toMatch(/^compactor: /);
    expect(stderr).toMatch(message);
    expect(stdout).toBe("");
  });

  it("exits 0, prints no progress bar when stderr is not a terminal, and nothing but JSON with --json", () => {
    const table = spawnCli("bench", "--strategies", "none,truncate");
    expect(table.code).toBe(0);
    expect(table.stderr).toBe("");
    expect(table.stdout).toMatch(/^strategy\s+cost/m);
    const json = spawnCli("bench", "--json", "--strategies", "none,truncate");
    expect(json.code).toBe(0);
    expect(json.stderr).toBe("");
    expect(() => JSON.parse(json.stdout)).not.toThrow();
  });
});
