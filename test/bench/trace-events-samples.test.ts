/**
 * `compactor bench --trace DIR` (an audit trail anyone can re-price), `bench` on compactor's own event log
 * (nothing to replay: a clear warning or error, not a silent table of equal costs), and the sample sessions the
 * main job replays (shaped like real coding sessions; the README's first-screen claims hold on them).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { costOfCall } from "../../src/pricing/index.js";
import type { TraceLine } from "../../src/replay/trace.js";
import { sampleSessions } from "../../src/samples/generate.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { cli } from "../support/cli.js";

afterEach(() => vi.restoreAllMocks());

/** An Anthropic Messages conversation file: a tool loop whose outputs grow, long enough to compact. */
function writeSession(folder: string, turns: number): string {
  const messages: unknown[] = [{ role: "user", content: "Fix the failing test in src/app/main.py." }];
  for (let turn = 0; turn < turns; turn++) {
    messages.push({
      role: "assistant",
      content: [
        { type: "text", text: turn === turns - 1 ? "handle_request_0 is the culprit." : `Step ${turn}.` },
        { type: "tool_use", id: `t${turn}`, name: "bash", input: { command: `cat src/mod_${turn}.py` } },
      ],
    });
    messages.push({
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: `t${turn}`,
          content: `def handle_request_${turn}(request):\n${"    pass  # filler line of code\n".repeat(60 + turn * 4)}`,
        },
      ],
    });
  }
  const file = join(folder, "session.json");
  writeFileSync(file, JSON.stringify({ model: "claude-sonnet-4-5", messages }));
  return file;
}

