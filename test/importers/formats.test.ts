import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import {
  combineOpenHandsLlmLogs,
  detectFormat,
  llmLogTimeFromName,
  parseTranscriptText,
  registerImporter,
} from "../../src/importers/index.js";
import type { Transcript } from "../../src/transcript/types.js";

function only(file: string, document: unknown): Transcript {
  const transcripts = parseTranscriptText(file, JSON.stringify(document));
  expect(transcripts).toHaveLength(1);
  const [transcript] = transcripts;
  if (transcript === undefined) throw new Error("no transcript");
  return transcript;
}

describe("Anthropic messages JSON", () => {
  const request = {
    model: "claude-sonnet-4-5",
    system: "You are terse.",
    tools: [
      {
        name: "bash",
        description: "Run",
        input_schema: { type: "object" },
        cache_control: { type: "ephemeral" },
      },
    ],
    messages: [
      {
        role: "user",
        content: [{ type: "text", text: "fix it", cache_control: { type: "ephemeral", ttl: "1h" } }],
      },
      {
        role: "assistant",
        id: "msg_1",
        model: "claude-sonnet-4-5-20250929",
        usage: {
          input_tokens: 10,
          output_tokens: 20,
          cache_creation_input_tokens: 2000,
          cache_read_input_tokens: 0,
        },
        content: [
          { type: "thinking", thinking: "plan", signature: "c2ln" },
          { type: "redacted_thinking", data: "b3BhcXVl" },
          { type: "tool_use", id: "tu1", name: "bash", input: { command: "ls" } },
          { type: "server_tool_use", id: "st1", name: "web_search", input: { query: "x" } },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "tu1",
            is_error: true,
            content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } }],
          },
        ],
      },
      { role: "assistant", content: "ok" },
    ],
  };

  it("reads system, tools, every block type, and usage stored on a response", () => {
    const transcript = only("conversation.json", request);
    expect(transcript.format).toBe("anthropic-messages");
    expect(transcript.provider).toBe("anthropic");
    expect(transcript.system).toEqual([{ type: "text", text: "You are terse." }]);
    expect(transcript.tools).toEqual([
      {
        name: "bash",
        description: "Run",
        parameters: { type: "object" },
        cacheControl: { type: "ephemeral" },
      },
    ]);
    expect(transcript.messages[0]?.content[0]).toEqual({
      type: "text",
      text: "fix it",
      cacheControl: { type: "ephemeral", ttl: "1h" },
    });
    expect(transcript.messages[1]?.content).toEqual([
      { type: "thinking", text: "plan", signature: "c2ln" },
      { type: "thinking", text: "", redactedData: "b3BhcXVl" },
      { type: "tool_call", id: "tu1", name: "bash", input: { command: "ls" } },
      { type: "opaque", format: "anthropic", value: request.messages[1]?.content[3] },
    ]);
    expect(transcript.messages[2]?.content[0]).toEqual({
      type: "tool_result",
      callId: "tu1",
      name: "bash",
      isError: true,
      content: [{ type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBO" } }],
    });
    expect(transcript.calls).toHaveLength(2);
    expect(transcript.calls[0]).toMatchObject({
      responseIndex: 1,
      model: "claude-sonnet-4-5-20250929",
      responseId: "msg_1",
    });
    expect(transcript.calls[0]?.usage?.cacheWrite5mTokens).toBe(2000);
    expect(transcript.calls[1]).toMatchObject({ responseIndex: 3, model: "claude-sonnet-4-5" });
    expect(transcript.calls[1]?.usage).toBeUndefined();
    expect(transcript.messages[3]?.wire).toEqual({ content: "string" });
  });

  it("recognises a bare array by its Anthropic-only blocks", () => {
    const text = JSON.stringify(request.messages);
    expect(detectFormat("bare.json", text)).toBe("anthropic-messages");
  });
});

