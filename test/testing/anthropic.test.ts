import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";

const model = "claude-sonnet-4-6";
let server: TestServer;
let client: Anthropic;

beforeEach(async () => {
  server = await startTestServer({ deltaCharacters: 5 });
  client = new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
});
afterEach(() => server.close());

/** The documented default estimate of one message block's tokens. */
function blockTokens(role: string, block: unknown): number {
  return Math.ceil(JSON.stringify({ role, block }).length / 4);
}

describe("Anthropic Messages against the test server", () => {
  it("answers a plain request with the default echo script and usage computed from the prompt", async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 64,
      messages: [{ role: "user", content: "hello there" }],
    });
    expect(message.content).toEqual([{ type: "text", text: "Echo: hello there" }]);
    expect(message.stop_reason).toBe("end_turn");
    const expectedInput = blockTokens("user", { type: "text", text: "hello there" });
    expect(message.usage.input_tokens).toBe(expectedInput);
    expect(message.usage.cache_read_input_tokens).toBe(0);
    const replyPart = { type: "text", text: "Echo: hello there" };
    expect(message.usage.output_tokens).toBe(Math.ceil(JSON.stringify(replyPart).length / 4));
    expect(server.requests[0]?.usage).toMatchObject({
      inputTokens: expectedInput,
      promptTokens: expectedInput,
    });
    expect(server.requests[0]?.path).toBe("/v1/messages");
    expect(server.requests[0]?.headers.authorization).toBe("Bearer test");
  });

  it("streams the event sequence of the real API with stream: true", async () => {
    server.enqueue(reply.toolCall("bash", { command: "ls -la" }, { text: "Listing files" }));
    const stream = await client.messages.create({
      model,
      max_tokens: 64,
      stream: true,
      messages: [{ role: "user", content: "list files" }],
    });
    const types: string[] = [];
    let json = "";
    for await (const event of stream) {
      types.push(event.type === "content_block_delta" ? `delta:${event.delta.type}` : event.type);
      if (event.type === "content_block_delta" && event.delta.type === "input_json_delta")
        json += event.delta.partial_json;
    }
    const collapsed = types.filter((type, index) => type !== types[index - 1]);
    expect(collapsed).toEqual([
      "message_start",
      "content_block_start",
      "delta:text_delta",
      "content_block_stop",
      "content_block_start",
      "delta:input_json_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(types.filter((type) => type === "delta:text_delta")).toHaveLength(3); // "Listing files" in 5-character deltas
    expect(JSON.parse(json)).toEqual({ command: "ls -la" });
  });

  it("sends a ping after the first content_block_start on the wire", async () => {
    const response = await fetch(`${server.url}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({
        model,
        max_tokens: 8,
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const names = [...(await response.text()).matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
    expect(names.slice(0, 3)).toEqual(["message_start", "content_block_start", "ping"]);
    expect(names.at(-1)).toBe("message_stop");
  });

  it("builds the same final message with the .stream() helper as without streaming", async () => {
    const answer = reply.thinking(
      "The user wants a listing.",
      "c2lnbmF0dXJl",
      reply.toolCall("bash", { command: "ls" }, { id: "toolu_1" }),
    );
    server.enqueue(answer, answer);
    const request = { model, max_tokens: 256, messages: [{ role: "user" as const, content: "list" }] };
    const streamed = await client.messages.stream(request).finalMessage();
    const plain = await client.messages.create(request);
    expect(streamed.content).toEqual(plain.content);
    expect(streamed.content).toEqual([
      { type: "thinking", thinking: "The user wants a listing.", signature: "c2lnbmF0dXJl" },
      { type: "tool_use", id: "toolu_1", name: "bash", input: { command: "ls" }, caller: { type: "direct" } },
    ]);
    expect(streamed.stop_reason).toBe("tool_use");
    expect(streamed.usage).toEqual(plain.usage);
    expect(streamed.usage.output_tokens_details?.thinking_tokens).toBe(
      server.requests[0]?.usage?.reasoningTokens,
    );
  });

  it("accepts the tool result of a scripted tool call", async () => {
    server.enqueue(reply.toolCall("read_file", { path: "a.txt" }), "The file says hi.");
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "read a.txt" }];
    const first = await client.messages.create({ model, max_tokens: 64, messages });
    const call = first.content[0];
    expect(call?.type).toBe("tool_use");
    if (call?.type !== "tool_use") throw new Error(`expected a tool_use block, got ${call?.type}`);
    messages.push({ role: "assistant", content: first.content as Anthropic.ContentBlockParam[] });
    messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "hi" }] });
    const second = await client.messages.create({ model, max_tokens: 64, messages });
    expect(second.content[0]).toMatchObject({ type: "text", text: "The file says hi." });
    expect(server.requests.map((request) => request.status)).toEqual([200, 200]);
  });
});

describe("Anthropic prompt caching on the test server", () => {
  const system: Anthropic.TextBlockParam[] = [
    { type: "text", text: "You are a careful agent. ".repeat(200), cache_control: { type: "ephemeral" } },
  ];
  const systemTokens = Math.ceil(JSON.stringify({ type: "text", text: system[0]?.text }).length / 4);

  it("writes the prefix at a breakpoint, then reads it on the next call", async () => {
    const first = await client.messages.create({
      model,
      max_tokens: 8,
      system,
      messages: [{ role: "user", content: "a" }],
    });
    expect(first.usage.cache_creation_input_tokens).toBe(systemTokens);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(systemTokens);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    const messages: Anthropic.MessageParam[] = [
      { role: "user", content: "a" },
      { role: "assistant", content: "Echo: a" },
      { role: "user", content: "b" },
    ];
    const second = await client.messages.create({ model, max_tokens: 8, system, messages });
    expect(second.usage.cache_read_input_tokens).toBe(systemTokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    const total = server.requests[1]?.prompt?.totalTokens ?? 0;
    expect(second.usage.input_tokens).toBe(total - systemTokens);
  });

  it("reports 1-hour writes apart and moves an automatic breakpoint to the last block", async () => {
    const longSystem = [
      { ...system[0], cache_control: { type: "ephemeral" as const, ttl: "1h" as const } },
    ] as Anthropic.TextBlockParam[];
    const first = await client.messages.create({
      model,
      max_tokens: 8,
      system: longSystem,
      cache_control: { type: "ephemeral" },
      messages: [{ role: "user", content: "question one" }],
    });
    const total = server.requests[0]?.prompt?.totalTokens ?? 0;
    expect(first.usage.cache_creation).toEqual({
      ephemeral_1h_input_tokens: systemTokens,
      ephemeral_5m_input_tokens: total - systemTokens,
    });
    expect(first.usage.input_tokens).toBe(0);
  });

  it("does not cache a prefix shorter than the minimum", async () => {
    const short = [
      { type: "text" as const, text: "Be brief.", cache_control: { type: "ephemeral" as const } },
    ];
    await client.messages.create({
      model,
      max_tokens: 8,
      system: short,
      messages: [{ role: "user", content: "a" }],
    });
    const again = await client.messages.create({
      model,
      max_tokens: 8,
      system: short,
      messages: [{ role: "user", content: "a" }],
    });
    expect(again.usage.cache_creation_input_tokens).toBe(0);
    expect(again.usage.cache_read_input_tokens).toBe(0);
  });
});
