/**
 * The summarizer's calls are money too: with `summarizer: "auto"` compactor asks the session model's cheaper
 * sibling (through the same, unwrapped client) and the report charges that call against the saving. Checked
 * against what the loopback server counted for the summarizer's own request, priced by the test's oracle.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CompactionEvent,
  type CompactorEvent,
  sessionReport,
  summarize,
  tokenThreshold,
  withCompaction,
} from "../../src/index.js";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { oracleCost, sameDollars } from "./prices.js";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe("summarizer calls", () => {
  it("are priced at the sibling model from the server's counts and charged against the realised saving", async () => {
    const server = await startTestServer({
      script: (request, context) => {
        const model = (request.body as { model?: string }).model;
        return model === "claude-haiku-4-5"
          ? reply.text(`Summary: the task, the files read, the failing test. ${"Detail. ".repeat(60)}`)
          : reply.text(`Answer ${context.callIndex}: ${"the handler validates and retries. ".repeat(30)}`);
      },
    });
    servers.push(server);
    const events: CompactorEvent[] = [];
    const client = withCompaction(
      new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "summarizer-money",
        strategy: summarize({ keepTurns: 2 }),
        trigger: tokenThreshold(6_000),
        summarizer: "auto",
        onEvent: (event) => events.push(event),
        diagnosticsChannel: false,
      },
    );
    const messages: Anthropic.MessageParam[] = [];
    for (let index = 0; index < 14; index++) {
      messages.push({
        role: "user",
        content: `Question ${index}: ${"look again at the module. ".repeat(40)}`,
      });
      const message = await client.messages.create({
        model: "claude-opus-4-6",
        max_tokens: 512,
        messages: [...messages],
      });
      const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
      messages.push({ role: "assistant", content: text });
    }
    const summarizerRequests = server.requests.filter(
      (request) => (request.body as { model?: string }).model === "claude-haiku-4-5",
    );
    const agentRequests = server.requests.filter(
      (request) => (request.body as { model?: string }).model === "claude-opus-4-6",
    );
    expect(agentRequests).toHaveLength(14);
    // The interesting case happened: the sibling model was called to write summaries.
    expect(summarizerRequests.length).toBeGreaterThanOrEqual(1);
    const compactions = events.filter((event): event is CompactionEvent => event.type === "compaction");
    expect(compactions.length).toBeGreaterThanOrEqual(1);
    expect(compactions.every((event) => event.summarizerModel === "claude-haiku-4-5")).toBe(true);

    const summarizerDollars = summarizerRequests.reduce(
      (sum, request) => sum + (request.usage ? oracleCost("claude-haiku-4-5", request.usage) : Number.NaN),
      0,
    );
    const agentDollars = agentRequests.reduce(
      (sum, request) => sum + (request.usage ? oracleCost("claude-opus-4-6", request.usage) : Number.NaN),
      0,
    );
    const report = await sessionReport(client);
    expect(report.calls).toBe(14);
    expect(sameDollars(report.costUsd, agentDollars), `calls $${report.costUsd} vs $${agentDollars}`).toBe(
      true,
    );
    expect(
      sameDollars(report.summarizerCostUsd, summarizerDollars),
      `summarizer $${report.summarizerCostUsd} vs server $${summarizerDollars}`,
    ).toBe(true);
    const eventDollars = compactions.reduce((sum, event) => sum + (event.summarizerCostUsd ?? 0), 0);
    expect(sameDollars(eventDollars, summarizerDollars)).toBe(true);
    // The realised saving charges the summarizer.
    expect(
      sameDollars(
        report.realisedSavingUsd,
        report.uncompactedCostUsd - report.costUsd - report.summarizerCostUsd,
      ),
    ).toBe(true);
  });
});
