import type { Message as AnthropicMessage, MessageCreateParams } from "@anthropic-ai/sdk/resources/messages";
import { describe, expect, it } from "vitest";
import {
  fromAnthropicRequest,
  fromAnthropicResponse,
  toAnthropicRequest,
} from "../../src/adapters/anthropic.js";
import { ProviderFormatError } from "../../src/errors.js";
import type { Conversation } from "../../src/transcript/types.js";

const request = {
  model: "claude-sonnet-4-5",
  max_tokens: 1024,
  system: [
    { type: "text", text: "You are a coding agent.", cache_control: { type: "ephemeral", ttl: "1h" } },
  ],
  tools: [
    {
      name: "bash",
      description: "Runs a command",
      input_schema: { type: "object" },
      cache_control: { type: "ephemeral" },
    },
    { type: "web_search_20250305", name: "web_search", max_uses: 2 },
  ],
  thinking: { type: "enabled", budget_tokens: 2048 },
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "Fix the failing test." },
        { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
        { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
        { type: "document", source: { type: "text", media_type: "text/plain", data: "notes" } },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "Run the tests first.", signature: "EqQBCkYIARgCKkA=" },
        { type: "redacted_thinking", data: "EmwKAhgBEgy3va==" },
        { type: "text", text: "Running the tests.", citations: null },
        {
          type: "tool_use",
          id: "toolu_01",
          name: "bash",
          input: { command: "pytest" },
          caller: { type: "direct" },
        },
        { type: "server_tool_use", id: "srvtoolu_01", name: "web_search", input: { query: "pytest" } },
        { type: "web_search_tool_result", tool_use_id: "srvtoolu_01", content: [] },
      ],
    },
    {
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: "toolu_01",
          content: "1 failed",
          is_error: true,
          cache_control: { type: "ephemeral" },
        },
        { type: "text", text: "Keep going." },
      ],
    },
    { role: "assistant", content: "Done." },
  ],
} as unknown as MessageCreateParams;

