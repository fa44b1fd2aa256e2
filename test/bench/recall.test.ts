import { describe, expect, it } from "vitest";
import { catalog } from "../../src/replay/catalog.js";
import { salientTokens, toolOutputSalient } from "../../src/replay/recall.js";
import { replayTranscript } from "../../src/replay/replay.js";
import { generateSampleSession } from "../../src/samples/generate.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import type { Message, RecordedCall, Transcript } from "../../src/transcript/types.js";

const spec = (name: string) => {
  const found = catalog.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no strategy ${name}`);
  return found;
};

describe("salientTokens", () => {
  it("keeps paths, code-like identifiers and numbers of 3+ digits", () => {
    const tokens = salientTokens(
      "Edit src/core/parse_config.py: rename parseConfig to load_config, see issue 4521 and self.cache_size; line 42.",
    );
    expect([...tokens].sort()).toEqual(
      ["4521", "load_config", "parseConfig", "self.cache_size", "src/core/parse_config.py"].sort(),
    );
  });

  it("leaves out plain words, short identifiers and 1-2 digit numbers", () => {
    expect(salientTokens("The test failed because the value was wrong at 12 of 99 runs, a_b x1")).toEqual(
      new Set(),
    );
  });

  it("finds dotted names, relative paths and home paths", () => {
    const tokens = salientTokens("import os.path from ./lib/util.ts and ~/notes/todo.md; QueueRetry.v2");
    expect(tokens).toContain("os.path");
    expect(tokens).toContain("./lib/util.ts");
    expect(tokens).toContain("~/notes/todo.md");
    expect(tokens).toContain("QueueRetry.v2");
  });

  it("reads only tool results for tool output", () => {
    const message: Message = {
      role: "user",
      content: [
        { type: "text", text: "look at other_name" },
        { type: "tool_result", callId: "c1", content: [{ type: "text", text: "found in src/app/main.py" }] },
      ],
    };
    expect(toolOutputSalient(message)).toEqual(new Set(["src/app/main.py"]));
  });
});

/** A tiny session: a tool result names a file, many turns later the assistant uses it again. */
function recallSession(turns: number, echoAt?: number): Transcript {
  const messages: Message[] = [
    { role: "system", content: [{ type: "text", text: "You are a coding agent." }] },
    { role: "user", content: [{ type: "text", text: "Fix the failing test." }] },
  ];
  const calls: RecordedCall[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const id = `call_${turn}`;
    const last = turn === turns - 1;
    const text = last
      ? "The bug is in src/pkg/deep_module_0.py, function handle_request_0."
      : `Looking at step ${turn}.`;
    calls.push({ promptStart: 0, promptEnd: messages.length, responseIndex: messages.length });
    messages.push({
      role: "assistant",
      content: [
        { type: "text", text },
        { type: "tool_call", id, name: "bash", input: { command: `cat file_${turn}.txt` } },
      ],
    });
    const output = `src/pkg/deep_module_${turn}.py defines handle_request_${turn} ${turn === echoAt ? "(as src/pkg/deep_module_0.py defines handle_request_0) " : ""}${"filler text line\n".repeat(80)}`;
    messages.push({
      role: "user",
      content: [{ type: "tool_result", callId: id, content: [{ type: "text", text: output }] }],
    });
  }
  return {
    file: "recall.json",
    id: "recall",
    format: "anthropic-messages",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    messages,
    calls,
  };
}

describe("context recall in replays", () => {
  const tokens = defaultTokenCounter();

  it("has no recall for no compaction (nothing was removed, so no call counts) on every sample session", async () => {
    for (const seed of [1, 2, 3]) {
      const session = generateSampleSession({ seed, calls: 40 });
      const result = await replayTranscript(session, { strategy: spec("none"), tokens });
      expect(result.recall).toBeNull();
      expect(result.recallCalls).toBe(0);
      expect(result.compactions).toBe(0);
    }
  });

  it("drops when the strategy removed the tool output the model went on to use", async () => {
    const session = recallSession(20);
    const none = await replayTranscript(session, { strategy: spec("none"), tokens });
    const masked = await replayTranscript(session, { strategy: spec("masking-every-call"), tokens });
    expect(none.recall).toBeNull();
    // Only the last call draws on earlier tool output (the first result), which masking removed by then.
    expect(masked.compactions).toBeGreaterThan(0);
    expect(masked.recall).toBe(0);
  });

  it("stays 1 when the content the model used was kept verbatim in a later output", async () => {
    // The first output (masked by the last call) and the 18th (among the last 10, kept) both hold the facts.
    const session = recallSession(20, 17);
    const masked = await replayTranscript(session, { strategy: spec("masking-every-call"), tokens });
    expect(masked.compactions).toBeGreaterThan(0);
    expect(masked.recallCalls).toBe(1);
    expect(masked.recall).toBe(1);
    expect(masked.recoveries).toBe(0);
  });
});
