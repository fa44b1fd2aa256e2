import Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";

const model = "claude-sonnet-4-6";
let server: TestServer;
let client: Anthropic;

beforeEach(async () => {
  server = await startTestServer();
  client = new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
});
afterEach(() => server.close());

const ask = (extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) =>
  client.messages.create({ model, max_tokens: 32, messages: [{ role: "user", content: "hi" }], ...extra });

describe("scripted Anthropic errors surface as the SDK's own error classes", () => {
  it("answers 429 with retry-after as a RateLimitError", async () => {
    server.enqueue(reply.error(429, { retryAfter: 7 }));
    const error = await ask().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const rateLimit = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get("retry-after")).toBe("7");
    expect(rateLimit.type).toBe("rate_limit_error");
    expect(rateLimit.requestID).toMatch(/^req_test_/);
  });

  it("answers 500 as an InternalServerError and 529 as an overloaded APIError", async () => {
    server.enqueue(reply.error(500), reply.error(529, { message: "Overloaded" }));
    const internal = await ask().catch((caught: unknown) => caught);
    expect(internal).toBeInstanceOf(Anthropic.InternalServerError);
    expect((internal as InstanceType<typeof Anthropic.APIError>).status).toBe(500);
    const overloaded = await ask().catch((caught: unknown) => caught);
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
  });

  it("rejects a malformed JSON body, streaming or not", async () => {
    server.enqueue(reply.malformed(), reply.malformed());
    await expect(ask()).rejects.toThrow(SyntaxError);
    const stream = client.messages.stream({
      model,
      max_tokens: 8,
      messages: [{ role: "user", content: "hi" }],
    });
    const error = await stream.finalMessage().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.AnthropicError);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it("breaks a stream off after the given number of events and the helper rejects", async () => {
    server.enqueue(reply.brokenStream(3, "a long answer that never arrives in full"));
    const received: string[] = [];
    const stream = client.messages.stream({
      model,
      max_tokens: 64,
      messages: [{ role: "user", content: "hi" }],
    });
    stream.on("streamEvent", (event) => received.push(event.type));
    await expect(stream.finalMessage()).rejects.toThrow();
    // message_start, content_block_start, ping (dropped by the SDK): the third event was the last one sent.
    expect(received).toEqual(["message_start", "content_block_start"]);
    expect(server.requests[0]?.usage?.promptTokens).toBeGreaterThan(0);
  });

  it("drops the connection of a non-streaming request whose reply is a broken stream", async () => {
    server.enqueue(reply.brokenStream(0));
    await expect(ask()).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
    expect(server.requests[0]?.status).toBe(0);
  });
});

describe("Anthropic request validation answers 400 like the real API", () => {
  const toolUse = { type: "tool_use" as const, id: "toolu_1", name: "bash", input: { command: "ls" } };
  const toolResult = { type: "tool_result" as const, tool_use_id: "toolu_1", content: "a.txt" };
  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ["a missing model", { model: undefined }, /model: Field required/],
    ["a missing max_tokens", { max_tokens: undefined }, /max_tokens: Field required/],
    [
      "a first message from the assistant",
      { messages: [{ role: "assistant", content: "hi" }] },
      /first message/,
    ],
    [
      "a tool_result without its tool_use",
      {
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "ok" },
          { role: "user", content: [toolResult] },
        ],
      },
      /messages\.2\.content\.0: unexpected `tool_use_id`.*toolu_1/,
    ],
    [
      "a tool_use without its tool_result",
      {
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: [toolUse] },
          { role: "user", content: "never mind" },
        ],
      },
      /messages\.1: `tool_use` ids were found without `tool_result`.*toolu_1/,
    ],
    [
      "thinking without its signature",
      {
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: [{ type: "thinking", thinking: "hm" }] },
          { role: "user", content: "go on" },
        ],
      },
      /thinking\.signature: Field required/,
    ],
    [
      "five cache_control breakpoints",
      {
        system: [1, 2, 3, 4, 5].map((index) => ({
          type: "text",
          text: `s${index}`,
          cache_control: { type: "ephemeral" },
        })),
      },
      /A maximum of 4 blocks with cache_control may be provided. Found 5./,
    ],
  ];

  it.each(invalid)("rejects %s with a BadRequestError", async (_name, extra, message) => {
    const error = await ask(extra as Partial<Anthropic.MessageCreateParamsNonStreaming>).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe("invalid_request_error");
    expect(String((error as Error).message)).toMatch(message);
    expect(server.requests[0]?.validationError).toMatch(message);
    expect(server.requests[0]?.reply).toBeUndefined();
  });

  it("accepts a tool_result that answers the previous tool_use", async () => {
    const messages = [
      { role: "user", content: "hi" },
      { role: "assistant", content: [toolUse] },
      { role: "user", content: [toolResult] },
    ] as Anthropic.MessageParam[];
    await expect(ask({ messages })).resolves.toMatchObject({ type: "message" });
  });

  it("answers a body that is not JSON with an invalid_request_error", async () => {
    const response = await fetch(`${server.url}/v1/messages`, { method: "POST", body: "{oops" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });
});
