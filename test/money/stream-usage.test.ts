/**
 * Every streaming path of the three APIs bills what the server counted: output tokens and dollars of each call
 * and of the session report are checked against the loopback server's own usage, priced by an oracle that shares
 * no code with compactor (test/money/prices.ts).
 *
 * The replies carry many output tokens (1,760) and the stream's first event reports 1 (as the Anthropic API does:
 * `message_start` holds a placeholder, `message_delta` the final count), so a stream parser that reads only
 * the first event under-bills by three orders of magnitude and fails here.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type CallEvent, type CompactorEvent, sessionReport, withCompaction } from "../../src/index.js";
import { reply, type ServerUsage, startTestServer, type TestServer } from "../../src/testing/index.js";
import { oracleCost, sameDollars, serverCallCost } from "./prices.js";

const outputTokens = 1_760;
const calls = 3;

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(): Promise<TestServer> {
  // Every call answers a long text with a fixed, large output count, and thinking (reasoning tokens) on the
  // Responses API, so reasoning is billed as output there.
  const started = await startTestServer({
    now: () => 1_750_000_000_000,
    script: (_request, context) =>
      reply.message(
        [
          {
            type: "thinking",
            text: "Let me think about the module first.",
            signature: `sig-${context.callIndex}`,
          },
          {
            type: "text",
            text: `Answer ${context.callIndex}: ${"the handler retries on conflict. ".repeat(40)}`,
          },
        ],
        { outputTokens },
      ),
  });
  servers.push(started);
  return started;
}

const system = `You are a careful agent. ${"Check every claim against the code. ".repeat(120)}`;
const question = (index: number) => `Question ${index}: ${"look again at the failing test. ".repeat(60)}`;
const answer = (index: number) => `Answer ${index}: ${"the handler retries on conflict. ".repeat(40)}`;

type Turn = { role: "user" | "assistant"; content: string };

function turnsUpTo(index: number): Turn[] {
  const turns: Turn[] = [];
  for (let call = 0; call <= index; call++) {
    turns.push({ role: "user", content: question(call) });
    if (call < index) turns.push({ role: "assistant", content: answer(call) });
  }
  return turns;
}

async function drain(iterable: AsyncIterable<unknown>): Promise<number> {
  let events = 0;
  for await (const _event of iterable) events++;
  return events;
}

type Path = {
  name: string;
  api: "anthropic" | "openai";
  model: string;
  /** Makes one streamed call with the history up to `index`, reading the stream to its end. */
  call(client: Anthropic | OpenAI, index: number): Promise<void>;
};

/** `ttl: "1h"` makes the server write 1-hour entries (priced 2× input, not 1.25×). */
const anthropicParams = (index: number, ttl: "5m" | "1h" = "5m") => ({
  model: "claude-sonnet-4-6",
  max_tokens: 4096,
  system: [{ type: "text" as const, text: system, cache_control: { type: "ephemeral" as const, ttl } }],
  messages: turnsUpTo(index),
});

const chatParams = (index: number) => ({
  model: "gpt-5",
  messages: [{ role: "system" as const, content: system }, ...turnsUpTo(index)],
  stream_options: { include_usage: true },
});

const responsesParams = (index: number) => ({
  model: "gpt-5",
  instructions: system,
  input: turnsUpTo(index),
});

const paths: Path[] = [
  {
    name: "Anthropic messages.create({ stream: true })",
    api: "anthropic",
    model: "claude-sonnet-4-6",
    call: async (client, index) => {
      const stream = await (client as Anthropic).messages.create({ ...anthropicParams(index), stream: true });
      expect(await drain(stream)).toBeGreaterThan(3);
    },
  },
  {
    name: "Anthropic messages.stream().finalMessage()",
    api: "anthropic",
    model: "claude-sonnet-4-6",
    call: async (client, index) => {
      const message = await (client as Anthropic).messages.stream(anthropicParams(index)).finalMessage();
      // The SDK's own accumulation agrees with the server: the caller sees what was billed.
      expect(message.usage.output_tokens).toBe(outputTokens);
    },
  },
  {
    name: "Anthropic beta.messages.create({ stream: true }), 1-hour cache",
    api: "anthropic",
    model: "claude-sonnet-4-6",
    call: async (client, index) => {
      const stream = await (client as Anthropic).beta.messages.create({
        ...anthropicParams(index, "1h"),
        stream: true,
      });
      expect(await drain(stream)).toBeGreaterThan(3);
    },
  },
  {
    name: "Anthropic beta.messages.stream().finalMessage(), 1-hour cache",
    api: "anthropic",
    model: "claude-sonnet-4-6",
    call: async (client, index) => {
      await (client as Anthropic).beta.messages.stream(anthropicParams(index, "1h")).finalMessage();
    },
  },
  {
    name: "Chat chat.completions.create({ stream: true })",
    api: "openai",
    model: "gpt-5",
    call: async (client, index) => {
      const stream = await (client as OpenAI).chat.completions.create({ ...chatParams(index), stream: true });
      expect(await drain(stream)).toBeGreaterThan(2);
    },
  },
  {
    name: "Chat chat.completions.stream().finalChatCompletion()",
    api: "openai",
    model: "gpt-5",
    call: async (client, index) => {
      const stream = (client as OpenAI).chat.completions.stream(chatParams(index));
      await stream.finalChatCompletion();
    },
  },
  {
    name: "Responses responses.create({ stream: true })",
    api: "openai",
    model: "gpt-5",
    call: async (client, index) => {
      const stream = await (client as OpenAI).responses.create({ ...responsesParams(index), stream: true });
      expect(await drain(stream)).toBeGreaterThan(2);
    },
  },
  {
    name: "Responses responses.stream().finalResponse()",
    api: "openai",
    model: "gpt-5",
    call: async (client, index) => {
      const response = await (client as OpenAI).responses.stream(responsesParams(index)).finalResponse();
      expect(response.usage?.output_tokens).toBe(outputTokens);
    },
  },
];