describe("OpenAI chat JSON", () => {
  const messages = [
    { role: "developer", content: "Be brief." },
    {
      role: "user",
      content: [
        { type: "text", text: "see" },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
      ],
    },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"q": 1}' } }],
      usage: { prompt_tokens: 100, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 64 } },
    },
    { role: "tool", tool_call_id: "c1", content: "found" },
    { role: "assistant", content: "done", refusal: null },
  ];

  it("reads a bare message array, with tool names filled from the calls", () => {
    const transcript = only("chat.json", messages);
    expect(transcript.format).toBe("openai-chat");
    expect(transcript.messages.map((message) => message.role)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
      "assistant",
    ]);
    expect(transcript.messages[0]?.wire).toEqual({ content: "string", role: "developer" });
    expect(transcript.messages[1]?.content[1]).toEqual({
      type: "image",
      source: { kind: "base64", mediaType: "image/png", data: "AAAA" },
    });
    expect(transcript.messages[2]?.content).toEqual([
      { type: "tool_call", id: "c1", name: "lookup", input: { q: 1 }, rawArguments: '{"q": 1}' },
    ]);
    expect(transcript.messages[3]?.content[0]).toMatchObject({
      type: "tool_result",
      callId: "c1",
      name: "lookup",
    });
    expect(transcript.messages[4]?.extra).toEqual({ refusal: null });
    expect(transcript.calls.map((call) => call.responseIndex)).toEqual([2, 4]);
    expect(transcript.calls[0]?.usage).toMatchObject({
      inputTokens: 36,
      cacheReadTokens: 64,
      outputTokens: 7,
    });
  });

  it("reads {model, messages, tools}", () => {
    const transcript = only("request.json", {
      model: "gpt-4.1",
      messages,
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
    });
    expect(transcript.model).toBe("gpt-4.1");
    expect(transcript.calls.every((call) => call.model === "gpt-4.1")).toBe(true);
    expect(transcript.tools).toEqual([{ name: "lookup", parameters: { type: "object" } }]);
  });

  it("keeps malformed tool-call arguments as the raw string", () => {
    const transcript = only("raw.json", [
      {
        role: "assistant",
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{oops" } }],
      },
    ]);
    expect(transcript.messages[0]?.content[0]).toMatchObject({ input: "{oops", rawArguments: "{oops" });
  });

  it("reads tau-bench arrays of records as one transcript each", () => {
    const record = (taskId: number) => ({ task_id: taskId, reward: 1, traj: messages.slice(0, 3) });
    const transcripts = parseTranscriptText("results.json", JSON.stringify([record(1), record(2)]));
    expect(transcripts.map((transcript) => transcript.id)).toEqual(["results.json#0", "results.json#1"]);
    expect(transcripts.map((transcript) => transcript.metadata)).toEqual([
      { task_id: 1, reward: 1 },
      { task_id: 2, reward: 1 },
    ]);
  });
});

describe("SWE-agent", () => {
  it("does not bill demonstration messages", () => {
    const transcript = only("run.traj", {
      history: [
        { role: "system", content: "sys" },
        { role: "user", content: "demo task", is_demo: true },
        { role: "assistant", content: "demo answer", is_demo: true },
        { role: "user", content: "real task" },
        { role: "assistant", content: "real answer", thought: "t", action: "ls" },
      ],
      trajectory: [],
      info: { model_stats: { tokens_sent: 10, tokens_received: 2, instance_cost: 0.01, api_calls: 1 } },
    });
    expect(transcript.calls.map((call) => call.responseIndex)).toEqual([4]);
    expect(transcript.messages[4]?.extra).toEqual({ thought: "t", action: "ls" });
  });
});

