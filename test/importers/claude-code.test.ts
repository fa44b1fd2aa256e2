import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { claudeCodeParentFile, importPath, parseTranscriptText } from "../../src/importers/index.js";

let counter = 0;
function line(type: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    type,
    uuid: `u${counter}`,
    sessionId: "session",
    timestamp: `2026-02-12T15:00:${String(counter).padStart(2, "0")}.000Z`,
    ...fields,
  };
}

function assistant(
  id: string,
  content: unknown[],
  usage: Record<string, unknown>,
  model = "claude-opus-4-6",
) {
  return line("assistant", { message: { id, role: "assistant", model, content, usage } });
}

function user(content: unknown, fields: Record<string, unknown> = {}) {
  return line("user", { message: { role: "user", content }, ...fields });
}

const usage = (input: number, output: number, read = 0, write = 0) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: read,
  cache_creation_input_tokens: write,
});

function parse(records: unknown[], file = "/logs/session.jsonl") {
  const [transcript] = parseTranscriptText(file, records.map((record) => JSON.stringify(record)).join("\n"));
  if (transcript === undefined) throw new Error("no transcript");
  return transcript;
}

describe("Claude Code JSONL", () => {
  it("merges the lines of one response by message.id and keeps the last line's usage once", () => {
    const transcript = parse([
      user("list the files"),
      assistant("msg_a", [{ type: "thinking", thinking: "hm", signature: "sig" }], usage(3, 1, 100, 50)),
      assistant(
        "msg_a",
        [{ type: "tool_use", id: "t1", name: "Bash", input: { command: "ls" } }],
        usage(3, 40, 100, 50),
      ),
      user([{ type: "tool_result", tool_use_id: "t1", content: "a.txt" }]),
      assistant(
        "msg_a",
        [{ type: "tool_use", id: "t2", name: "Read", input: { path: "a.txt" } }],
        usage(3, 90, 100, 50),
      ),
      user([{ type: "tool_result", tool_use_id: "t2", content: [{ type: "text", text: "hello" }] }]),
      assistant("msg_b", [{ type: "text", text: "done" }], usage(1, 5, 160, 0)),
    ]);
    expect(transcript.messages.map((message) => message.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
    ]);
    expect(transcript.messages[1]?.content.map((block) => block.type)).toEqual([
      "thinking",
      "tool_call",
      "tool_call",
    ]);
    expect(transcript.messages[2]?.content).toEqual([
      {
        type: "tool_result",
        callId: "t1",
        name: "Bash",
        content: [{ type: "text", text: "a.txt" }],
        wire: { content: "string" },
      },
      { type: "tool_result", callId: "t2", name: "Read", content: [{ type: "text", text: "hello" }] },
    ]);
    expect(transcript.calls).toHaveLength(2);
    expect(transcript.calls[0]).toMatchObject({
      promptStart: 0,
      promptEnd: 1,
      responseIndex: 1,
      responseId: "msg_a",
    });
    expect(transcript.calls[0]?.usage?.outputTokens).toBe(90);
    expect(transcript.calls[0]?.timestamp).toBe(Date.parse("2026-02-12T15:00:02.000Z"));
    expect(transcript.calls[1]).toMatchObject({ promptStart: 0, promptEnd: 3, responseIndex: 3 });
    expect(transcript.model).toBe("claude-opus-4-6");
  });

  it("does not bill synthetic messages or responses with zero usage", () => {
    const transcript = parse([
      user("hi"),
      assistant("msg_s", [{ type: "text", text: "No response requested." }], usage(0, 0), "<synthetic>"),
      user("again"),
      assistant("msg_z", [{ type: "text", text: "?" }], usage(0, 0)),
      user("once more"),
      assistant("msg_r", [{ type: "text", text: "ok" }], usage(10, 2)),
    ]);
    expect(transcript.messages).toHaveLength(6);
    expect(transcript.calls.map((call) => call.responseId)).toEqual(["msg_r"]);
  });

  it("skips progress, snapshot, summary and other system lines", () => {
    const transcript = parse([
      { type: "summary", summary: "a title", leafUuid: "x" },
      line("file-history-snapshot", { messageId: "m", snapshot: {} }),
      user("hi"),
      line("progress", { data: { message: { type: "assistant", message: { id: "msg_sub", content: [] } } } }),
      line("system", { subtype: "turn_duration", durationMs: 10 }),
      assistant("msg_1", [{ type: "text", text: "hello" }], usage(5, 1)),
    ]);
    expect(transcript.messages).toHaveLength(2);
    expect(transcript.calls).toHaveLength(1);
  });

  it("records a compact_boundary and starts the next prompt window at the summary", () => {
    const transcript = parse([
      user("task"),
      assistant("msg_1", [{ type: "text", text: "working" }], usage(5, 1, 0, 1000)),
      user("continue"),
      line("system", {
        subtype: "compact_boundary",
        compactMetadata: { trigger: "auto", preTokens: 167117 },
      }),
      user("This session is being continued from a previous conversation...", { isCompactSummary: true }),
      user("continue"),
      assistant("msg_2", [{ type: "text", text: "resumed" }], usage(5, 1, 0, 800)),
    ]);
    expect(transcript.compactions).toEqual([
      { messageIndex: 3, preTokens: 167117, timestamp: expect.any(Number) },
    ]);
    expect(transcript.messages[3]?.content).toEqual([
      { type: "summary", text: "This session is being continued from a previous conversation..." },
      { type: "text", text: "continue" },
    ]);
    expect(transcript.calls.map((call) => [call.promptStart, call.promptEnd])).toEqual([
      [0, 1],
      [3, 4],
    ]);
  });

  it("turns sidechain lines into subsessions keyed by agentId", () => {
    const transcript = parse(
      [
        user("main task"),
        assistant(
          "msg_main",
          [{ type: "tool_use", id: "task1", name: "Task", input: { prompt: "look" } }],
          usage(5, 3),
        ),
        user("look around", { isSidechain: true, agentId: "a1" }),
        assistant("msg_side", [{ type: "text", text: "found it" }], usage(4, 2), "claude-haiku-4-5-20251001"),
        user([{ type: "tool_result", tool_use_id: "task1", content: "found it" }]),
      ].map((record, index) => (index === 3 ? { ...record, isSidechain: true, agentId: "a1" } : record)),
    );
    expect(transcript.calls.map((call) => call.responseId)).toEqual(["msg_main"]);
    expect(transcript.subsessions?.map((session) => session.id)).toEqual(["session.jsonl#agent-a1"]);
    expect(transcript.subsessions?.[0]?.model).toBe("claude-haiku-4-5-20251001");
    expect(transcript.subsessions?.[0]?.messages).toHaveLength(2);
  });

  it("reads a subagent file on its own as one session", () => {
    const records = [user("sub task"), assistant("msg_x", [{ type: "text", text: "ok" }], usage(2, 1))].map(
      (record) => ({
        ...record,
        isSidechain: true,
        agentId: "a9",
      }),
    );
    const transcript = parse(records, "/logs/session__subagents__agent-a9.jsonl");
    expect(transcript.id).toBe("session__subagents__agent-a9.jsonl");
    expect(transcript.calls).toHaveLength(1);
    expect(transcript.subsessions).toBeUndefined();
  });

  it("finds the parent session of both subagent file layouts", () => {
    expect(claudeCodeParentFile("/p/abc__subagents__agent-a1.jsonl")).toBe(path.join("/p", "abc.jsonl"));
    expect(claudeCodeParentFile("/p/abc/subagents/agent-a1.jsonl")).toBe("/p/abc.jsonl");
    expect(claudeCodeParentFile("/p/abc.jsonl")).toBeUndefined();
  });

  describe("importPath", () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), "compactor-claude-code-"));
    afterAll(() => rmSync(folder, { recursive: true, force: true }));

    it("attaches <session>/subagents/agent-*.jsonl files to their parent", async () => {
      const write = (file: string, records: unknown[]) =>
        writeFileSync(file, records.map((record) => JSON.stringify(record)).join("\n"));
      write(path.join(folder, "abc.jsonl"), [
        user("hi"),
        assistant("msg_1", [{ type: "text", text: "yo" }], usage(1, 1)),
      ]);
      mkdirSync(path.join(folder, "abc", "subagents"), { recursive: true });
      write(path.join(folder, "abc", "subagents", "agent-z.jsonl"), [
        { ...user("sub"), isSidechain: true, agentId: "z" },
        {
          ...assistant("msg_2", [{ type: "text", text: "done" }], usage(1, 1)),
          isSidechain: true,
          agentId: "z",
        },
      ]);
      write(path.join(folder, "orphan__subagents__agent-q.jsonl"), [
        { ...user("lost"), isSidechain: true, agentId: "q" },
      ]);
      const transcripts = await importPath(folder);
      expect(transcripts.map((transcript) => transcript.id)).toEqual([
        "abc.jsonl",
        "orphan__subagents__agent-q.jsonl",
      ]);
      expect(transcripts[0]?.subsessions?.map((session) => session.id)).toEqual(["agent-z.jsonl"]);
    });
  });
});
