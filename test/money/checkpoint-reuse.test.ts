/**
 * A compaction is a checkpoint: the calls after it send the same compacted prefix byte for byte, so the
 * provider's cache keeps hitting. Checked on what the loopback server received and counted, for each API: the
 * messages of every later call start with exactly the messages the compacting call sent (Anthropic: ignoring
 * the moving last-message breakpoint), and each later call reads from the cache at least the prefix the previous
 * call wrote. A runtime that dropped or rebuilt its checkpoint on every call would re-write the tail on every
 * call and fail both.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CallEvent,
  type CompactionEvent,
  type CompactorEvent,
  sessionReport,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { oracleCost, sameDollars } from "./prices.js";

const calls = 24;
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const system = `You are a careful agent. ${"Check every claim against the code. ".repeat(40)}`;
const question = (index: number) =>
  `Question ${index}: ${"look again at the module and its tests. ".repeat(40)}`;
const answer = (index: number) => `Answer ${index}: ${"the handler validates and retries. ".repeat(45)}`;

type Api = "anthropic" | "openai-chat" | "openai-responses";

async function run(api: Api) {
  const server = await startTestServer({
    now: () => 1_750_000_000_000,
    script: (_request, context) => reply.text(answer(context.callIndex)),
  });
  servers.push(server);
  const events: CompactorEvent[] = [];
  const options = {
    session: `checkpoint-${api}`,
    strategy: truncate({ targetRatio: 0.5, keepTurns: 2 }),
    trigger: tokenThreshold(9_000),
    onEvent: (event: CompactorEvent) => events.push(event),
    diagnosticsChannel: false,
    summarizer: false as const,
    // The agent places no breakpoint of its own; compactor's documented opt-in places them (system prompt, last
    // message, end of the compacted prefix). By default compactor marks only a compacted prefix.
    cacheBreakpoints: "auto" as const,
  };
  const turns: Array<{ role: "user" | "assistant"; content: string }> = [];
  if (api === "anthropic") {
    const client = withCompaction(
      new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      options,
    );
    for (let index = 0; index < calls; index++) {
      turns.push({ role: "user", content: question(index) });
      await client.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 1024,
        system, // no breakpoint of the agent's own: compactor places them (cacheBreakpoints: "auto")
        messages: turns.map((turn) => ({ ...turn })),
      });
      turns.push({ role: "assistant", content: answer(index) });
    }
    return { server, events, report: await sessionReport(client), model: "claude-sonnet-4-6" };
  }
  const client = withCompaction(
    new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
    options,
  );
  for (let index = 0; index < calls; index++) {
    turns.push({ role: "user", content: question(index) });
    if (api === "openai-chat") {
      await client.chat.completions.create({
        model: "gpt-5",
        messages: [{ role: "system", content: system }, ...turns.map((turn) => ({ ...turn }))],
      });
    } else {
      await client.responses.create({
        model: "gpt-5",
        instructions: system,
        input: turns.map((turn) => ({ ...turn })),
      });
    }
    turns.push({ role: "assistant", content: answer(index) });
  }
  return { server, events, report: await sessionReport(client), model: "gpt-5" };
}

/**
 * The message list a request sent. For Anthropic, the breakpoint on the last message moves every call: its
 * `cache_control` marker is removed and a string content written as the one text block it stands for (the
 * API renders both alike), so only the bytes the cache keys on are compared.
 */
function sentMessages(body: unknown, api: Api): unknown[] {
  const record = body as Record<string, unknown>;
  const list = (api === "openai-responses" ? record.input : record.messages) as unknown[];
  if (api !== "anthropic") return list;
  const stripped = JSON.parse(
    JSON.stringify(list, (key, value) => (key === "cache_control" ? undefined : value)),
  ) as Array<{ role: string; content: unknown }>;
  return stripped.map((message) =>
    typeof message.content === "string"
      ? { ...message, content: [{ type: "text", text: message.content }] }
      : message,
  );
}

describe.each(["anthropic", "openai-chat", "openai-responses"] as const)("checkpoints on %s", (api) => {
  it("later calls resend the compacted prefix byte for byte and read it from the cache", async () => {
    const { server, events, report, model } = await run(api);
    for (const request of server.requests) expect(request.validationError).toBeUndefined();
    expect(server.requests).toHaveLength(calls);
    const compactions = events.filter((event): event is CompactionEvent => event.type === "compaction");
    const callEvents = events.filter((event): event is CallEvent => event.type === "call");
    const compactionCalls = new Set(compactions.map((event) => event.callIndex));
    // The interesting case happened: at least two compactions, each followed by calls that reuse it.
    expect(compactions.length).toBeGreaterThanOrEqual(2);
    // A checkpoint holds for several calls: compactions are rare, not one per call.
    expect(compactions.length).toBeLessThanOrEqual(calls / 3);

    let reusingCalls = 0;
    for (const [position, compaction] of compactions.entries()) {
      const from = compaction.callIndex;
      const until = compactions[position + 1]?.callIndex ?? calls;
      const atCompaction = sentMessages(server.requests[from]?.body, api);
      for (let index = from + 1; index < until; index++) {
        const later = sentMessages(server.requests[index]?.body, api);
        // Byte for byte: the serialised prefix is the same string.
        expect(
          JSON.stringify(later.slice(0, atCompaction.length)),
          `call ${index} resends the prefix of compacting call ${from}`,
        ).toBe(JSON.stringify(atCompaction));
        expect(callEvents[index]?.compacted, `call ${index}`).toBe(true);
        const previous = server.requests[index - 1]?.usage;
        const usage = server.requests[index]?.usage;
        if (!previous || !usage) throw new Error(`call ${index} has no usage`);
        // The cache kept hitting: this call read (nearly) the whole prompt the previous call sent. The test
        // server reports OpenAI hits in 128-token steps.
        expect(
          usage.cacheReadTokens,
          `call ${index} read ${usage.cacheReadTokens} of the previous ${previous.promptTokens}`,
        ).toBeGreaterThanOrEqual(previous.promptTokens - 128);
        reusingCalls++;
      }
      expect(compactionCalls.has(from)).toBe(true);
    }
    expect(reusingCalls).toBeGreaterThanOrEqual(6);

    // The session's dollars are the server's counts at list prices.
    const serverDollars = server.requests.reduce(
      (sum, request) => sum + (request.usage ? oracleCost(model, request.usage) : 0),
      0,
    );
    expect(sameDollars(report.costUsd, serverDollars)).toBe(true);
    expect(report.compactions).toBe(compactions.length);
  });
});
