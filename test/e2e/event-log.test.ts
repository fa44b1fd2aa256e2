import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  detectFormat,
  importPath,
  parseTranscriptText,
  TranscriptFormatError,
  sessionReport,
  tokenThreshold,
  truncate,
  flushEventLogs,
  withCompaction,
} from "../../src/index.js";
import type { Report } from "../../src/report/report.js";
import { loopScript, runAnthropicLoop, runOpenAIChatLoop } from "../support/agent-loop.js";
import { useServers } from "./helpers.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const calls = 30;
const server = useServers();
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

function options(session: string, eventLog: string) {
  return {
    session,
    eventLog,
    strategy: truncate({ targetRatio: 0.5, keepTurns: 4 }),
    trigger: tokenThreshold(30_000),
    diagnosticsChannel: false,
    summarizer: false as const,
  };
}

describe("the JSONL event log", () => {
  it("is written by eventLog, and `compactor report` on it gives the session reports' totals", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "compactor-events-"));
    folders.push(folder);
    const log = path.join(folder, "logs", "events.jsonl");
    const anthropicServer = await server({ script: loopScript(calls) });
    const openaiServer = await server({ script: loopScript(calls) });
    const anthropic = withCompaction(
      new Anthropic({ baseURL: anthropicServer.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      options("log-anthropic", log),
    );
    const openai = withCompaction(
      new OpenAI({ baseURL: openaiServer.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
      options("log-openai", log),
    );
    await runAnthropicLoop(anthropic, { calls, stream: true });
    await runOpenAIChatLoop(openai, { calls });
    await flushEventLogs(); // the log is written in the background

    const events = (await readFile(log, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as CompactorEvent);
    expect(events.filter((event) => event.type === "call")).toHaveLength(2 * calls);
    expect(
      events.filter((event) => event.type === "compaction" && event.session === "log-anthropic").length,
    ).toBeGreaterThan(0);
    expect(
      events.filter((event) => event.type === "compaction" && event.session === "log-openai").length,
    ).toBeGreaterThan(0);

    const transcripts = await importPath(folder);
    expect(
      transcripts.map((transcript) => [transcript.id, transcript.format, transcript.calls.length]),
    ).toEqual([
      ["log-anthropic", "compactor-events", calls],
      ["log-openai", "compactor-events", calls],
    ]);

    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", path.join(root, "src/cli/main.ts"), "report", log, "--json"],
      { cwd: root },
    );
    const report = JSON.parse(stdout) as Report;
    expect(report.total.sessions).toBe(2);
    for (const [client, id] of [
      [anthropic, "log-anthropic"],
      [openai, "log-openai"],
    ] as const) {
      const live = await sessionReport(client);
      const fromLog = report.sessions.find((session) => session.id === id);
      expect(fromLog, id).toBeDefined();
      expect(fromLog?.calls).toBe(live.calls);
      expect(fromLog?.promptTokens).toBe(live.promptTokens);
      expect(fromLog?.outputTokens).toBe(live.outputTokens);
      expect(fromLog?.cacheReadTokens).toBe(live.cacheReadTokens);
      expect(fromLog?.cacheWriteTokens).toBe(live.cacheWriteTokens);
      expect(fromLog?.model).toBe(live.model);
      expect(fromLog?.costUsd).toBeCloseTo(live.costUsd, 10);
    }
    const anthropicReport = await sessionReport(anthropic);
    const openaiReport = await sessionReport(openai);
    expect(report.total.costUsd).toBeCloseTo(anthropicReport.costUsd + openaiReport.costUsd, 10);

    const table = await run(
      process.execPath,
      ["--import", "tsx", path.join(root, "src/cli/main.ts"), "report", folder],
      { cwd: root },
    );
    expect(table.stdout).toContain("log-anthropic");
    expect(table.stdout).toContain("log-openai");
    expect(table.stdout).toContain(`${2 * calls} billed calls`);
  }, 30_000);
});

describe("the event-log importer", () => {
  const call = {
    type: "call",
    session: "s",
    time: 1,
    callIndex: 0,
    provider: "anthropic",
    model: "claude-sonnet-4-6",
    stream: false,
    usage: {
      inputTokens: 10,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 2,
      reasoningTokens: 0,
    },
    promptTokens: 10,
    costUsd: 0,
    uncompactedPromptTokens: 10,
    uncompactedCostUsd: 0,
    compacted: false,
    durationMs: 1,
  };

  it("is picked up by detection, whatever the file is called, and not for other JSONL", () => {
    const text = `${JSON.stringify({ type: "error", session: "s", time: 0, phase: "usage", message: "x" })}\n${JSON.stringify(call)}\n`;
    expect(detectFormat("anything.log", text)).toBe("compactor-events");
    expect(parseTranscriptText("anything.log", text).map((transcript) => transcript.calls.length)).toEqual([
      1,
    ]);
    const claudeCode = `${JSON.stringify({ type: "user", sessionId: "a", uuid: "u", message: { role: "user", content: "hi" } })}\n`;
    expect(detectFormat("session.jsonl", claudeCode)).not.toBe("compactor-events");
  });

  it("names the line of a malformed event", () => {
    const text = `${JSON.stringify(call)}\n{"type": "call", "session": \n`;
    expect(() => parseTranscriptText("events.jsonl", text)).toThrow(TranscriptFormatError);
    expect(() => parseTranscriptText("events.jsonl", text)).toThrow(/line 2/);
    const noUsage = `${JSON.stringify({ ...call, usage: null })}\n`;
    expect(() => parseTranscriptText("events.jsonl", noUsage)).toThrow(/usage/);
  });
});
