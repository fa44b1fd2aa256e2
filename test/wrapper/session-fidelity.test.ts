/**
 * Issue 11, items 7, 8 and 16: `truncate` keeps SDK 1.x mid-conversation system messages; shadow mode counts the
 * compactions live mode would make and pays for no summary; compactor does not repair an agent's invalid
 * request (an orphan tool result fails wrapped exactly as unwrapped).
 */
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { type CompactorEvent, type Summarizer, sessionReport, withCompaction } from "../../src/index.js";
import type { TestServer } from "../../src/testing/index.js";
import { summarize, tokenThreshold, truncate } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const model = "claude-sonnet-4-6";

function anthropic(server: TestServer): Anthropic {
  return new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL, maxRetries: 0 });
}

/** Sends `turns` calls of a growing conversation; the history is the agent's own (never compacted). */
async function converse(
  client: Anthropic,
  turns: number,
  extra: (turn: number) => Anthropic.MessageParam[] = () => [],
): Promise<Anthropic.MessageParam[]> {
  const history: Anthropic.MessageParam[] = [{ role: "user", content: "The task: refactor the parser." }];
  for (let turn = 0; turn < turns; turn++) {
    const reply = await client.messages.create({ model, max_tokens: 64, messages: history });
    history.push({ role: "assistant", content: reply.content });
    history.push(...extra(turn));
    history.push({ role: "user", content: `Step ${turn}: ${"more context ".repeat(80)}` });
  }
  return history;
}

describe("truncate keeps mid-conversation system messages (item 7)", () => {
  it("a 1.x role: system message in the dropped span is still sent", async () => {
    const server = await startServer();
    const events: CompactorEvent[] = [];
    const client = withCompaction(anthropic(server), {
      session: "system-kept",
      strategy: truncate({ keepTurns: 2 }),
      trigger: tokenThreshold(1_500),
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
    });
    const instruction = "Reminder from the operator: never touch the lockfile.";
    await converse(client, 10, (turn) =>
      turn === 1 ? [{ role: "system", content: instruction } as unknown as Anthropic.MessageParam] : [],
    );
    expect(events.filter((event) => event.type === "compaction").length).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    const last = server.requests.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
    const sent = last.messages;
    expect(sent.length).toBeLessThan(21);
    // Kept inside the compacted prefix, which compactor renders (a string content becomes one text block).
    const system = sent.filter((message) => message.role === "system");
    expect(system).toHaveLength(1);
    expect(JSON.stringify(system[0]?.content)).toContain(instruction);
    for (const request of server.requests) expect(request.validationError).toBeUndefined();
  });
});

describe("shadow mode measures what live mode does (item 8)", () => {
  async function run(shadow: boolean) {
    const server = await startServer();
    const events: CompactorEvent[] = [];
    let summaries = 0;
    const summarizer: Summarizer = async ({ messages }) => {
      summaries++;
      return { text: `Summary of ${messages.length} messages: the parser refactor is under way.`, model: "claude-haiku-4-5", costUsd: 0.001 };
    };
    const client = withCompaction(anthropic(server), {
      session: `shadow-${shadow}`,
      strategy: summarize({ keepTurns: 2 }),
      trigger: tokenThreshold(2_500),
      summarizer,
      shadow,
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
    });
    await converse(client, 24);
    const compactions = events.filter((event) => event.type === "compaction").length;
    return { compactions, summaries, report: await sessionReport(client) };
  }

  it("counts about the compactions live mode makes, and calls no summarizer", async () => {
    const live = await run(false);
    const shadow = await run(true);
    expect(live.compactions).toBeGreaterThan(0);
    expect(live.summaries).toBe(live.compactions);
    expect(shadow.summaries).toBe(0);
    expect(shadow.compactions).toBeGreaterThan(0);
    expect(shadow.compactions).toBeLessThanOrEqual(live.compactions + 1);
    expect(shadow.report.summarizerCostUsd).toBe(0);
    expect(shadow.report.compactions).toBe(0);
  });
});

describe("compactor does not repair an agent's invalid request (item 16)", () => {
  it("an orphan tool result in the part a compaction would cut fails wrapped exactly as unwrapped", async () => {
    const server = await startServer();
    const orphan: Anthropic.MessageParam[] = [
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_gone", content: "output of a call nobody made" }],
      },
      { role: "assistant", content: "Noted." },
    ];
    const history: Anthropic.MessageParam[] = [
      { role: "user", content: "The task: refactor the parser." },
      { role: "assistant", content: "Starting." },
      ...orphan,
    ];
    for (let turn = 0; turn < 6; turn++) {
      history.push({ role: "user", content: `Step ${turn}: ${"more context ".repeat(80)}` });
      history.push({ role: "assistant", content: `Done with step ${turn}.` });
    }
    history.push({ role: "user", content: "Next?" });
    const params = { model, max_tokens: 64, messages: history };
    const rawError = await anthropic(server)
      .messages.create(params)
      .catch((error: unknown) => error);
    const events: CompactorEvent[] = [];
    const client = withCompaction(anthropic(server), {
      session: "orphan",
      strategy: truncate({ keepTurns: 2 }),
      trigger: tokenThreshold(500),
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
    });
    const error = await client.messages.create(params).catch((caught: unknown) => caught);
    expect(rawError).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    // The same answer from the API (only the request id differs).
    const inner = (value: unknown) => (value as { error?: { error?: unknown } }).error?.error;
    expect(inner(error)).toEqual(inner(rawError));
    const refused = events.filter((event) => event.type === "error" && event.phase === "invariant");
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ fallback: "sent-original" });
    expect(events.filter((event) => event.type === "compaction")).toEqual([]);
  });
});
