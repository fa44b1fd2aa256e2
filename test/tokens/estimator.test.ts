import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import { countO200kTokens, createTokenEstimator, toolBlockOverhead } from "../../src/tokens/index.js";
import type { Conversation, Message, ToolDefinition } from "../../src/transcript/types.js";
import { createSpyTokenizer } from "./spy-tokenizer.js";

const count = countO200kTokens;

const assistantCall: Message = {
  role: "assistant",
  content: [
    { type: "thinking", text: "I should list the files first.", signature: "c2lnbmF0dXJl" },
    { type: "text", text: "Listing the directory." },
    {
      type: "tool_call",
      id: "call_1",
      name: "bash",
      input: { command: "ls -la" },
      rawArguments: '{"command": "ls -la"}',
    },
  ],
};

const toolResult: Message = {
  role: "tool",
  content: [
    {
      type: "tool_result",
      callId: "call_1",
      name: "bash",
      content: [
        { type: "text", text: "total 8\ndrwxr-xr-x 2 root root 4096 .\n" },
        { type: "image", source: { kind: "url", url: "https://example.com/screen.png" } },
      ],
    },
  ],
};

const weatherTool: ToolDefinition = {
  name: "get_weather",
  description: "Current weather for a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("createTokenEstimator", () => {
  const estimator = createTokenEstimator();

  it("counts text, thinking and tool calls (name + raw JSON arguments) plus 3 tokens of framing", () => {
    const expected =
      3 +
      count("I should list the files first.") +
      count("Listing the directory.") +
      toolBlockOverhead +
      count("bash") +
      count('{"command": "ls -la"}');
    expect(estimator.countMessage(assistantCall)).toBe(expected);
  });

  it("serialises parsed arguments when no raw arguments were kept", () => {
    const message: Message = {
      role: "assistant",
      content: [{ type: "tool_call", id: "x", name: "edit", input: { path: "a.ts", line: 3 } }],
    };
    expect(estimator.countMessage(message)).toBe(
      3 + toolBlockOverhead + count("edit") + count('{"path":"a.ts","line":3}'),
    );
  });

  it("counts tool results with images at the fixed image estimate", () => {
    const expected = 3 + toolBlockOverhead + count("total 8\ndrwxr-xr-x 2 root root 4096 .\n") + 1600;
    expect(estimator.countMessage(toolResult)).toBe(expected);
    expect(createTokenEstimator({ imageTokens: 765 }).countMessage(toolResult)).toBe(expected - 1600 + 765);
  });

  it("counts summaries as their text", () => {
    const message: Message = {
      role: "user",
      content: [{ type: "summary", text: "Earlier: fixed the parser." }],
    };
    expect(estimator.countMessage(message)).toBe(3 + count("Earlier: fixed the parser."));
  });

  it("counts tool definitions by name, description and JSON schema plus framing", () => {
    const expected =
      8 +
      count("get_weather") +
      count("Current weather for a city.") +
      count(JSON.stringify(weatherTool.parameters));
    expect(estimator.countTools([weatherTool])).toBe(expected);
    expect(estimator.countTools(undefined)).toBe(0);
  });

  it("counts a conversation as system prompt + tools + messages + 3 tokens priming the reply", () => {
    const conversation: Conversation = {
      format: "openai-chat",
      system: [{ type: "text", text: "You are a careful agent." }],
      tools: [weatherTool],
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }, assistantCall, toolResult],
    };
    const expected =
      3 +
      count("You are a careful agent.") +
      estimator.countTools([weatherTool]) +
      estimator.countMessage(conversation.messages[0] as Message) +
      estimator.countMessage(assistantCall) +
      estimator.countMessage(toolResult) +
      3;
    expect(estimator.countConversation(conversation)).toBe(expected);
    expect(estimator.countMessages(conversation.messages)).toBe(
      expected - estimator.countSystem(conversation.system) - estimator.countTools([weatherTool]),
    );
  });

  it("does not call the tokenizer again for a message it has counted, nor for an equal copy", () => {
    const tokenizer = createSpyTokenizer();
    const memoising = createTokenEstimator({ tokenizer });
    const first = memoising.countMessage(assistantCall);
    const calls = tokenizer.encoded.length;
    expect(calls).toBeGreaterThan(0);
    expect(memoising.countMessage(assistantCall)).toBe(first);
    expect(memoising.countMessage(structuredClone(assistantCall))).toBe(first);
    expect(tokenizer.encoded.length).toBe(calls);
    expect(memoising.stats()).toEqual({ identityHits: 1, cacheHits: 1, misses: 1 });
  });

  it("ignores the pinned flag when memoising by content", () => {
    const tokenizer = createSpyTokenizer();
    const memoising = createTokenEstimator({ tokenizer });
    memoising.countMessage(toolResult);
    const calls = tokenizer.encoded.length;
    memoising.countMessage({ ...toolResult, pinned: true });
    expect(tokenizer.encoded.length).toBe(calls);
  });

  it("tokenises a changed message again", () => {
    const tokenizer = createSpyTokenizer();
    const memoising = createTokenEstimator({ tokenizer });
    memoising.countMessage({ role: "user", content: [{ type: "text", text: "one" }] });
    memoising.countMessage({ role: "user", content: [{ type: "text", text: "two" }] });
    expect(tokenizer.encoded).toEqual(["one", "two"]);
  });

  it("rejects invalid options, naming the option", () => {
    expect(() => createTokenEstimator({ cacheSize: 0 })).toThrow(InvalidOptionError);
    expect(() => createTokenEstimator({ cacheSize: 0 })).toThrow(
      /`cacheSize` to be a positive integer, got `0`/,
    );
    expect(() => createTokenEstimator({ imageTokens: -1 })).toThrow(/`imageTokens`/);
    expect(() => createTokenEstimator({ messageOverhead: 1.5 })).toThrow(/`messageOverhead`/);
    expect(() => createTokenEstimator({ tokenizer: {} as never })).toThrow(/`tokenizer`/);
  });
});
