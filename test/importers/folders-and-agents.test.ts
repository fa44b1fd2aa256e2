/**
 * Detection from the records a file holds, the Codex and pi importers on small hand-written sessions, and folder
 * imports that keep going past bad files (listing each with its reason), follow symbolic links and attach
 * Entire checkpoint sidecars.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TranscriptFormatError } from "../../src/errors.js";
import {
  detectFormat,
  importPath,
  importPathWithSkips,
  importTranscript,
  parseTranscriptText,
  type SkippedFile,
  TranscriptReadError,
} from "../../src/importers/index.js";
import { reportSession } from "../../src/report/report.js";

const root = mkdtempSync(path.join(os.tmpdir(), "compactor-folders-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const jsonl = (records: unknown[]): string => records.map((record) => JSON.stringify(record)).join("\n");

const claudeCode = (first: Array<Record<string, unknown>>): string =>
  jsonl([
    ...first,
    {
      type: "user",
      uuid: "u1",
      sessionId: "s",
      timestamp: "2026-03-01T10:00:00.000Z",
      message: { role: "user", content: "hello" },
    },
    {
      type: "assistant",
      uuid: "u2",
      sessionId: "s",
      timestamp: "2026-03-01T10:00:05.000Z",
      message: {
        id: "msg_1",
        role: "assistant",
        model: "claude-opus-4-6",
        content: [{ type: "text", text: "hi" }],
        usage: {
          input_tokens: 10,
          output_tokens: 2,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0,
        },
      },
    },
  ]);

const codexUsage = (input: number, cached: number, output: number, reasoning = 0) => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_output_tokens: reasoning,
  total_tokens: input + output,
});

const at = (second: number) => `2026-06-01T12:00:${String(second).padStart(2, "0")}.000Z`;

/** A Codex rollout: two calls (the second repeated as a rate-limit update), a compaction, one more call. */
function codexRollout(): string {
  let totals = codexUsage(0, 0, 0);
  const count = (second: number, last: ReturnType<typeof codexUsage>) => {
    totals = {
      input_tokens: totals.input_tokens + last.input_tokens,
      cached_input_tokens: totals.cached_input_tokens + last.cached_input_tokens,
      output_tokens: totals.output_tokens + last.output_tokens,
      reasoning_output_tokens: totals.reasoning_output_tokens + last.reasoning_output_tokens,
      total_tokens: totals.total_tokens + last.total_tokens,
    };
    return {
      timestamp: at(second),
      type: "event_msg",
      payload: { type: "token_count", info: { total_token_usage: { ...totals }, last_token_usage: last } },
    };
  };
  const item = (second: number, payload: Record<string, unknown>) => ({
    timestamp: at(second),
    type: "response_item",
    payload,
  });
  const records: unknown[] = [
    {
      timestamp: at(0),
      type: "session_meta",
      payload: { id: "rollout-1", cli_version: "0.142.2", base_instructions: { text: "You are Codex." } },
    },
    { timestamp: at(0), type: "turn_context", payload: { model: "gpt-5.5" } },
    item(1, { type: "message", role: "user", content: [{ type: "input_text", text: "fix the bug" }] }),
    item(2, { type: "reasoning", summary: [], encrypted_content: "x" }),
    item(2, { type: "function_call", name: "exec_command", arguments: '{"cmd":"ls"}', call_id: "c1" }),
    item(3, { type: "function_call_output", call_id: "c1", output: "a.ts" }),
  ];
  records.push(count(3, codexUsage(2000, 0, 50, 30)));
  records.push(
    item(4, { type: "custom_tool_call", name: "apply_patch", input: "*** Begin Patch", call_id: "c2" }),
    item(5, { type: "custom_tool_call_output", call_id: "c2", output: "Success" }),
  );
  const second = count(5, codexUsage(2100, 1920, 40));
  records.push(second, { ...second, timestamp: at(6) });
  records.push({
    timestamp: at(7),
    type: "compacted",
    payload: {
      message: "",
      replacement_history: [
        { type: "message", role: "user", content: [{ type: "input_text", text: "fix the bug" }] },
        { type: "compaction", encrypted_content: "summary" },
      ],
    },
  });
  records.push(count(7, codexUsage(0, 0, 0)));
  records.push({ timestamp: at(8), type: "turn_context", payload: { model: "gpt-5.3-codex" } });
  records.push(
    item(9, { type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] }),
  );
  records.push(count(9, codexUsage(900, 0, 5)));
  return jsonl(records);
}

