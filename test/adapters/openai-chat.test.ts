import { describe, expect, it } from "vitest";
import type {
  ChatCompletionCreateParams,
  ChatCompletionMessage,
} from "openai/resources/chat/completions/completions";
import {
  fromOpenAIChatRequest,
  fromOpenAIChatResponse,
  toOpenAIChatRequest,
} from "../../src/adapters/openai-chat.js";
import type { Conversation } from "../../src/transcript/types.js";

const request = {
  model: "gpt-4o",
  temperature: 0,
  tools: [
    {
      type: "function",
      function: {
        name: "bash",
        description: "Runs a command",
        parameters: { type: "object" },
        strict: false,
      },
    },
    { type: "custom", custom: { name: "patch" } },
  ],
  messages: [
    { role: "developer", content: "Be brief." },
    { role: "system", content: [{ type: "text", text: "You are an agent." }], name: "boss" },
    {
      role: "user",
      content: [
        { type: "text", text: "What is in this picture?" },
        { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "high" } },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
        { type: "file", file: { file_id: "file-1" } },
      ],
    },
    {
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [
        {
          id: "call_1",
          type: "function",
          function: { name: "bash", arguments: '{"command": "ls",  "x":1}' },
        },
        { id: "call_2", type: "custom", custom: { name: "patch", input: "*** Begin Patch" } },
      ],
    },
    { role: "tool", tool_call_id: "call_1", content: "a.py\nb.py", name: "bash" },
    { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "applied" }] },
    { role: "assistant", content: null, function_call: { name: "legacy", arguments: "{}" } },
    { role: "function", name: "legacy", content: null },
    {
      role: "assistant",
      content: [],
      tool_calls: [{ id: "call_3", type: "function", function: { name: "bash", arguments: "not json" } }],
    },
    { role: "tool", tool_call_id: "call_3", content: "ok" },
    { role: "assistant", content: "Done." },
  ],
} as unknown as ChatCompletionCreateParams;

describe("fromOpenAIChatRequest", () => {
  const conversation = fromOpenAIChatRequest(request);

  it("keeps system and developer messages in place, remembering the developer role", () => {
    expect(conversation.messages[0]).toEqual({
      role: "system",
      content: [{ type: "text", text: "Be brief." }],
      wire: { content: "string", role: "developer" },
    });
    expect(conversation.messages[1]).toEqual({
      role: "system",
      content: [{ type: "text", text: "You are an agent." }],
      extra: { name: "boss" },
    });
  });

  it("maps text and image parts (data URLs as base64) and keeps audio and files opaque", () => {
    expect(conversation.messages[2]?.content).toEqual([
      { type: "text", text: "What is in this picture?" },
      {
        type: "image",
        source: { kind: "url", url: "https://example.com/cat.png" },
        extra: { image_url: { detail: "high" } },
      },
      { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" } },
      {
        type: "opaque",
        format: "openai-chat",
        value: { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
      },
      { type: "opaque", format: "openai-chat", value: { type: "file", file: { file_id: "file-1" } } },
    ]);
  });

  it("keeps tool call arguments byte for byte and parses them when they are JSON", () => {
    expect(conversation.messages[3]).toEqual({
      role: "assistant",
      content: [
        {
          type: "tool_call",
          id: "call_1",
          name: "bash",
          input: { command: "ls", x: 1 },
          rawArguments: '{"command": "ls",  "x":1}',
        },
        {
          type: "tool_call",
          id: "call_2",
          name: "patch",
          input: "*** Begin Patch",
          extra: { type: "custom" },
        },
      ],
      wire: { content: "null" },
      extra: { refusal: null },
    });
    expect(conversation.messages[8]?.content[0]).toMatchObject({
      input: "not json",
      rawArguments: "not json",
    });
  });

  it("turns each tool message into a tool message with one named result", () => {
    expect(conversation.messages[4]).toEqual({
      role: "tool",
      content: [
        {
          type: "tool_result",
          callId: "call_1",
          name: "bash",
          content: [{ type: "text", text: "a.py\nb.py" }],
          wire: { content: "string" },
        },
      ],
      extra: { name: "bash" },
    });
    expect(conversation.messages[5]?.content[0]).toEqual({
      type: "tool_result",
      callId: "call_2",
      name: "patch",
      content: [{ type: "text", text: "applied" }],
    });
  });

  it("keeps the legacy function role and function_call losslessly", () => {
    expect(conversation.messages[6]).toMatchObject({
      role: "assistant",
      content: [],
      extra: { function_call: { name: "legacy" } },
    });
    expect(conversation.messages[7]).toEqual({
      role: "tool",
      content: [],
      wire: { content: "null", role: "function" },
      extra: { name: "legacy" },
    });
  });

  it("maps function tools and keeps custom tools whole", () => {
    expect(conversation.tools).toEqual([
      {
        name: "bash",
        description: "Runs a command",
        parameters: { type: "object" },
        extra: { function: { strict: false } },
      },
      { name: "patch", extra: { type: "custom", custom: { name: "patch" } } },
    ]);
  });

  it("round-trips the request exactly, including an empty content list", () => {
    expect(toOpenAIChatRequest(conversation)).toStrictEqual(request);
  });
});

describe("toOpenAIChatRequest", () => {
  it("writes a new assistant message with only tool calls with null content", () => {
    const conversation: Conversation = {
      format: "openai-chat",
      model: "gpt-4o",
      messages: [
        { role: "user", content: [{ type: "summary", text: "Earlier: tests fail." }] },
        {
          role: "assistant",
          content: [{ type: "tool_call", id: "c", name: "bash", input: { command: "ls" } }],
        },
        {
          role: "tool",
          content: [{ type: "tool_result", callId: "c", content: [{ type: "text", text: "x" }] }],
        },
      ],
    };
    expect(toOpenAIChatRequest(conversation).messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Earlier: tests fail." }] },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c", type: "function", function: { name: "bash", arguments: '{"command":"ls"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c", content: [{ type: "text", text: "x" }] },
    ]);
  });

  it("refuses thinking blocks, which chat messages cannot carry", () => {
    const conversation: Conversation = {
      format: "openai-chat",
      messages: [{ role: "assistant", content: [{ type: "thinking", text: "hmm", signature: "s" }] }],
    };
    expect(() => toOpenAIChatRequest(conversation)).toThrow(/messages\[0\]\.content\[0\]/);
  });
});

describe("fromOpenAIChatResponse", () => {
  it("turns a choice message into an assistant message", () => {
    const message = {
      role: "assistant",
      content: "Let me look.",
      refusal: null,
      annotations: [],
      tool_calls: [{ id: "call_9", type: "function", function: { name: "bash", arguments: "{}" } }],
    } as unknown as ChatCompletionMessage;
    expect(fromOpenAIChatResponse(message)).toEqual({
      role: "assistant",
      content: [
        { type: "text", text: "Let me look." },
        { type: "tool_call", id: "call_9", name: "bash", input: {}, rawArguments: "{}" },
      ],
      wire: { content: "string" },
      extra: { refusal: null, annotations: [] },
    });
  });
});
