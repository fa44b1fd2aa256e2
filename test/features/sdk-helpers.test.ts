/**
 * README, Wrapping a client: `messages.parse()`, the tool runner (`beta.messages.toolRunner`), OpenAI
 * `chat.completions.runTools()` and `.parse()` go through the same path as `create`: each HTTP call the helper
 * makes is recorded once, with the server's usage and dollars, and compaction applies to what the helper sends.
 */
import Anthropic from "@anthropic-ai/sdk";
import { betaTool } from "@anthropic-ai/sdk/helpers/beta/json-schema";
import { jsonSchemaOutputFormat } from "@anthropic-ai/sdk/helpers/json-schema";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CallEvent,
  type CompactorEvent,
  sessionReport,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import { reply, type Script, startTestServer, type TestServer } from "../../src/testing/index.js";
import { oracleCost, sameDollars } from "../money/prices.js";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(script?: Script): Promise<TestServer> {
  const server = await startTestServer(script === undefined ? {} : { script });
  servers.push(server);
  return server;
}

function track() {
  const events: CompactorEvent[] = [];
  return {
    events,
    calls: () => events.filter((event): event is CallEvent => event.type === "call"),
    options: (session: string) => ({
      session,
      onEvent: (event: CompactorEvent) => events.push(event),
      diagnosticsChannel: false,
      summarizer: false as const,
    }),
  };
}

/** Every request the server answered was recorded once, with its usage and its dollars at list price. */
function expectBilledAsServed(server: TestServer, calls: CallEvent[], model: string): void {
  const answered = server.requests.filter((request) => request.usage !== undefined);
  expect(answered.length).toBeGreaterThan(0);
  expect(calls).toHaveLength(answered.length);
  for (const [index, request] of answered.entries()) {
    const usage = request.usage;
    const event = calls[index];
    if (!usage || !event) throw new Error(`call ${index} missing`);
    expect(event.usage.outputTokens, `call ${index}`).toBe(usage.outputTokens);
    expect(event.promptTokens, `call ${index}`).toBe(usage.promptTokens);
    expect(sameDollars(event.costUsd, oracleCost(model, usage)), `call ${index}`).toBe(true);
  }
}

const answerSchema = {
  type: "object",
  properties: { answer: { type: "number" }, reason: { type: "string" } },
  required: ["answer", "reason"],
  additionalProperties: false,
} as const;

describe("Anthropic messages.parse()", () => {
  it("returns parsed_output through a compacting session, billed as the server counted", async () => {
    const server = await serve((_request, context) =>
      reply.text(JSON.stringify({ answer: context.callIndex, reason: "because ".repeat(150) })),
    );
    const tracked = track();
    const client = withCompaction(
      new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        ...tracked.options("parse"),
        strategy: truncate({ targetRatio: 0.5, keepTurns: 1 }),
        trigger: tokenThreshold(2_500),
      },
    );
    const messages: Anthropic.MessageParam[] = [];
    for (let index = 0; index < 8; index++) {
      messages.push({ role: "user", content: `Question ${index}: ${"what is the count? ".repeat(40)}` });
      const parsed = await client.messages.parse({
        model: "claude-sonnet-4-6",
        max_tokens: 512,
        messages: [...messages],
        output_config: { format: jsonSchemaOutputFormat(answerSchema) },
      });
      expect(parsed.parsed_output?.answer).toBe(index);
      const text = parsed.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
      messages.push({ role: "assistant", content: text });
    }
    expectBilledAsServed(server, tracked.calls(), "claude-sonnet-4-6");
    const compactions = tracked.events.filter((event) => event.type === "compaction");
    expect(compactions.length).toBeGreaterThanOrEqual(1);
    // What the helper sent after the compaction was the compacted view, not the agent's full history.
    const last = server.requests.at(-1)?.body as { messages: unknown[] };
    expect(last.messages.length).toBeLessThan(messages.length - 1);
    expect(tracked.calls().at(-1)?.compacted).toBe(true);
    expect((await sessionReport(client)).calls).toBe(8);
  });

  it("works on beta.messages.parse() too", async () => {
    const server = await serve(() => reply.text(JSON.stringify({ answer: 4, reason: "2+2" })));
    const tracked = track();
    const client = withCompaction(
      new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      { ...tracked.options("beta-parse"), strategy: null },
    );
    const parsed = await client.beta.messages.parse({
      model: "claude-sonnet-4-6",
      max_tokens: 64,
      messages: [{ role: "user", content: "What is 2+2?" }],
      output_config: { format: jsonSchemaOutputFormat(answerSchema) },
    } as Parameters<typeof client.beta.messages.parse>[0]);
    expect((parsed.parsed_output as { answer: number } | null)?.answer).toBe(4);
    expectBilledAsServed(server, tracked.calls(), "claude-sonnet-4-6");
  });
});