describe("detectFormat", () => {
  it.each([
    ["a.traj.json", { trajectory_format: "mini-swe-agent-1", messages: [] }, "mini-swe-agent"],
    ["a.traj", { history: [], trajectory: [] }, "swe-agent"],
    ["a.json", { task_id: 1, traj: [] }, "tau-bench"],
    ["a.json", { messages: [], response: { choices: [] } }, "openhands-llm-log"],
    ["a.json", { instance_id: "x", history: [] }, "openhands"],
    ["a.json", { system: "s", messages: [{ role: "user", content: "hi" }] }, "anthropic-messages"],
    ["a.json", { messages: [{ role: "user", content: "hi" }] }, "openai-chat"],
    ["a.json", { hello: 1 }, undefined],
  ])("%s %j is %s", (file, document, format) => {
    expect(detectFormat(file, JSON.stringify(document))).toBe(format);
  });

  it("tells the dialect of plain-text messages by the field names of their stored usage", () => {
    const anthropicReply = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [{ type: "text", text: "hello" }],
      stop_reason: "end_turn",
      usage: {
        input_tokens: 10,
        output_tokens: 2,
        cache_read_input_tokens: 500,
        cache_creation_input_tokens: 40,
      },
    };
    const conversation = [{ role: "user", content: "hi" }, anthropicReply];
    for (const document of [{ model: "claude-sonnet-4-5", messages: conversation }, conversation]) {
      expect(detectFormat("reply.json", JSON.stringify(document))).toBe("anthropic-messages");
      const transcript = only("reply.json", document);
      expect(transcript.provider).toBe("anthropic");
      expect(transcript.calls[0]?.usage).toMatchObject({
        inputTokens: 10,
        cacheReadTokens: 500,
        cacheWrite5mTokens: 40,
        outputTokens: 2,
      });
    }
    const openAIReply = {
      role: "assistant",
      content: "hello",
      usage: { prompt_tokens: 510, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 500 } },
    };
    expect(
      detectFormat(
        "reply.json",
        JSON.stringify({ messages: [{ role: "user", content: "hi" }, openAIReply] }),
      ),
    ).toBe("openai-chat");
  });

  it("recognises JSONL by its first record", () => {
    const claudeCode = `${JSON.stringify({ type: "summary", summary: "t", leafUuid: "x" })}\n{}`;
    expect(detectFormat("s.jsonl", claudeCode)).toBe("claude-code");
    expect(detectFormat("o.jsonl", `\n${JSON.stringify({ instance_id: "i", history: [] })}\n`)).toBe(
      "openhands",
    );
    expect(detectFormat("log.txt", `${JSON.stringify({ type: "user", uuid: "u" })}\n{"type":"user"}`)).toBe(
      "claude-code",
    );
  });

  it("asks registered importers first, until they are removed", () => {
    const remove = registerImporter({
      format: "compactor-events",
      detect: (_file, text) => text.startsWith('{"event":'),
      parse: (file) => [
        { file, id: "events", format: "compactor-events", provider: "anthropic", messages: [], calls: [] },
      ],
    });
    const text = '{"event":"call"}\n{"event":"compaction"}';
    try {
      expect(detectFormat("events.jsonl", text)).toBe("compactor-events");
      expect(parseTranscriptText("events.jsonl", text)[0]?.id).toBe("events");
    } finally {
      remove();
    }
    expect(detectFormat("events.jsonl", text)).toBeUndefined();
  });
});

describe("OpenHands LiteLLM logs", () => {
  const log = (time: string, messages: unknown[], answer: string) =>
    only(`litellm_proxy__anthropic__claude-sonnet-4-20250514-${time}.json`, {
      messages,
      timestamp: Number(time),
      cost: 0.01,
      response: {
        id: `r${time}`,
        model: "claude-sonnet-4",
        choices: [{ message: { role: "assistant", content: answer } }],
        usage: { prompt_tokens: 10, completion_tokens: 1 },
      },
    });

  it("reads the call time from the file name", () => {
    expect(llmLogTimeFromName("/x/litellm_proxy__m-1757015025.972.json")).toBe(1757015025972);
    expect(llmLogTimeFromName("/x/other.json")).toBeUndefined();
  });

  it("starts a new prompt window when a later request rewrote the history (a condenser ran)", () => {
    const first = log("1757015025.000", [{ role: "user", content: "a" }], "b");
    const second = log(
      "1757015030.000",
      [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
        { role: "user", content: "c" },
      ],
      "d",
    );
    const third = log(
      "1757015040.000",
      [
        { role: "user", content: "summary of a..d" },
        { role: "user", content: "e" },
      ],
      "f",
    );
    const combined = combineOpenHandsLlmLogs([third, first, second]);
    expect(
      combined.messages.map((message) => message.content[0]?.type === "text" && message.content[0].text),
    ).toEqual(["a", "b", "c", "d", "summary of a..d", "e", "f"]);
    expect(combined.calls.map((call) => [call.promptStart, call.promptEnd, call.responseIndex])).toEqual([
      [0, 1, 1],
      [0, 3, 3],
      [4, 6, 6],
    ]);
    expect(combined.statedTotals).toEqual({ calls: 3, costUsd: 0.03 });
  });

  it("refuses an empty list and transcripts that are not one-call logs", () => {
    expect(() => combineOpenHandsLlmLogs([])).toThrow(InvalidOptionError);
    const chat = only("chat.json", [{ role: "user", content: "x" }]);
    expect(() => combineOpenHandsLlmLogs([chat])).toThrow(/transcripts\[0\]/);
  });
});