/** A pi session: header, prompt, a tool call and its result, an aborted empty turn, a compaction, a reply. */
function piSession(): string {
  const usage = (input: number, output: number, cacheRead: number, cacheWrite: number, total: number) => ({
    input,
    output,
    cacheRead,
    cacheWrite,
    totalTokens: input + output + cacheRead + cacheWrite,
    cost: { total },
  });
  const assistant = (second: number, content: unknown[], used: unknown, stopReason = "toolUse") => ({
    type: "message",
    timestamp: at(second),
    message: {
      role: "assistant",
      content,
      api: "anthropic-messages",
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      usage: used,
      stopReason,
    },
  });
  return jsonl([
    { type: "session", id: "pi-1", timestamp: at(0), provider: "anthropic", modelId: "claude-sonnet-4-5" },
    {
      type: "message",
      timestamp: at(1),
      message: { role: "user", content: [{ type: "text", text: "read a.ts" }] },
    },
    assistant(
      2,
      [{ type: "toolCall", id: "t1", name: "read", arguments: { path: "a.ts" } }],
      usage(3, 20, 0, 1000, 0.004059),
    ),
    {
      type: "message",
      timestamp: at(3),
      message: {
        role: "toolResult",
        toolCallId: "t1",
        toolName: "read",
        content: [{ type: "text", text: "code" }],
      },
    },
    assistant(4, [], usage(0, 0, 0, 0, 0), "aborted"),
    { type: "message", timestamp: at(5), message: { role: "user", content: "summarise it" } },
    assistant(6, [{ type: "text", text: "It is code." }], usage(3, 5, 1000, 30, 0.0004965), "stop"),
    {
      type: "compaction",
      timestamp: at(7),
      summary: "Read a.ts.",
      firstKeptEntryIndex: 5,
      tokensBefore: 1038,
    },
    { type: "message", timestamp: at(8), message: { role: "user", content: "thanks" } },
    assistant(9, [{ type: "text", text: "You're welcome." }], usage(3, 4, 0, 60, 0.000294), "stop"),
  ]);
}