describe.each([false, true])("Anthropic beta.messages.toolRunner (stream: %s)", (stream) => {
  // With `stream: true` the SDK's tool runner reads streamed responses; the wire-level core observes its own
  // branch of every response body, so each call of the loop is recorded and billed as the server counted it.
  it("runs the tool loop; every call of the loop is billed as the server counted it", async () => {
    const server = await serve([
      reply.toolCall("get_weather", { city: "Paris" }, { text: "Let me check." }),
      reply.toolCall("get_weather", { city: "Oslo" }),
      reply.text("Paris is sunny, Oslo is cold."),
    ]);
    const tracked = track();
    const client = withCompaction(
      new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      { ...tracked.options(`runner-${stream}`), strategy: null },
    );
    const asked: string[] = [];
    const weather = betaTool({
      name: "get_weather",
      description: "Weather of a city",
      inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      run: ({ city }) => {
        asked.push(city);
        return `${city}: ${city === "Paris" ? "sunny" : "cold"}`;
      },
    });
    const params = {
      model: "claude-sonnet-4-6",
      max_tokens: 256,
      messages: [{ role: "user" as const, content: "Weather in Paris and Oslo?" }],
      tools: [weather],
      // SDK 1.x runs the loop on a server-held message thread by default; the loopback server does not hold
      // threads, so the loop runs as the SDK does without one: the full history on every call.
      thread: false as const,
    };
    let final: { content: Array<{ type: string; text?: string }> };
    if (stream) {
      const runner = client.beta.messages.toolRunner({ ...params, stream: true });
      for await (const messageStream of runner)
        for await (const _event of messageStream) {
          // read every event
        }
      final = await runner.done();
    } else {
      final = await client.beta.messages.toolRunner(params);
    }
    expect(asked).toEqual(["Paris", "Oslo"]);
    expect(final.content.find((block) => block.type === "text")?.text).toBe("Paris is sunny, Oslo is cold.");
    expect(server.requests).toHaveLength(3);
    for (const request of server.requests) expect(request.validationError).toBeUndefined();
    expect(tracked.calls().every((event) => event.stream === stream)).toBe(true);
    expectBilledAsServed(server, tracked.calls(), "claude-sonnet-4-6");
    const report = await sessionReport(client);
    expect(report.calls).toBe(3);
    expect(report.outputTokens).toBe(
      server.requests.reduce((sum, request) => sum + (request.usage?.outputTokens ?? 0), 0),
    );
  });
});

describe.each([false, true])("OpenAI chat.completions.runTools() (stream: %s)", (stream) => {
  it("runs the tool loop; every call of the loop is billed as the server counted it", async () => {
    const server = await serve([
      reply.toolCall("get_weather", { city: "Paris" }),
      reply.toolCall("get_weather", { city: "Oslo" }),
      reply.text("Paris is sunny, Oslo is cold."),
    ]);
    const tracked = track();
    const client = withCompaction(
      new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        ...tracked.options(`run-tools-${stream}`),
        strategy: null,
      },
    );
    const asked: string[] = [];
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "get_weather",
          description: "Weather of a city",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          parse: (input: string) => JSON.parse(input) as { city: string },
          function: ({ city }: { city: string }) => {
            asked.push(city);
            return `${city}: ${city === "Paris" ? "sunny" : "cold"}`;
          },
        },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "user", content: "Weather in Paris and Oslo?" },
    ];
    const content = stream
      ? await client.chat.completions
          .runTools({
            model: "gpt-5",
            messages,
            tools,
            stream: true,
            stream_options: { include_usage: true },
          })
          .finalContent()
      : await client.chat.completions.runTools({ model: "gpt-5", messages, tools }).finalContent();
    expect(asked).toEqual(["Paris", "Oslo"]);
    expect(content).toBe("Paris is sunny, Oslo is cold.");
    expect(server.requests).toHaveLength(3);
    for (const request of server.requests) expect(request.validationError).toBeUndefined();
    expectBilledAsServed(server, tracked.calls(), "gpt-5");
    expect((await sessionReport(client)).calls).toBe(3);
  });
});

describe("OpenAI .parse()", () => {
  it("chat.completions.parse() and responses.parse() return parsed output and are billed", async () => {
    const server = await serve(() => reply.text(JSON.stringify({ answer: 4, reason: "2+2" })));
    const tracked = track();
    const client = withCompaction(
      new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        ...tracked.options("openai-parse"),
        strategy: null,
      },
    );
    const format = {
      type: "json_schema" as const,
      json_schema: { name: "answer", schema: answerSchema, strict: true },
    };
    const chat = await client.chat.completions.parse({
      model: "gpt-5",
      messages: [{ role: "user", content: "What is 2+2?" }],
      response_format: format,
    });
    expect(chat.choices[0]?.message.parsed).toEqual({ answer: 4, reason: "2+2" });
    const response = await client.responses.parse({
      model: "gpt-5",
      input: "What is 2+2?",
      text: { format: { type: "json_schema", name: "answer", schema: answerSchema, strict: true } },
    });
    expect(response.output_parsed).toEqual({ answer: 4, reason: "2+2" });
    expectBilledAsServed(server, tracked.calls(), "gpt-5");
  });
});