describe("fromAnthropicRequest", () => {
  const conversation = fromAnthropicRequest(request);

  it("keeps model, system with its cache marker, and other request fields", () => {
    expect(conversation.format).toBe("anthropic");
    expect(conversation.model).toBe("claude-sonnet-4-5");
    expect(conversation.system).toEqual([
      { type: "text", text: "You are a coding agent.", cacheControl: { type: "ephemeral", ttl: "1h" } },
    ]);
    expect(conversation.extra).toEqual({
      max_tokens: 1024,
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
  });

  it("maps text, base64 and URL images, and keeps documents opaque", () => {
    expect(conversation.messages[0]?.content).toEqual([
      { type: "text", text: "Fix the failing test." },
      { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { kind: "url", url: "https://example.com/a.png" } },
      {
        type: "opaque",
        format: "anthropic",
        value: { type: "document", source: { type: "text", media_type: "text/plain", data: "notes" } },
      },
    ]);
  });

  it("maps thinking with its signature, redacted thinking, tool use, and keeps server tool blocks opaque", () => {
    const [thinking, redacted, text, call, server, serverResult] = conversation.messages[1]?.content ?? [];
    expect(thinking).toEqual({
      type: "thinking",
      text: "Run the tests first.",
      signature: "EqQBCkYIARgCKkA=",
    });
    expect(redacted).toEqual({ type: "thinking", text: "", redactedData: "EmwKAhgBEgy3va==" });
    expect(text).toEqual({ type: "text", text: "Running the tests.", extra: { citations: null } });
    expect(call).toEqual({
      type: "tool_call",
      id: "toolu_01",
      name: "bash",
      input: { command: "pytest" },
      extra: { caller: { type: "direct" } },
    });
    expect(server).toMatchObject({ type: "opaque", value: { type: "server_tool_use" } });
    expect(serverResult).toMatchObject({ type: "opaque", value: { type: "web_search_tool_result" } });
  });

  it("maps a tool result with string content, its error flag and cache marker, naming it after its call", () => {
    expect(conversation.messages[2]?.content[0]).toEqual({
      type: "tool_result",
      callId: "toolu_01",
      name: "bash",
      content: [{ type: "text", text: "1 failed" }],
      isError: true,
      cacheControl: { type: "ephemeral" },
      wire: { content: "string" },
    });
  });

  it("remembers string content and maps tools (server tools keep their type in extra)", () => {
    expect(conversation.messages[3]).toEqual({
      role: "assistant",
      content: [{ type: "text", text: "Done." }],
      wire: { content: "string" },
    });
    expect(conversation.tools).toEqual([
      {
        name: "bash",
        description: "Runs a command",
        parameters: { type: "object" },
        cacheControl: { type: "ephemeral" },
      },
      { name: "web_search", extra: { type: "web_search_20250305", max_uses: 2 } },
    ]);
  });

  it("round-trips the request exactly", () => {
    expect(toAnthropicRequest(conversation)).toStrictEqual(request);
  });

  it("keeps tool results with array or absent content, and odd cache markers, as they were", () => {
    const odd = {
      model: "m",
      max_tokens: 1,
      system: "plain system",
      messages: [
        { role: "user", content: [{ type: "text", text: "hi", cache_control: null }] },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "a", name: "t", input: {} },
            { type: "tool_use", id: "b", name: "t", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "a" },
            {
              type: "tool_result",
              tool_use_id: "b",
              content: [
                { type: "text", text: "ok" },
                { type: "search_result", source: "s", title: "t", content: [] },
              ],
            },
          ],
        },
      ],
    } as unknown as MessageCreateParams;
    const converted = fromAnthropicRequest(odd);
    expect(converted.wire).toEqual({ system: "string" });
    expect(converted.messages[0]?.content[0]).toEqual({
      type: "text",
      text: "hi",
      extra: { cache_control: null },
    });
    expect(converted.messages[2]?.content[0]).toMatchObject({ content: [], wire: { content: "absent" } });
    expect(converted.messages[2]?.content[1]).toMatchObject({
      content: [{ type: "text" }, { type: "opaque" }],
    });
    expect(toAnthropicRequest(converted)).toStrictEqual(odd);
  });
});

describe("toAnthropicRequest", () => {
  it("writes a list when a string message no longer holds exactly one plain text block", () => {
    const conversation = fromAnthropicRequest({
      model: "m",
      max_tokens: 1,
      messages: [{ role: "user", content: "task" }],
    });
    conversation.messages[0]?.content.push({ type: "summary", text: "earlier work" });
    expect(toAnthropicRequest(conversation).messages[0]?.content).toEqual([
      { type: "text", text: "task" },
      { type: "text", text: "earlier work" },
    ]);
  });

  it("refuses a tool role and opaque blocks from another format, naming the place", () => {
    const tool: Conversation = { format: "anthropic", messages: [{ role: "tool", content: [] }] };
    expect(() => toAnthropicRequest(tool)).toThrow(/messages\[0\]\.role/);
    const foreign: Conversation = {
      format: "anthropic",
      messages: [
        { role: "user", content: [{ type: "opaque", format: "openai-chat", value: { type: "file" } }] },
      ],
    };
    expect(() => toAnthropicRequest(foreign)).toThrow(ProviderFormatError);
  });
});

describe("fromAnthropicResponse", () => {
  it("turns the response content into an assistant message", () => {
    const response = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [
        { type: "thinking", thinking: "hmm", signature: "sig" },
        {
          type: "tool_use",
          id: "toolu_9",
          name: "bash",
          input: { command: "ls" },
          caller: { type: "direct" },
        },
      ],
      stop_reason: "tool_use",
      usage: { input_tokens: 10, output_tokens: 5 },
    } as unknown as AnthropicMessage;
    expect(fromAnthropicResponse(response)).toEqual({
      role: "assistant",
      content: [
        { type: "thinking", text: "hmm", signature: "sig" },
        {
          type: "tool_call",
          id: "toolu_9",
          name: "bash",
          input: { command: "ls" },
          extra: { caller: { type: "direct" } },
        },
      ],
    });
  });
});
