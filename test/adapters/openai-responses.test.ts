import { describe, expect, it } from "vitest";
import type { ResponseCreateParams, ResponseOutputItem } from "openai/resources/responses/responses";
import {
  fromOpenAIResponsesOutput,
  fromOpenAIResponsesRequest,
  toOpenAIResponsesRequest,
} from "../../src/adapters/openai-responses.js";
import type { Conversation } from "../../src/transcript/types.js";

const request = {
  model: "gpt-5",
  instructions: "You are a coding agent.",
  store: false,
  include: ["reasoning.encrypted_content"],
  tools: [
    {
      type: "function",
      name: "bash",
      description: "Runs a command",
      parameters: { type: "object" },
      strict: true,
    },
    { type: "web_search" },
  ],
  input: [
    { role: "developer", content: "Prefer small diffs." },
    {
      type: "message",
      role: "user",
      content: [
        { type: "input_text", text: "Fix the bug in this screenshot." },
        { type: "input_image", detail: "auto", image_url: "https://example.com/s.png" },
        { type: "input_file", file_id: "file-1" },
      ],
    },
    {
      type: "reasoning",
      id: "rs_1",
      summary: [{ type: "summary_text", text: "Look at the code." }],
      encrypted_content: "gAAAAB==",
    },
    {
      type: "function_call",
      id: "fc_1",
      call_id: "call_1",
      name: "bash",
      arguments: '{"command":"ls"}',
      status: "completed",
    },
    { type: "function_call_output", call_id: "call_1", output: "a.py" },
    { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "bug" } },
    { type: "compaction", encrypted_content: "compacted==" },
    {
      type: "message",
      id: "msg_1",
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: "Fixed.", annotations: [] }],
    },
    { role: "assistant", content: [{ type: "input_text", text: "odd but accepted" }] },
  ],
} as unknown as ResponseCreateParams;

describe("fromOpenAIResponsesRequest", () => {
  const conversation = fromOpenAIResponsesRequest(request);

  it("reads instructions as the system prompt and keeps other fields", () => {
    expect(conversation.system).toEqual([{ type: "text", text: "You are a coding agent." }]);
    expect(conversation.extra).toEqual({ store: false, include: ["reasoning.encrypted_content"] });
  });

  it("maps message items, remembering developer, string content and item fields", () => {
    expect(conversation.messages[0]).toEqual({
      role: "system",
      content: [{ type: "text", text: "Prefer small diffs." }],
      wire: { content: "string", role: "developer" },
    });
    expect(conversation.messages[1]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "Fix the bug in this screenshot." },
        {
          type: "image",
          source: { kind: "url", url: "https://example.com/s.png" },
          extra: { detail: "auto" },
        },
        { type: "opaque", format: "openai-responses", value: { type: "input_file", file_id: "file-1" } },
      ],
      extra: { type: "message" },
    });
  });

  it("keeps reasoning summary and encrypted content", () => {
    expect(conversation.messages[2]).toEqual({
      role: "assistant",
      content: [
        {
          type: "thinking",
          text: "Look at the code.",
          encryptedContent: "gAAAAB==",
          extra: { id: "rs_1", summary: [{ type: "summary_text", text: "Look at the code." }] },
        },
      ],
    });
  });

  it("maps function calls and outputs by call_id", () => {
    expect(conversation.messages[3]?.content).toEqual([
      {
        type: "tool_call",
        id: "call_1",
        name: "bash",
        input: { command: "ls" },
        rawArguments: '{"command":"ls"}',
        extra: { id: "fc_1", status: "completed" },
      },
    ]);
    expect(conversation.messages[4]).toEqual({
      role: "tool",
      content: [
        {
          type: "tool_result",
          callId: "call_1",
          name: "bash",
          content: [{ type: "text", text: "a.py" }],
          wire: { content: "string" },
        },
      ],
    });
  });

  it("keeps web search and compaction items whole as opaque items", () => {
    expect(conversation.messages[5]).toMatchObject({
      role: "assistant",
      wire: { item: true },
      content: [{ type: "opaque", value: { type: "web_search_call" } }],
    });
    expect(conversation.messages[6]).toMatchObject({
      wire: { item: true },
      content: [{ value: { type: "compaction" } }],
    });
  });

  it("keeps an unusual text part type in extra", () => {
    expect(conversation.messages[8]?.content[0]).toEqual({
      type: "text",
      text: "odd but accepted",
      extra: { type: "input_text" },
    });
  });

  it("round-trips the request exactly", () => {
    expect(toOpenAIResponsesRequest(conversation)).toStrictEqual(request);
  });

  it("round-trips a string input and a missing input", () => {
    const text = { model: "gpt-5", input: "hello" } as ResponseCreateParams;
    expect(fromOpenAIResponsesRequest(text).messages).toEqual([
      { role: "user", content: [{ type: "text", text: "hello" }] },
    ]);
    expect(toOpenAIResponsesRequest(fromOpenAIResponsesRequest(text))).toStrictEqual(text);
    const none = {
      model: "gpt-5",
      previous_response_id: "resp_1",
      instructions: null,
    } as ResponseCreateParams;
    expect(toOpenAIResponsesRequest(fromOpenAIResponsesRequest(none))).toStrictEqual(none);
  });
});

describe("toOpenAIResponsesRequest", () => {
  it("splits a neutral assistant message into reasoning, message and function_call items", () => {
    const conversation: Conversation = {
      format: "openai-responses",
      messages: [
        { role: "user", content: [{ type: "summary", text: "So far: tests fail." }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", text: "check", encryptedContent: "enc" },
            { type: "text", text: "Looking." },
            { type: "tool_call", id: "c1", name: "bash", input: { command: "ls" } },
          ],
        },
      ],
    };
    expect(toOpenAIResponsesRequest(conversation).input).toEqual([
      { role: "user", content: [{ type: "input_text", text: "So far: tests fail." }] },
      { type: "reasoning", summary: [{ type: "summary_text", text: "check" }], encrypted_content: "enc" },
      { role: "assistant", content: [{ type: "output_text", text: "Looking." }] },
      { type: "function_call", call_id: "c1", name: "bash", arguments: '{"command":"ls"}' },
    ]);
  });
});

describe("fromOpenAIResponsesOutput", () => {
  it("turns output items into one neutral message each", () => {
    const output = [
      { type: "reasoning", id: "rs_2", summary: [], encrypted_content: "e" },
      {
        type: "function_call",
        id: "fc_2",
        call_id: "call_2",
        name: "bash",
        arguments: "{}",
        status: "completed",
      },
    ] as unknown as ResponseOutputItem[];
    const messages = fromOpenAIResponsesOutput(output);
    expect(messages.map((message) => message.content[0]?.type)).toEqual(["thinking", "tool_call"]);
    expect(messages[0]?.content[0]).toEqual({
      type: "thinking",
      text: "",
      encryptedContent: "e",
      extra: { id: "rs_2", summary: [] },
    });
  });
});
