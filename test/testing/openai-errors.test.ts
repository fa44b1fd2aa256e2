import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";

const model = "gpt-4.1";
let server: TestServer;
let client: OpenAI;

beforeEach(async () => {
  server = await startTestServer();
  client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 });
});
afterEach(() => server.close());

const chat = (messages: unknown[]) =>
  client.chat.completions.create({ model, messages: messages as OpenAI.ChatCompletionMessageParam[] });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );

describe("scripted OpenAI errors surface as the SDK's own error classes", () => {
  it("answers 429 with retry-after as a RateLimitError", async () => {
    server.enqueue(reply.error(429, { retryAfter: 2 }));
    const error = await failure(chat([{ role: "user", content: "hi" }]));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.headers.get("retry-after")).toBe("2");
    expect(rateLimit.code).toBe("rate_limit_exceeded");
  });

  it("answers 500 as an InternalServerError with a server_error body", async () => {
    server.enqueue(reply.error(500));
    const error = await failure(client.responses.create({ model, input: "hi" }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe("server_error");
  });

  it("rejects a malformed body, streaming or not", async () => {
    server.enqueue(reply.malformed(), reply.malformed("{"));
    await expect(chat([{ role: "user", content: "hi" }])).rejects.toThrow(SyntaxError);
    const stream = client.responses.stream({ model, input: "hi" });
    const error = await failure(stream.finalResponse());
    expect(error instanceof SyntaxError || (error as Error).cause instanceof SyntaxError).toBe(true);
  });

  it("breaks chat and responses streams off mid-way", async () => {
    server.enqueue(
      reply.brokenStream(2, "an answer cut short"),
      reply.brokenStream(4, "an answer cut short"),
    );
    const chunks: unknown[] = [];
    const chatStream = client.chat.completions.stream({ model, messages: [{ role: "user", content: "hi" }] });
    chatStream.on("chunk", (chunk) => chunks.push(chunk));
    await expect(chatStream.finalChatCompletion()).rejects.toThrow();
    expect(chunks).toHaveLength(2);
    const events: string[] = [];
    const responseStream = client.responses.stream({ model, input: "hi" });
    responseStream.on("event", (event) => events.push(event.type));
    await expect(responseStream.finalResponse()).rejects.toThrow();
    expect(events).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
  });
});

describe("OpenAI request validation answers 400 like the real API", () => {
  const call = { id: "call_1", type: "function", function: { name: "bash", arguments: "{}" } };

  it.each<[string, unknown[], RegExp, string]>([
    [
      "a tool message without a preceding tool call",
      [
        { role: "user", content: "hi" },
        { role: "tool", tool_call_id: "call_1", content: "x" },
      ],
      /messages with role 'tool' must be a response to a preceeding message with 'tool_calls'/,
      "messages.[1].role",
    ],
    [
      "a tool call without its tool message",
      [
        { role: "user", content: "hi" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "user", content: "go" },
      ],
      /did not have response messages: call_1/,
      "messages.[1].role",
    ],
    [
      "a tool message answering another call id",
      [
        { role: "user", content: "hi" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: "call_2", content: "x" },
      ],
      /must be a response to a preceeding message/,
      "messages.[2].role",
    ],
  ])("rejects %s with a BadRequestError", async (_name, messages, message, param) => {
    const error = await failure(chat(messages));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badRequest.message).toMatch(message);
    expect(badRequest.param).toBe(param);
    expect(badRequest.type).toBe("invalid_request_error");
  });

  it("rejects a missing model", async () => {
    const error = await failure(
      client.chat.completions.create({ messages: [{ role: "user", content: "hi" }] } as never),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it.each<[string, unknown[], RegExp]>([
    [
      "a function_call_output without its function_call",
      [
        { role: "user", content: "hi" },
        { type: "function_call_output", call_id: "call_9", output: "x" },
      ],
      /No tool call found for function call output with call_id call_9/,
    ],
    [
      "a function_call without its output",
      [
        { role: "user", content: "hi" },
        { type: "function_call", call_id: "call_9", name: "bash", arguments: "{}" },
      ],
      /No tool output found for function call call_9/,
    ],
  ])("rejects Responses input with %s", async (_name, input, message) => {
    const error = await failure(
      client.responses.create({ model, input: input as OpenAI.Responses.ResponseInput }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(message);
    expect(server.requests[0]?.validationError).toMatch(message);
  });

  it("accepts a function_call_output without its call when chained with previous_response_id", async () => {
    const input = [{ type: "function_call_output" as const, call_id: "call_9", output: "x" }];
    await expect(
      client.responses.create({ model, input, previous_response_id: "resp_1" }),
    ).resolves.toMatchObject({
      status: "completed",
    });
  });
});