describe("detection from the records a file holds", () => {
  it("recognises Claude Code logs that begin with custom-title, mode or queue-operation records", () => {
    const text = claudeCode([
      { type: "custom-title", customTitle: "Refactor", sessionId: "s" },
      { type: "mode", mode: "plan" },
      { type: "queue-operation", operation: "enqueue", sessionId: "s", timestamp: "2026-03-01T09:59:00Z" },
      { type: "file-history-snapshot", messageId: "m", snapshot: {} },
    ]);
    expect(detectFormat("/logs/new.jsonl", text)).toBe("claude-code");
    const [transcript] = parseTranscriptText("/logs/new.jsonl", text);
    expect(transcript?.calls).toHaveLength(1);
    expect(transcript?.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
  });

  it("recognises Codex rollouts and pi sessions", () => {
    expect(detectFormat("/s/rollout.jsonl", codexRollout())).toBe("codex");
    expect(detectFormat("/s/pi.jsonl", piSession())).toBe("pi");
  });

  it("still names the line of a record that is not JSON", () => {
    const text = `${JSON.stringify({ type: "mode", mode: "plan" })}\n{"type":`;
    expect(() => detectFormat("/logs/bad.jsonl", text)).toThrow(/line 2/);
  });
});

describe("Codex CLI rollouts", () => {
  const [transcript] = parseTranscriptText("/s/rollout.jsonl", codexRollout());
  if (!transcript) throw new Error("not imported");

  it("makes one call per token_count with new totals, at the model in effect, input split into cached and not", () => {
    expect(transcript.format).toBe("codex");
    expect(transcript.system).toEqual([{ type: "text", text: "You are Codex." }]);
    expect(
      transcript.calls.map((call) => [call.model, call.usage?.inputTokens, call.usage?.cacheReadTokens]),
    ).toEqual([
      ["gpt-5.5", 2000, 0],
      ["gpt-5.5", 180, 1920],
      ["gpt-5.3-codex", 900, 0],
    ]);
    expect(transcript.calls[0]?.usage?.reasoningTokens).toBe(30);
    expect(transcript.calls[0]?.usage?.outputTokens).toBe(50);
  });

  it("merges a call's output items into its response, and turns apply_patch into a tool call with its result", () => {
    const [first, second] = transcript.calls;
    expect(transcript.messages[first?.responseIndex ?? -1]?.content.map((block) => block.type)).toEqual([
      "thinking",
      "tool_call",
    ]);
    const patch = transcript.messages[second?.responseIndex ?? -1]?.content[0];
    expect(patch).toMatchObject({ type: "tool_call", name: "apply_patch", input: "*** Begin Patch" });
    expect(
      transcript.messages.flatMap((m) => m.content.filter((b) => b.type === "tool_result")),
    ).toMatchObject([
      { callId: "c1", name: "exec_command" },
      { callId: "c2", name: "apply_patch" },
    ]);
  });

  it("starts the prompts after a compaction at its replacement history", () => {
    expect(transcript.compactions).toHaveLength(1);
    const start = transcript.compactions?.[0]?.messageIndex;
    expect(transcript.calls[2]?.promptStart).toBe(start);
    expect(transcript.messages[start ?? -1]?.content[0]).toMatchObject({ type: "text", text: "fix the bug" });
  });

  it("prices each call at its own model (no cache writes on OpenAI)", () => {
    const report = reportSession(transcript);
    // gpt-5.5 $5 / $0.50 / $30 per M; gpt-5.3-codex $1.75 / $0.175 / $14 per M.
    const expected =
      (2000 * 5 + 50 * 30) / 1e6 + (180 * 5 + 1920 * 0.5 + 40 * 30) / 1e6 + (900 * 1.75 + 5 * 14) / 1e6;
    expect(report.costUsd).toBeCloseTo(expected, 10);
    expect(report.cacheWriteTokens).toBe(0);
  });
});

describe("pi sessions", () => {
  const [transcript] = parseTranscriptText("/s/pi.jsonl", piSession());
  if (!transcript) throw new Error("not imported");

  it("bills every turn with usage, leaves out empty aborted turns, and reports pi's own dollars", () => {
    expect(transcript.format).toBe("pi");
    expect(transcript.provider).toBe("anthropic");
    expect(transcript.calls).toHaveLength(3);
    expect(transcript.messages.some((m) => m.role === "assistant" && m.content.length === 0)).toBe(false);
    const report = reportSession(transcript);
    expect(report.reportedCostUsd).toBeCloseTo(0.004059 + 0.0004965 + 0.000294, 12);
    expect(report.costUsd).toBeCloseTo(report.reportedCostUsd as number, 12);
  });

  it("sends the summary then the kept entries after a compaction", () => {
    const last = transcript.calls.at(-1);
    const prompt = transcript.messages.slice(last?.promptStart, last?.promptEnd);
    expect(prompt[0]?.content[0]).toEqual({ type: "summary", text: "Read a.ts." });
    const texts = prompt.flatMap((m) => m.content.flatMap((b) => (b.type === "text" ? [b.text] : [])));
    expect(texts).toEqual(["summarise it", "It is code.", "thanks"]);
  });
});

describe("folder imports keep going past bad files", () => {
  const folder = path.join(root, "logs");
  mkdirSync(path.join(folder, "nested"), { recursive: true });
  writeFileSync(path.join(folder, "good.jsonl"), claudeCode([]));
  writeFileSync(path.join(folder, "empty.jsonl"), "");
  writeFileSync(path.join(folder, "live.jsonl"), `${claudeCode([])}\n{"type":"assistant","uuid":`);
  writeFileSync(path.join(folder, "notes.json"), JSON.stringify({ hello: 1 }));
  writeFileSync(path.join(folder, "nested", "rollout.jsonl"), codexRollout());
  writeFileSync(
    path.join(folder, "nested", "rollout.metadata.json"),
    JSON.stringify({ cli_version: "0.7.6", checkpoint_id: "abc123", token_usage: { api_call_count: 3 } }),
  );
  writeFileSync(
    path.join(folder, "orphan.metadata.json"),
    JSON.stringify({ cli_version: "0.7.6", checkpoint_id: "zzz", session_id: "s" }),
  );

  it("imports what it can and lists every skipped file with a typed reason, in path order", async () => {
    const heard: SkippedFile[] = [];
    const { transcripts, skipped } = await importPathWithSkips(folder, {
      onSkip: (_file, _message, entry) => heard.push(entry),
    });
    expect(transcripts.map((t) => [path.relative(folder, t.file), t.format])).toEqual([
      ["good.jsonl", "claude-code"],
      ["nested/rollout.jsonl", "codex"],
    ]);
    expect(skipped.map((entry) => [path.relative(folder, entry.file), entry.reason])).toEqual([
      ["empty.jsonl", "empty"],
      ["live.jsonl", "malformed"],
      ["notes.json", "unrecognised"],
      ["orphan.metadata.json", "orphan-sidecar"],
    ]);
    expect(heard).toEqual(skipped);
    const live = skipped[1];
    expect(live?.error).toBeInstanceOf(TranscriptFormatError);
    expect(live?.message).toMatch(/live\.jsonl: at line 3/);
    expect(transcripts[1]?.metadata?.entireCheckpoint).toMatchObject({ checkpoint_id: "abc123" });
  });

  it("rejects the first bad file with `strict`, and a bad file named directly", async () => {
    await expect(importPath(folder, { strict: true })).rejects.toBeInstanceOf(TranscriptFormatError);
    await expect(importPath(path.join(folder, "live.jsonl"))).rejects.toBeInstanceOf(TranscriptFormatError);
    await expect(importTranscript(path.join(folder, "nested", "rollout.metadata.json"))).rejects.toThrow(
      /Entire checkpoint metadata sidecar/,
    );
  });

  it("says which path is missing with a TranscriptReadError", async () => {
    const missing = path.join(root, "missing.jsonl");
    const error = await importPath(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TranscriptReadError);
    expect(error).toMatchObject({ file: missing, code: "ENOENT", reason: "no such file or folder" });
  });
});

describe("symbolic links and special files", () => {
  const sessions = path.join(root, "sessions");
  const linked = path.join(root, "linked");
  mkdirSync(sessions, { recursive: true });
  mkdirSync(linked, { recursive: true });
  writeFileSync(path.join(sessions, "real.jsonl"), claudeCode([]));
  symlinkSync(path.join(sessions, "real.jsonl"), path.join(linked, "link.jsonl"));
  symlinkSync(sessions, path.join(linked, "folder-link"));
  symlinkSync(linked, path.join(linked, "loop"));
  symlinkSync(path.join(root, "nowhere.jsonl"), path.join(linked, "dangling.jsonl"));

  it("follows links to files and folders (once through a loop) and lists a dangling link as unreadable", async () => {
    const { transcripts, skipped } = await importPathWithSkips(linked);
    expect(transcripts.map((t) => path.relative(linked, t.file))).toEqual([
      "folder-link/real.jsonl",
      "link.jsonl",
    ]);
    expect(transcripts.every((t) => t.calls.length === 1)).toBe(true);
    expect(skipped.map((entry) => [path.basename(entry.file), entry.reason])).toEqual([
      ["dangling.jsonl", "unreadable"],
    ]);
    expect(skipped[0]?.error).toBeInstanceOf(TranscriptReadError);
  });

  it.skipIf(process.platform === "win32")(
    "never opens a FIFO: it is listed as not a regular file",
    async () => {
      const fifos = path.join(root, "fifos");
      mkdirSync(fifos, { recursive: true });
      writeFileSync(path.join(fifos, "good.jsonl"), claudeCode([]));
      execFileSync("mkfifo", [path.join(fifos, "pipe.jsonl")]);
      const { transcripts, skipped } = await importPathWithSkips(fifos);
      expect(transcripts).toHaveLength(1);
      expect(skipped).toMatchObject([{ reason: "unreadable", message: expect.stringMatching(/a FIFO/) }]);
      await expect(importPath(path.join(fifos, "pipe.jsonl"))).rejects.toBeInstanceOf(TranscriptReadError);
    },
  );
});
