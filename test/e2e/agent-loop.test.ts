import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorEvent, costOfCall, sessionReport, tokenThreshold, truncate, withCompaction } from "../../src/index.js";
import { type RecordedRequest, startTestServer, type TestServer } from "../../src/testing/index.js";
import { loopScript, runAnthropicLoop, runOpenAIChatLoop } from "../support/agent-loop.js";

const calls = 60;
const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(): Promise<TestServer> {
  const started = await startTestServer({ script: loopScript(calls) });
  servers.push(started);
  return started;
}

/** Dollars of the calls as the server counted them, priced independently of compactor's ledger. */
function serverCost(requests: readonly RecordedRequest[], model: string): number {
  let total = 0;
  for (const request of requests) {
    if (!request.usage) continue;
    const cost = costOfCall(model, request.usage);
    if (!cost.known || cost.costUsd === null) throw new Error(`no price for ${model}`);
    total += cost.costUsd;
  }
  return total;
}

type Provider = "anthropic" | "openai-chat";

async function run(provider: Provider, target: TestServer, stream: boolean, wrap: boolean, events: CompactorEvent[]) {
  const options = {
    session: `loop-${provider}-${stream}`,
    strategy: truncate({ targetRatio: 0.5, keepTurns: 4 }),
    trigger: tokenThreshold(30_000),
    onEvent: (event: CompactorEvent) => events.push(event),
    diagnosticsChannel: false,
    summarizer: false as const,
  };
  if (provider === "anthropic") {
    const raw = new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
    const client = wrap ? withCompaction(raw, options) : raw;
    await runAnthropicLoop(client, { calls, stream });
    return client;
  }
  const raw = new OpenAI({ baseURL: target.openaiBaseURL, apiKey: "test", maxRetries: 0 });
  const client = wrap ? withCompaction(raw, options) : raw;
  await runOpenAIChatLoop(client, { calls, stream });
  return client;
}

describe.each([
  { provider: "anthropic" as const, stream: false, model: "claude-sonnet-4-6" },
  { provider: "anthropic" as const, stream: true, model: "claude-sonnet-4-6" },
  { provider: "openai-chat" as const, stream: false, model: "gpt-5" },
  { provider: "openai-chat" as const, stream: true, model: "gpt-5" },
])("a 60-call agent loop on $provider (stream: $stream) with truncate at a threshold", ({ provider, stream, model }) => {
  it("sends only valid requests, logs compactions, and reports the saving the server's counts imply", async () => {
    const wrappedServer = await server();
    const rawServer = await server();
    const events: CompactorEvent[] = [];
    const client = await run(provider, wrappedServer, stream, true, events);
    await run(provider, rawServer, stream, false, []);

    expect(wrappedServer.requests).toHaveLength(calls);
    for (const request of wrappedServer.requests) {
      expect(request.validationError, `request ${request.requestId}`).toBeUndefined();
      expect(request.status).toBe(200);
    }
    const compactions = events.filter((event) => event.type === "compaction");
    expect(compactions.length).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    expect(events.filter((event) => event.type === "call")).toHaveLength(calls);

    // Compacted requests are smaller than the raw agent's at the same call.
    const wrappedPrompt = wrappedServer.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
    const rawPrompt = rawServer.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
    expect(wrappedPrompt).toBeLessThan(rawPrompt);

    const report = await sessionReport(client, `loop-${provider}-${stream}`);
    const independentSaving = serverCost(rawServer.requests, model) - serverCost(wrappedServer.requests, model);
    expect(report.calls).toBe(calls);
    expect(report.compactions).toBe(compactions.length);
    expect(report.costUsd).toBeCloseTo(serverCost(wrappedServer.requests, model), 8);
    // The counterfactual is modelled (calibrated estimate + cache model); it must match the twin run closely.
    expect(Math.abs(report.realisedSavingUsd - independentSaving) / independentSaving).toBeLessThan(0.05);
  });
});
