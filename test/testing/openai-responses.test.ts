import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";

const model = "gpt-5";
let server: TestServer;
let client: OpenAI;

beforeEach(async () => {
  server = await startTestServer({ deltaCharacters: 6 });
  client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 });
});
afterEach(() => server.close());

describe("OpenAI Responses against the test server", () => {
  it("answers a plain request with usage whose input_tokens include the cached tokens", async () => {
    const response = await client.responses.create({ model, instructions: "Be terse.", input: "hello" });
    expect(response.output_text).toBe("Echo: hello");
    expect(response.status).toBe("completed");
    const expectedInput =
      Math.ceil(JSON.stringify({ instructions: "Be terse." }).length / 4) +
      Math.ceil(JSON.stringify({ role: "user", content: "hello" }).length / 4);
    expect(response.usage).toMatchObject({
      input_tokens: expectedInput,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    });
    expect(server.requests[0]?.path).toBe("/v1/responses");
  });

  it("streams the event sequence of the real API with stream: true", async () => {
    server.enqueue(reply.toolCall("bash", { command: "ls" }, { text: "Looking" }));
    const stream = await client.responses.create({ model, input: "look", stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type).filter((type, index, all) => type !== all[index - 1]);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    const completed = events.at(-1);
    expect(completed?.type === "response.completed" && completed.response.usage?.input_tokens).toBe(
      server.requests[0]?.usage?.promptTokens,
    );
  });

  it("builds the same final response with the .stream() helper as without streaming", async () => {
    const answer = reply.thinking(
      "Need the listing.",
      "encrypted-1",
      reply.toolCall("bash", { command: "ls" }, { id: "call_1" }),
    );
    server.enqueue(answer, answer);
    const streamed = await client.responses.stream({ model, input: "list" }).finalResponse();
    const plain = await client.responses.create({ model, input: "list" });
    // Item ids carry the call number, and the stream helper adds `parsed_arguments`.
    const comparable = (output: OpenAI.Responses.ResponseOutputItem[]) =>
      output.map(({ id: _id, ...item }) => ({ ...item, parsed_arguments: undefined }));
    expect(comparable(streamed.output)).toEqual(comparable(plain.output));
    expect(streamed.output.map((item) => item.type)).toEqual(["reasoning", "function_call"]);
    expect(streamed.output[0]).toMatchObject({
      summary: [{ type: "summary_text", text: "Need the listing." }],
    });
    expect(streamed.output[1]).toMatchObject({
      call_id: "call_1",
      name: "bash",
      arguments: '{"command":"ls"}',
    });
    expect(streamed.usage).toEqual(plain.usage);
    expect(streamed.usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
  });

  it("accepts the function_call_output of a scripted function call", async () => {
    server.enqueue(reply.toolCall("read_file", { path: "a.txt" }), "It says hi.");
    const first = await client.responses.create({ model, input: "read a.txt" });
    const call = first.output.find((item) => item.type === "function_call");
    expect(call).toBeDefined();
    if (call?.type !== "function_call") throw new Error(`expected a function_call item, got ${call?.type}`);
    const input: OpenAI.Responses.ResponseInput = [
      { role: "user", content: "read a.txt" },
      call,
      { type: "function_call_output", call_id: call.call_id, output: "hi" },
    ];
    const second = await client.responses.create({ model, input });
    expect(second.output_text).toBe("It says hi.");
  });

  it("reports cached tokens on a repeated prefix", async () => {
    const instructions = "Follow the house style. ".repeat(250);
    await client.responses.create({ model, instructions, input: "a" });
    const second = await client.responses.create({
      model,
      instructions,
      input: [
        { role: "user", content: "a" },
        { role: "assistant", content: "Echo: a" },
        { role: "user", content: "b" },
      ],
    });
    // The first prompt was instructions + "a" as a string; the second sends "a" as an item: only the
    // instructions are a shared prefix.
    const instructionTokens = server.requests[0]?.prompt?.segments[0]?.tokens ?? 0;
    expect(instructionTokens).toBeGreaterThan(1024);
    expect(second.usage?.input_tokens_details.cached_tokens).toBe(
      1024 + Math.floor((instructionTokens - 1024) / 128) * 128,
    );
  });
});
