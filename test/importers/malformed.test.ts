import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CompactorError, TranscriptFormatError } from "../../src/errors.js";
import {
  importPath,
  importTranscript,
  parseTranscriptText,
  type SkippedFile,
} from "../../src/importers/index.js";

const folder = mkdtempSync(path.join(os.tmpdir(), "compactor-importers-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = path.join(folder, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

function lines(...records: unknown[]): string {
  return records.map((record) => (typeof record === "string" ? record : JSON.stringify(record))).join("\n");
}

async function failure(file: string): Promise<TranscriptFormatError> {
  try {
    await importTranscript(file);
  } catch (error) {
    expect(error).toBeInstanceOf(TranscriptFormatError);
    return error as TranscriptFormatError;
  }
  throw new Error(`${file} imported without error`);
}

const ccBase = { sessionId: "s", uuid: "u1", parentUuid: null, timestamp: "2026-01-01T00:00:00.000Z" };
const ccUser = { ...ccBase, type: "user", message: { role: "user", content: "hi" } };
const ccAssistant = {
  ...ccBase,
  uuid: "u2",
  type: "assistant",
  message: {
    id: "msg_1",
    role: "assistant",
    model: "claude-sonnet-4-20250514",
    content: [{ type: "text", text: "hello" }],
    usage: { input_tokens: 3, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 10 },
  },
};

describe("malformed input gives a TranscriptFormatError naming file, place and expectation", () => {
  it("empty files", async () => {
    for (const name of ["empty.json", "empty.jsonl", "blank.traj"]) {
      const error = await failure(write(name, name === "blank.traj" ? "  \n\n " : ""));
      expect(error.file).toBe(path.join(folder, name));
      expect(error.location).toBe("line 1");
      expect(error.expected).toMatch(/empty file/);
    }
  });

  it("truncated JSON, with the line and column where it stops", async () => {
    const text = JSON.stringify(
      { trajectory_format: "mini-swe-agent-1", messages: [{ role: "user", content: "x" }] },
      null,
      2,
    );
    const error = await failure(write("truncated.traj.json", text.slice(0, text.length - 12)));
    expect(error.location).toMatch(/^(line \d+, column \d+|end of file)$/);
    expect(error.expected).toMatch(/^valid JSON/);
  });

  it("unknown formats", async () => {
    const error = await failure(write("unknown.json", { hello: "world" }));
    expect(error.location).toBe("$");
    expect(error.expected).toMatch(/known transcript format/);
    const lineError = await failure(write("unknown.jsonl", lines({ event: "x" }, { event: "y" })));
    expect(lineError.location).toBe("line 1");
  });

  it("mini-swe-agent: bad content, role, tool call and usage fields", async () => {
    const base = (messages: unknown[]) => ({ trajectory_format: "mini-swe-agent-1", info: {}, messages });
    const content = await failure(
      write(
        "a.traj.json",
        base([
          { role: "system", content: "s" },
          { role: "user", content: 5 },
        ]),
      ),
    );
    expect(content.location).toBe("$.messages[1].content");
    expect(content.expected).toBe("a string, null or an array of content parts, got `5` (number)");
    const role = await failure(write("b.traj.json", base([{ role: "robot", content: "x" }])));
    expect(role.location).toBe("$.messages[0].role");
    const call = await failure(
      write(
        "c.traj.json",
        base([
          { role: "assistant", content: null, tool_calls: [{ id: "c1", function: { arguments: "{}" } }] },
        ]),
      ),
    );
    expect(call.location).toBe("$.messages[0].tool_calls[0].function.name");
    const usage = await failure(
      write(
        "d.traj.json",
        base([
          {
            role: "assistant",
            content: "x",
            extra: { response: { usage: { prompt_tokens: "12", completion_tokens: 1 } } },
          },
        ]),
      ),
    );
    expect(usage.location).toBe("$.messages[0].extra.response.usage.prompt_tokens");
    expect(usage.message).toContain("expected a number");
  });

  it("tau-bench and OpenAI chat: a message that is not an object", async () => {
    const tau = await failure(
      write("tau.json", [
        { task_id: 1, traj: [{ role: "user", content: "x" }] },
        { task_id: 2, traj: ["hello"] },
      ]),
    );
    expect(tau.location).toBe("$[1].traj[0]");
    expect(tau.expected).toMatch(/^an object, got `"hello"` \(string\)$/);
    const chat = await failure(
      write("chat.json", {
        model: "gpt-4o",
        messages: [
          { role: "user", content: "x" },
          { role: "tool", content: "r" },
        ],
      }),
    );
    expect(chat.location).toBe("$.messages[1].tool_call_id");
  });

  it("SWE-agent: a history message without a role, a tool message without ids", async () => {
    const role = await failure(
      write("x.traj", {
        history: [{ role: "system", content: "s" }, { content: "no role" }],
        trajectory: [],
      }),
    );
    expect(role.location).toBe("$.history[1].role");
    const ids = await failure(
      write("y.traj", { history: [{ role: "tool", content: "out", tool_call_ids: [] }], trajectory: [] }),
    );
    expect(ids.location).toBe("$.history[0].tool_call_ids");
  });

  it("Anthropic messages: a tool_result without tool_use_id, a bad role", async () => {
    const block = await failure(
      write("anthropic.json", {
        system: "s",
        messages: [{ role: "user", content: [{ type: "tool_result", content: "x" }] }],
      }),
    );
    expect(block.location).toBe("$.messages[0].content[0].tool_use_id");
    const role = await failure(
      write("anthropic-role.json", { system: "s", messages: [{ role: "robot", content: "x" }] }),
    );
    expect(role.location).toBe("$.messages[0].role");
  });

  it("Claude Code: a broken line, a bad usage, a missing message, each named by line", async () => {
    const broken = await failure(
      write("cc1.jsonl", lines(ccUser, ccAssistant, '{"type":"user", "message": {')),
    );
    expect(broken.location).toMatch(/^line 3/);
    const badUsage = {
      ...ccAssistant,
      message: { ...ccAssistant.message, usage: { input_tokens: 1, output_tokens: "2" } },
    };
    const usage = await failure(write("cc2.jsonl", lines(ccUser, badUsage)));
    expect(usage.location).toBe("line 2, $.message.usage.output_tokens");
    const missing = await failure(
      write("cc3.jsonl", lines(ccUser, { ...ccBase, uuid: "u3", type: "assistant" })),
    );
    expect(missing.location).toBe("line 2, $.message");
    const time = await failure(write("cc4.jsonl", lines({ ...ccAssistant, timestamp: "yesterday" })));
    expect(time.location).toBe("line 1, $.timestamp");
  });

  it("OpenHands: a model response without choices, named by line and path", async () => {
    const event = {
      id: 1,
      source: "agent",
      action: "run",
      timestamp: "2025-04-30T16:32:57.821635",
      tool_call_metadata: {
        tool_call_id: "t1",
        function_name: "execute_bash",
        model_response: { id: "r1", choices: {} },
      },
    };
    const ok = { instance_id: "a", history: [], metrics: {} };
    const error = await failure(
      write("oh.jsonl", lines(ok, { instance_id: "b", history: [event], metrics: {} })),
    );
    expect(error.location).toBe("line 2, $.history[0].tool_call_metadata.model_response.choices");
  });

  it("LiteLLM log: a response message with an unknown role", async () => {
    const log = {
      messages: [{ role: "user", content: "x" }],
      response: { choices: [{ message: { role: "bot" } }] },
    };
    const error = await failure(write("litellm_proxy__m-1757015025.972.json", log));
    expect(error.location).toBe("$.response.choices[0].message.role");
  });

  it("folder walks skip unrecognised JSON and, listing why, malformed transcripts (which `strict` rejects)", async () => {
    const clean = mkdtempSync(path.join(folder, "walk-"));
    writeFileSync(path.join(clean, "notes.json"), JSON.stringify({ hello: 1 }));
    writeFileSync(path.join(clean, "LICENSE"), "MIT");
    writeFileSync(
      path.join(clean, "chat.json"),
      JSON.stringify([
        { role: "user", content: "hi" },
        { role: "assistant", content: "yo" },
      ]),
    );
    const skipped: string[] = [];
    const transcripts = await importPath(clean, { onSkip: (file) => skipped.push(path.basename(file)) });
    expect(transcripts.map((transcript) => transcript.id)).toEqual(["chat.json"]);
    expect(skipped).toEqual(["notes.json"]);
    writeFileSync(path.join(clean, "broken.jsonl"), lines(ccUser, "{"));
    const listed: SkippedFile[] = [];
    const kept = await importPath(clean, { onSkip: (_file, _reason, skipped) => listed.push(skipped) });
    expect(kept.map((transcript) => transcript.id)).toEqual(["chat.json"]);
    expect(listed.map((skipped) => [path.basename(skipped.file), skipped.reason])).toEqual([
      ["broken.jsonl", "malformed"],
      ["notes.json", "unrecognised"],
    ]);
    expect(listed[0]?.error).toBeInstanceOf(TranscriptFormatError);
    expect(listed[0]?.message).toContain("line 2");
    await expect(importPath(clean, { strict: true })).rejects.toBeInstanceOf(TranscriptFormatError);
  });
});

describe("random documents never crash the importers with anything but a TranscriptFormatError", () => {
  const skeletons: Array<[string, (value: unknown) => string]> = [
    [
      "m.traj.json",
      (value) => JSON.stringify({ trajectory_format: "mini-swe-agent-1", messages: [value, value] }),
    ],
    ["s.traj", (value) => JSON.stringify({ history: [value], trajectory: [] })],
    ["t.json", (value) => JSON.stringify({ task_id: 1, traj: [value] })],
    [
      "c.json",
      (value) => JSON.stringify({ messages: [{ role: "assistant", content: value, tool_calls: value }] }),
    ],
    ["a.json", (value) => JSON.stringify({ system: "s", messages: [{ role: "user", content: [value] }] })],
    ["l.json", (value) => JSON.stringify({ messages: [], response: { choices: [value], usage: value } })],
    [
      "cc.jsonl",
      (value) =>
        lines(ccUser, { ...ccAssistant, message: value }, { ...ccUser, message: { content: [value] } }),
    ],
    [
      "oh.jsonl",
      (value) => lines({ instance_id: "x", history: [value, { action: "run", tool_call_metadata: value }] }),
    ],
  ];

  it.each(skeletons)("%s", (name, build) => {
    const runs = 300;
    // Guard against a vacuous pass: the interesting case (a typed error naming the file and the place) must occur.
    // Measured: 277 to 300 of 300 runs per skeleton; at least half are required.
    let placedErrors = 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        try {
          parseTranscriptText(name, build(value));
        } catch (error) {
          // The importers' own errors only: not the catch-all that wraps an unexpected TypeError.
          const cause = (error as { cause?: unknown }).cause;
          const typed =
            error instanceof TranscriptFormatError &&
            (cause === undefined || CompactorError.isInstance(cause) || cause instanceof SyntaxError);
          if (typed && error.file === name && /^(\$|line \d)/.test(error.location)) placedErrors += 1;
          return typed;
        }
        return true;
      }),
      { numRuns: runs },
    );
    expect(
      placedErrors,
      `${name}: runs that raised a TranscriptFormatError with file and place`,
    ).toBeGreaterThanOrEqual(runs / 2);
  });
});
