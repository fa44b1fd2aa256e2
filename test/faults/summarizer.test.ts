/**
 * Issue 11, fault 9: a slow, hung or failing summarizer never stalls the user's call. Real Anthropic SDK
 * clients against `compactor/testing`; the summarizer is the default ("auto": the session model's cheaper
 * sibling, called through the same client), and the server decides how long its requests take.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  costOfCall,
  memoryBudgetLedger,
  sessionLimitId,
  sessionReport,
  summarize,
  withCompaction,
} from "../../src/index.js";
import { reply, type ScriptFunction, startTestServer, type TestServer } from "../../src/testing/index.js";
import type { Trigger } from "../../strategies/types.js";

const servers: TestServer[] = [];
const releases: Array<() => void> = [];
afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function isSummarizerRequest(body: unknown): boolean {
  const system = (body as { system?: unknown }).system;
  return typeof system === "string" && system.startsWith("You summarize part");
}

/** Tool calls for the agent; the summarizer's requests wait for `summaryDelay()` first. */
function script(summaryDelay: () => Promise<void>): ScriptFunction {
  return async (request) => {
    if (isSummarizerRequest(request.body)) {
      await summaryDelay();
      return reply.text("## Task\nFix the handler.\n## Next step\nRun the tests.");
    }
    return reply.toolCall("bash", { command: "grep -rn handler src" }, { text: "Searching." });
  };
}

const fromThirdCall: Trigger = {
  name: "from-third-call",
  shouldCompact: (context) => context.callIndex >= 2,
};

async function setup(summaryDelay: () => Promise<void>, options: Record<string, unknown> = {}) {
  const server = await startTestServer({ script: script(summaryDelay) });
  servers.push(server);
  const events: CompactorEvent[] = [];
  const raw = new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
  const client = withCompaction(raw, {
    session: "faults-9",
    strategy: summarize({ keepTurns: 1 }),
    trigger: fromThirdCall,
    diagnosticsChannel: false,
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { server, client, events };
}

type Param = Anthropic.MessageParam;

/** One agent step: sends the history, appends the answer and the tool result. Returns its duration. */
async function step(client: Anthropic, messages: Param[], index: number, signal?: AbortSignal) {
  const started = performance.now();
  const message = await client.messages.create(
    { model: "claude-sonnet-4-6", max_tokens: 512, messages },
    signal ? { signal } : {},
  );
  const elapsed = performance.now() - started;
  messages.push({ role: "assistant", content: message.content });
  const call = message.content.find((block) => block.type === "tool_use");
  messages.push({
    role: "user",
    content: [
      {
        type: "tool_result",
        tool_use_id: call?.type === "tool_use" ? call.id : "missing",
        content: `output of step ${index}\n${"src/handler.py:12: def handler(request): pass\n".repeat(40)}`,
      },
    ],
  });
  return elapsed;
}

function hung(): Promise<void> {
  return new Promise((resolve) => releases.push(resolve));
}

describe("a summarizer never stalls the user's call", () => {
  it("hung summarizer: every call returns within the wait, an error event says why, and the extractive summary is applied later", async () => {
    const { client, events } = await setup(hung, { summarizerWaitMs: 300, summarizerTimeoutMs: 1500 });
    const messages: Param[] = [{ role: "user", content: "Fix the failing handler." }];
    const durations: number[] = [];
    for (let index = 0; index < 5; index++) durations.push(await step(client, messages, index));
    // The summarizer hangs; it is aborted after 1.5 s, and its extractive fallback applies on a later call.
    await new Promise((resolve) => setTimeout(resolve, 1700));
    for (let index = 5; index < 7; index++) durations.push(await step(client, messages, index));
    console.info(`hung summarizer: call durations ${durations.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    // The first call also loads compactor's lazy parts; the others wait 300 ms at most for the summarizer (and
    // less than its 1.5 s time limit). Without the wait the third call never returns.
    for (const duration of durations.slice(1)) expect(duration).toBeLessThan(1200);
    const errors = events.filter((event) => event.type === "error" && event.phase === "summarizer");
    expect(errors.length).toBeGreaterThanOrEqual(2); // the wait ran out; the summarizer timed out
    expect(errors.map((event) => (event as { fallback?: string }).fallback)).toContain("sent-uncompacted");
    expect(errors.map((event) => (event as { fallback?: string }).fallback)).toContain("extractive-summary");
    const compactions = events.filter((event) => event.type === "compaction");
    expect(compactions.length).toBeGreaterThanOrEqual(1);
    expect(compactions[0]).toMatchObject({ summarizerModel: "extractive" });
    const report = await sessionReport(client);
    expect(report.compactions).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it("slow summarizer (3 s): the call does not wait for it, and its summary is applied on the next call", async () => {
    const slow = () => new Promise<void>((resolve) => setTimeout(resolve, 3000));
    const { client, events, server } = await setup(slow, { summarizerWaitMs: 200 });
    const messages: Param[] = [{ role: "user", content: "Fix the failing handler." }];
    const durations: number[] = [];
    for (let index = 0; index < 3; index++) durations.push(await step(client, messages, index));
    expect(events.some((event) => event.type === "compaction")).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 3300));
    durations.push(await step(client, messages, 3));
    console.info(`3 s summarizer: call durations ${durations.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    expect(Math.max(...durations)).toBeLessThan(1500);
    const compaction = events.find((event) => event.type === "compaction");
    expect(compaction).toMatchObject({ summarizerModel: "claude-haiku-4-5" });
    // The last request went out compacted, with the model's summary.
    const last = server.requests.at(-1)?.body as { messages: Param[] };
    expect(JSON.stringify(last.messages)).toContain("Fix the handler.");
  }, 20_000);

  it("the caller's AbortSignal ends the wait for a hung summarizer at once", async () => {
    const { client } = await setup(hung, { summarizerWaitMs: 60_000 });
    const messages: Param[] = [{ role: "user", content: "Fix the failing handler." }];
    for (let index = 0; index < 2; index++) await step(client, messages, index);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    const error = await step(client, messages, 2, controller.signal).catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect(elapsed).toBeLessThan(1500);
  }, 20_000);

  it("summarizer spend reaches the budget and the report", async () => {
    const ledger = memoryBudgetLedger();
    const { client, server } = await setup(async () => {}, {
      budget: { ledger, session: { maxUsd: 100 } },
    });
    const messages: Param[] = [{ role: "user", content: "Fix the failing handler." }];
    for (let index = 0; index < 5; index++) await step(client, messages, index);
    const report = await sessionReport(client);
    const priced = (request: (typeof server.requests)[number]) => {
      const model = String((request.body as { model: string }).model);
      const cost = costOfCall(model, request.usage as never);
      return cost.known ? (cost.costUsd ?? 0) : 0;
    };
    const summaries = server.requests.filter((request) => isSummarizerRequest(request.body));
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    const summarySpend = summaries.reduce((sum, request) => sum + priced(request), 0);
    const allSpend = server.requests.reduce((sum, request) => sum + priced(request), 0);
    expect(report.summarizerCostUsd).toBeCloseTo(summarySpend, 9);
    const status = await ledger.status(sessionLimitId("faults-9"));
    expect(status.spentUsd).toBeCloseTo(allSpend, 9);
    console.info(
      `summarizer spend $${summarySpend.toFixed(6)} of $${allSpend.toFixed(6)} (${((summarySpend / allSpend) * 100).toFixed(0)}%): report and budget both count it`,
    );
  }, 20_000);
});
