/**
 * What goes over the wire (issue 11, items 3 and 10): `strategy: null` and `shadow: true` send exactly the bytes
 * the unwrapped client sends; automatic Anthropic breakpoints are an explicit option of compacting strategies;
 * a breakpoint compactor places never puts a 5-minute entry before the agent's 1-hour one, and
 * `compactor/testing` rejects such a request as the real API does.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { type CompactionOptions, type CompactorEvent, withCompaction } from "../../src/index.js";
import type { TestServer } from "../../src/testing/index.js";
import { tokenThreshold, truncate } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();

/** A fetch that records every body it sends. */
function recordingFetch(bodies: unknown[]): typeof fetch {
  return (input, init) => {
    bodies.push(init?.body);
    return globalThis.fetch(input, init);
  };
}

const system = "You are a careful assistant.";
const messages: Anthropic.MessageParam[] = [
  { role: "user", content: "first question" },
  { role: "assistant", content: "first answer" },
  { role: "user", content: "second question" },
];

async function anthropicBodies(server: TestServer, options: Omit<CompactionOptions, "session"> | undefined) {
  const bodies: unknown[] = [];
  let client = new Anthropic({
    apiKey: "test",
    baseURL: server.anthropicBaseURL,
    maxRetries: 0,
    fetch: recordingFetch(bodies),
  });
  if (options) client = withCompaction(client, { session: "bytes", diagnosticsChannel: false, ...options });
  await client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 64, system, messages });
  await client.messages
    .stream({ model: "claude-sonnet-4-6", max_tokens: 64, system, messages, metadata: { user_id: "u" } })
    .finalMessage();
  await client.beta.messages.create({
    model: "claude-sonnet-4-6",
    max_tokens: 64,
    messages,
    betas: ["context-1m-2025-08-07"],
  });
  return bodies;
}

describe("strategy: null, shadow: true and the default until it compacts send the agent's bytes (item 3)", () => {
  it("Anthropic: byte for byte, system prompt and string contents untouched", async () => {
    const server = await startServer();
    const raw = await anthropicBodies(server, undefined);
    expect(raw).toHaveLength(3);
    for (const typeof_ of raw) expect(typeof typeof_).toBe("string");
    expect(await anthropicBodies(server, { strategy: null })).toEqual(raw);
    expect(await anthropicBodies(server, { shadow: true })).toEqual(raw);
    expect(await anthropicBodies(server, {})).toEqual(raw); // the default strategy, before it compacts
    expect(await anthropicBodies(server, { cacheBreakpoints: false })).toEqual(raw);
    expect(String(raw[0])).not.toContain("cache_control");
  });

  it("OpenAI: byte for byte in both modes", async () => {
    const server = await startServer();
    const run = async (options: Omit<CompactionOptions, "session"> | undefined) => {
      const bodies: unknown[] = [];
      let client = new OpenAI({ apiKey: "test", baseURL: server.openaiBaseURL, maxRetries: 0, fetch: recordingFetch(bodies) });
      if (options) client = withCompaction(client, { session: "bytes", diagnosticsChannel: false, ...options });
      await client.chat.completions.create({ model: "gpt-4.1-mini", messages: [{ role: "user", content: "hi" }] });
      await client.responses.create({ model: "gpt-4.1-mini", input: "hi", stream: true }).then(async (stream) => {
        for await (const _event of stream);
      });
      return bodies;
    };
    const raw = await run(undefined);
    expect(await run({ strategy: null })).toEqual(raw);
    expect(await run({ shadow: true })).toEqual(raw);
  });

  it('cacheBreakpoints: "auto" marks the system prompt and last message of requests that carry none', async () => {
    const server = await startServer();
    const bodies = await anthropicBodies(server, { cacheBreakpoints: "auto" });
    const sent = JSON.parse(String(bodies[0])) as { system: unknown; messages: Array<{ content: unknown }> };
    expect(sent.system).toEqual([{ type: "text", text: system, cache_control: { type: "ephemeral" } }]);
    expect(JSON.stringify(sent.messages.at(-1))).toContain("cache_control");
  });
});

describe("breakpoint TTL order (item 10)", () => {
  const hourLast = (content: string): Anthropic.MessageParam => ({
    role: "user",
    content: [{ type: "text", text: content, cache_control: { type: "ephemeral", ttl: "1h" } }],
  });

  it("compactor/testing rejects a 5m breakpoint before a 1h one, like the API", async () => {
    const server = await startServer();
    const client = new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL, maxRetries: 0 });
    const error = await client.messages
      .create({
        model: "claude-sonnet-4-6",
        max_tokens: 16,
        system: [{ type: "text", text: system, cache_control: { type: "ephemeral" } }],
        messages: [hourLast("question")],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Error).message).toMatch(/ttl='1h'.*must not come after.*ttl='5m'/);
    const fine = await client.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 16,
      system: [{ type: "text", text: system, cache_control: { type: "ephemeral", ttl: "1h" } }],
      messages: [{ role: "user", content: [{ type: "text", text: "q", cache_control: { type: "ephemeral" } }] }],
    });
    expect(fine.type).toBe("message");
  });

  it("after a compaction, the breakpoint at the end of the compacted prefix is 1h when the agent's is", async () => {
    const server = await startServer();
    const events: CompactorEvent[] = [];
    const client = withCompaction(new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL, maxRetries: 0 }), {
      session: "ttl-order",
      strategy: truncate({ keepTurns: 2 }),
      trigger: tokenThreshold(200),
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
    });
    const history: Anthropic.MessageParam[] = [];
    for (let turn = 0; turn < 8; turn++) {
      history.push({ role: "user", content: `question ${turn}: ${"detail ".repeat(60)}` });
      const sent = [...history.slice(0, -1), hourLast(history.at(-1)?.content as string)];
      const reply = await client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 64, messages: sent });
      history.push({ role: "assistant", content: reply.content });
    }
    expect(events.filter((event) => event.type === "compaction").length).toBeGreaterThan(0);
    for (const request of server.requests) expect(request.validationError).toBeUndefined();
    const last = JSON.stringify(server.requests.at(-1)?.body);
    expect(last).not.toContain('"cache_control":{"type":"ephemeral"}');
  });
});