describe("compactor bench --trace", () => {
  it("writes one JSON line per call per replay: the view sent, usage and dollars that re-price exactly", async () => {
    const folder = mkdtempSync(join(tmpdir(), "compactor-trace-"));
    const file = writeSession(folder, 30);
    const traceDir = join(folder, "trace");
    const { code, stdout } = await cli(
      "bench",
      file,
      "--strategies",
      "none,summary-every-21,masking-every-call",
      "--trace",
      traceDir,
      "--json",
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      results: Array<{ strategy: string; calls: number; costUsd: number; compactions: number }>;
    };
    const files = readdirSync(traceDir).sort();
    expect(files).toHaveLength(3);
    for (const result of report.results) {
      const name = files.find((candidate) => candidate.endsWith(`.${result.strategy}.jsonl`));
      expect(name, result.strategy).toBeDefined();
      const lines = readFileSync(join(traceDir, name as string), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as TraceLine);
      expect(lines).toHaveLength(result.calls);
      expect(lines[0]?.fixed).toBeDefined();
      const known = new Map<string, unknown>();
      let dollars = 0;
      let compactions = 0;
      for (const [index, line] of lines.entries()) {
        expect(line.call).toBe(index);
        for (const [hash, message] of Object.entries(line.messages)) known.set(hash, message);
        // Every message of the view was written out in full on this line or an earlier one.
        for (const hash of line.view) expect(known.has(hash), `${result.strategy} call ${index}`).toBe(true);
        // The dollars are the usage at the model's prices: anyone can re-price the line.
        expect(line.costUsd).toBeCloseTo(costOfCall(line.model, line.usage).costUsd as number, 12);
        dollars += line.costUsd as number;
        if (line.compaction) {
          compactions++;
          expect(line.compaction.removed.length).toBeGreaterThan(0);
          expect(line.compaction.description).not.toBe("");
        }
      }
      expect(compactions).toBe(result.compactions);
      // Calls plus summaries: the last cumulative figure is the replay's cost plus its recoveries.
      const summaries = lines.reduce((sum, line) => sum + (line.compaction?.summarizerCostUsd ?? 0), 0);
      expect(dollars + summaries).toBeCloseTo(result.costUsd, 9);
      if (result.strategy === "summary-every-21") {
        const compaction = lines.find((line) => line.compaction)?.compaction;
        expect(compaction?.summary).toBeTruthy();
        // The summary written is what the next view sends.
        const after = lines.find((line) => line.compaction) as TraceLine;
        const sent = after.view.map((hash) => JSON.stringify(known.get(hash)));
        expect(sent.some((text) => text.includes(JSON.stringify(compaction?.summary).slice(1, 60)))).toBe(
          true,
        );
      }
      if (result.strategy === "none") expect(lines.every((line) => !line.compaction)).toBe(true);
    }
  });

  it("rejects --html in a folder that does not exist before replaying anything", async () => {
    const folder = mkdtempSync(join(tmpdir(), "compactor-html-"));
    const started = Date.now();
    const { code, stderr } = await cli("bench", "--html", join(folder, "missing", "report.html"));
    expect(code).toBe(1);
    expect(stderr).toContain("report.html");
    expect(stderr).toContain("does not exist");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("rejects a --trace path that is a file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "compactor-trace-"));
    const file = join(folder, "not-a-folder");
    writeFileSync(file, "x");
    const { code, stderr } = await cli("bench", "--trace", file);
    expect(code).toBe(1);
    expect(stderr).toContain("--trace");
  });
});

/** A compactor event log of one session (what `withCompaction({ eventLog })` writes): usage, no messages. */
function eventLog(folder: string): string {
  const file = join(folder, "events.jsonl");
  const lines = Array.from({ length: 5 }, (_, index) =>
    JSON.stringify({
      type: "call",
      session: "s1",
      time: Date.UTC(2026, 0, 5, 9, index),
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      callIndex: index,
      usage: {
        inputTokens: 100,
        cacheReadTokens: 1000 * index,
        cacheWrite5mTokens: 1000,
        cacheWrite1hTokens: 0,
        outputTokens: 50,
        reasoningTokens: 0,
      },
    }),
  );
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("compactor bench on compactor's own event log", () => {
  it("exits 1 with a message that says the log records usage, not messages, and what to do", async () => {
    const folder = mkdtempSync(join(tmpdir(), "compactor-events-"));
    const { code, stdout, stderr } = await cli("bench", eventLog(folder));
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("events.jsonl");
    expect(stderr).toMatch(/records usage only/);
    expect(stderr).toContain("compactor report");
  });

  it("leaves the event log out of a folder with a warning, and replays the rest", async () => {
    const folder = mkdtempSync(join(tmpdir(), "compactor-events-"));
    eventLog(folder);
    writeSession(folder, 12);
    const { code, stdout, stderr } = await cli("bench", folder, "--strategies", "none,default");
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /warning: left out 1 session in .*events\.jsonl: compactor's event log records usage/,
    );
    expect(stdout).toMatch(/^1 sessions?,/);
  });
});

describe("the sample sessions (npm run bench)", () => {
  const samples = sampleSessions();
  const tokens = defaultTokenCounter();

  it("are tool-heavy coding sessions of 40-250 calls with re-reads, edits, long test outputs and idle gaps", () => {
    expect(samples.length).toBeGreaterThanOrEqual(5);
    for (const session of samples) {
      expect(session.calls.length).toBeGreaterThanOrEqual(40);
      expect(session.calls.length).toBeLessThanOrEqual(250);
      const calls = session.messages.flatMap((message) =>
        message.content.flatMap((block) => (block.type === "tool_call" ? [block] : [])),
      );
      expect(calls.length).toBe(session.calls.length - 1); // every call but the last uses a tool
      const reads = calls
        .filter((call) => call.name === "read_file")
        .map((call) => (call.input as { path: string }).path);
      expect(new Set(reads).size, `${session.id}: re-reads`).toBeLessThan(reads.length);
      expect(calls.some((call) => call.name === "edit_file")).toBe(true);
      const outputs = session.messages.flatMap((message) =>
        message.content.flatMap((block) => (block.type === "tool_result" ? [block] : [])),
      );
      const longest = Math.max(
        ...outputs.map((output) =>
          tokens.countRaw(output.content.map((part) => (part.type === "text" ? part.text : "")).join("")),
        ),
      );
      expect(longest, `${session.id}: longest output`).toBeGreaterThan(1500);
      expect(outputs.some((output) => JSON.stringify(output).includes("FAILED tests/"))).toBe(true);
      const gaps = session.calls
        .slice(1)
        .map((call, index) => (call.timestamp ?? 0) - (session.calls[index]?.timestamp ?? 0));
      expect(Math.max(...gaps), `${session.id}: an idle gap past the 5-minute cache`).toBeGreaterThan(
        300_000,
      );
    }
    const lengths = samples.map((session) => session.calls.length);
    expect(Math.min(...lengths)).toBeLessThan(100);
    expect(Math.max(...lengths)).toBeGreaterThanOrEqual(200);
  });

  it("bear out the README's first screen: default never dearer than no compaction, per-call masking always dearer", async () => {
    const { code, stdout } = await cli(
      "bench",
      "--json",
      "--strategies",
      "none,default,cache-aware-masking,masking-every-call",
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      summary: Array<{ strategy: string; sessionsDearer: number; sessions: number; savingRatio: number }>;
    };
    const row = (name: string) => report.summary.find((candidate) => candidate.strategy === name);
    expect(row("default")?.sessionsDearer).toBe(0);
    expect(row("default")?.savingRatio).toBeGreaterThan(0);
    expect(row("cache-aware-masking")?.sessionsDearer).toBe(0);
    expect(row("masking-every-call")?.sessionsDearer).toBe(row("masking-every-call")?.sessions);
  }, 60_000);
});
