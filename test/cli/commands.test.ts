import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as root from "../../src/index.js";
import { cli, repositoryRoot } from "../support/cli.js";
import { claudeCodeSession, tempFolder } from "./fixtures.js";

afterEach(() => vi.restoreAllMocks());

const calls = Array.from({ length: 12 }, (_, index) => ({
  time: `2026-03-01T10:${String(index).padStart(2, "0")}:00.000Z`,
  input: 5,
  output: 300,
  read: 2000 * index,
  write: 2000,
}));

describe("CLI details", () => {
  it("--version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const { code, stdout } = await cli(flag);
      expect(code).toBe(0);
      expect(stdout).toBe(`${version}\n`);
    }
  });

  it.each([
    ["report", ["--daily", "--monthly", "--since", "--until", "--strict", "--json", "CLAUDE_CONFIG_DIR", "CODEX_HOME"]],
    ["prices", ["--provider", "--json", "anthropic"]],
    ["budget", ["--url", "--session", "--team", "--prefix", "--json"]],
  ])("%s --help describes every option", async (command, options) => {
    const { code, stdout } = await cli(command, "--help");
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: compactor ${command}`);
    for (const option of options) expect(stdout).toContain(option);
  });

  it("prices --provider with an unknown provider exits 1 listing known ones; a known one lists its models", async () => {
    const bad = await cli("prices", "--provider", "nope");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain('`--provider` to be a provider of the price data, such as anthropic, openai');
    expect(bad.stderr).toContain('"nope"');
    const good = await cli("prices", "--provider", "anthropic", "--json");
    expect(good.code).toBe(0);
    const rows = JSON.parse(good.stdout) as Array<{ provider: string }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.provider))).toEqual(new Set(["anthropic"]));
  });

  it("a malformed usage field is reported once, at its line and path, without a doubled 'expected At'", async () => {
    const folder = tempFolder();
    const file = join(folder, "bad.jsonl");
    writeFileSync(
      file,
      '{"type":"assistant","uuid":"a","sessionId":"s","timestamp":"2026-03-01T10:00:00.000Z","message":{"id":"m1","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":"many","output_tokens":1}}}\n',
    );
    const { code, stderr } = await cli("report", file);
    expect(code).toBe(1);
    expect(stderr).toMatch(/bad\.jsonl: at line 1, \$\.message\.usage\.input_tokens: expected .*got `"many"` \(string\)/);
    expect(stderr).not.toMatch(/expected At/i);
  });

  it("says 1 session and 1 billed call, not 1 sessions", async () => {
    const folder = tempFolder();
    const file = join(folder, "one.jsonl");
    writeFileSync(file, claudeCodeSession([{ time: "2026-03-01T10:00:00.000Z", input: 10, output: 5 }]));
    const { code, stdout } = await cli("report", file);
    expect(code).toBe(0);
    expect(stdout).toContain("1 session, 1 billed call, 10 prompt tokens");
    expect(stdout).not.toMatch(/\b1 (sessions|billed calls)\b/);
  });

  it("bench names the models it priced and benches a strategy from the user's own file", async () => {
    const folder = tempFolder();
    const file = join(folder, "session.jsonl");
    writeFileSync(file, claudeCodeSession(calls));
    const strategyFile = join(folder, "mine.mjs");
    writeFileSync(
      strategyFile,
      `export default function create() {
  return {
    name: "keep-task-and-last-turn",
    compact(messages) {
      let keepFrom = messages.length - 1;
      while (keepFrom > 2 && messages[keepFrom].role !== "user") keepFrom--;
      if (keepFrom <= 2) return null;
      return { keepFrom, replacement: messages.slice(0, 2), removed: { messages: keepFrom - 2, tokens: 0, description: "middle dropped" } };
    },
  };
}
export const trigger = { name: "every-4", shouldCompact: (context) => context.callIndex > 0 && context.callIndex % 4 === 0 };
`,
    );
    const { code, stdout, stderr } = await cli("bench", file, "--strategies", "none", "--strategy", strategyFile, "--json");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { summary: Array<{ strategy: string; compactions: number; costUsd: number }> };
    const mine = report.summary.find((row) => row.strategy === "keep-task-and-last-turn");
    const none = report.summary.find((row) => row.strategy === "none");
    expect(mine?.compactions).toBe(2); // calls 4 and 8
    expect(mine?.costUsd).toBeLessThan(none?.costUsd ?? 0);

    const table = await cli("bench", file, "--strategies", "none");
    expect(table.stdout).toContain("1 session, prices: each session's recorded model (claude-sonnet-4-5)");

    const notStrategy = join(folder, "empty.mjs");
    writeFileSync(notStrategy, "export const x = 1;\n");
    const bad = await cli("bench", file, "--strategy", notStrategy);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${notStrategy}: is not a strategy module`);
  });

  it("exports the token counter, targetTokensOf and isDryRun from the package root", () => {
    expect(root.defaultTokenCounter().countRaw("hello world")).toBeGreaterThan(0);
    expect(root.countO200kTokens("hello world")).toBe(2);
    expect(root.getDefaultTokenEstimator().countText("hello world")).toBe(2);
    expect(root.targetTokensOf({ targetTokens: 1000 } as never)).toBe(1000);
    expect(root.isDryRun({ dryRun: true } as never)).toBe(true);
  });
});