function clientFor(path: Path, target: TestServer): Anthropic | OpenAI {
  return path.api === "anthropic"
    ? new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 })
    : new OpenAI({ baseURL: target.openaiBaseURL, apiKey: "test", maxRetries: 0 });
}

function served(target: TestServer): ServerUsage[] {
  return target.requests.map((request, index) => {
    expect(request.validationError, `request ${index}`).toBeUndefined();
    if (!request.usage) throw new Error(`request ${index} has no usage`);
    return request.usage;
  });
}

describe.each(paths)("$name bills what the server counted", (path) => {
  it("records each call's output tokens and dollars, and the report sums them", async () => {
    const target = await server();
    const events: CompactorEvent[] = [];
    const client = withCompaction(clientFor(path, target), {
      session: `stream-money-${path.name}`,
      strategy: null,
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
      summarizer: false,
    });
    for (let index = 0; index < calls; index++) await path.call(client, index);

    const usage = served(target);
    expect(usage).toHaveLength(calls);
    const callEvents = events.filter((event): event is CallEvent => event.type === "call");
    expect(callEvents).toHaveLength(calls);
    for (const [index, event] of callEvents.entries()) {
      const counted = usage[index] as ServerUsage;
      expect(counted.outputTokens).toBe(outputTokens);
      expect(event.stream, `call ${index}`).toBe(true);
      expect(event.usage.outputTokens, `call ${index} output tokens`).toBe(counted.outputTokens);
      expect(event.usage.inputTokens, `call ${index} input tokens`).toBe(counted.inputTokens);
      expect(event.usage.cacheReadTokens, `call ${index} cache reads`).toBe(counted.cacheReadTokens);
      expect(event.usage.cacheWrite5mTokens, `call ${index} 5-minute cache writes`).toBe(
        counted.cacheWrite5mTokens,
      );
      expect(event.usage.cacheWrite1hTokens, `call ${index} 1-hour cache writes`).toBe(
        counted.cacheWrite1hTokens,
      );
      expect(event.promptTokens, `call ${index} prompt tokens`).toBe(counted.promptTokens);
      const expected = serverCallCost(path.model, counted);
      expect(
        sameDollars(event.costUsd, expected),
        `call ${index}: $${event.costUsd} recorded, $${expected} at the server's counts`,
      ).toBe(true);
    }
    // The later calls re-send the cached system prompt: reads happened and were priced at the read rate.
    expect(usage.slice(1).every((counted) => counted.cacheReadTokens > 0)).toBe(true);
    if (path.name.includes("1-hour")) expect(usage[0]?.cacheWrite1hTokens).toBeGreaterThan(0);
    else if (path.api === "anthropic") expect(usage[0]?.cacheWrite5mTokens).toBeGreaterThan(0);

    const report = await sessionReport(client);
    const serverOutput = usage.reduce((sum, counted) => sum + counted.outputTokens, 0);
    const serverDollars = usage.reduce((sum, counted) => sum + oracleCost(path.model, counted), 0);
    expect(report.calls).toBe(calls);
    expect(report.outputTokens).toBe(serverOutput);
    expect(report.promptTokens).toBe(usage.reduce((sum, counted) => sum + counted.promptTokens, 0));
    expect(report.cacheReadTokens).toBe(usage.reduce((sum, counted) => sum + counted.cacheReadTokens, 0));
    expect(
      sameDollars(report.costUsd, serverDollars),
      `report $${report.costUsd} vs server $${serverDollars}`,
    ).toBe(true);
    expect(report.unpricedCalls).toBe(0);
    // Nothing was compacted: the counterfactual is the same calls, cache included, so no saving is claimed.
    expect(
      sameDollars(report.uncompactedCostUsd, serverDollars),
      `uncompacted $${report.uncompactedCostUsd} vs server $${serverDollars}`,
    ).toBe(true);
    expect(Math.abs(report.realisedSavingUsd)).toBeLessThan(1e-9);
  });
});
