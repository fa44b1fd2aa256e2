import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";

const model = "gpt-4.1";
let server: TestServer;
let client: OpenAI;

beforeEach(async () => {
  server = await startTestServer({ deltaCharacters: 4 });
  client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 });
});
afterEach(() => server.close());

const user = (content: string): OpenAI.ChatCompletionMessageParam => ({ role: "user", content });

describe("OpenAI Chat Completions against the test server", () => {
  it("answers a plain request with usage whose prompt_tokens include the cached tokens", async () => {
    const completion = await client.chat.completions.create({ model, messages: [user("hello")] });
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: "Echo: hello" });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const expectedPrompt = Math.ceil(JSON.stringify({ role: "user", content: "hello" }).length / 4);
    expect(completion.usage).toMatchObject({
      prompt_tokens: expectedPrompt,
      prompt_tokens_details: { cached_tokens: 0 },
      total_tokens: expectedPrompt + (completion.usage?.completion_tokens ?? 0),
    });
    expect(server.requests[0]?.path).toBe("/v1/chat/completions");
  });

  it("streams chunks with a final usage chunk and [DONE] when include_usage is set", async () => {
    server.enqueue(reply.toolCall("bash", { command: "ls" }, { text: "Let me look" }));
    const stream = await client.chat.completions.create({
      model,
      messages: [user("look")],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    const args = chunks
      .map((chunk) => chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "")
      .join("");
    expect(text).toBe("Let me look");
    expect(JSON.parse(args)).toEqual({ command: "ls" });
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.prompt_tokens).toBe(server.requests[0]?.usage?.promptTokens);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it("sends no usage chunk without include_usage, as the real API does", async () => {
    const stream = await client.chat.completions.create({ model, messages: [user("hi")], stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(true);
  });

  it("accumulates the same completion with the .stream() helper as without streaming", async () => {
    const answer = reply.message([
      { type: "text", text: "Two calls:" },
      { type: "tool_call", name: "read", input: { path: "a" }, id: "call_a" },
      { type: "tool_call", name: "read", input: { path: "b" }, id: "call_b" },
    ]);
    server.enqueue(answer, answer);
    const request = { model, messages: [user("read both")], stream_options: { include_usage: true } };
    const streamed = await client.chat.completions.stream(request).finalChatCompletion();
    const plain = await client.chat.completions.create({ model, messages: [user("read both")] });
    expect(streamed.choices[0]?.message.content).toBe(plain.choices[0]?.message.content);
    expect(streamed.choices[0]?.message.tool_calls).toEqual(plain.choices[0]?.message.tool_calls);
    expect(streamed.choices[0]?.message.tool_calls?.map((call) => call.id)).toEqual(["call_a", "call_b"]);
    expect(streamed.usage).toEqual(plain.usage);
  });

  it("runs a tool loop with the SDK's runTools runner", async () => {
    server.enqueue(reply.toolCall("get_weather", { city: "Oslo" }), "It is 3 degrees in Oslo.");
    const seen: unknown[] = [];
    const runner = client.chat.completions.runTools({
      model,
      messages: [user("weather in Oslo?")],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather",
            parameters: { type: "object", properties: { city: { type: "string" } } },
            parse: JSON.parse,
            function: (args: { city: string }) => {
              seen.push(args);
              return { city: args.city, celsius: 3 };
            },
          },
        },
      ],
    });
    expect(await runner.finalContent()).toBe("It is 3 degrees in Oslo.");
    expect(seen).toEqual([{ city: "Oslo" }]);
    const second = server.requests[1]?.body as { messages: Array<{ role: string; tool_call_id?: string }> };
    expect(second.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    expect(server.requests.map((request) => request.status)).toEqual([200, 200]);
  });

  it("reports cached tokens in 128-token steps once a prefix of 1024 tokens repeats", async () => {
    const system: OpenAI.ChatCompletionMessageParam = {
      role: "system",
      content: "Follow the rules. ".repeat(300),
    };
    const first = await client.chat.completions.create({ model, messages: [system, user("a")] });
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const messages = [system, user("a"), { role: "assistant" as const, content: "Echo: a" }, user("b")];
    const second = await client.chat.completions.create({ model, messages });
    const cachedPrefix = server.requests[0]?.prompt?.totalTokens ?? 0;
    const expected = 1024 + Math.floor((cachedPrefix - 1024) / 128) * 128;
    expect(cachedPrefix).toBeGreaterThan(1024);
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBe(expected);
    expect(server.requests[1]?.usage?.cacheReadTokens).toBe(expected);
  });
});
