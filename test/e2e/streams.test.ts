import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  sessionReport,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import type { TestServer } from "../../src/testing/index.js";
import { useServers } from "./helpers.js";
import { answerScript, runStreamLoop, type StreamApi, withoutUsage } from "./stream-loop.js";

const calls = 16;
const clock = () => 1_750_000_000_000;
const server = useServers();

function rawClient(api: StreamApi, target: TestServer): Anthropic | OpenAI {
  return api === "anthropic"
    ? new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 })
    : new OpenAI({ baseURL: target.openaiBaseURL, apiKey: "test", maxRetries: 0 });
}

async function twinRuns(api: StreamApi, shadow: boolean) {
  const rawServer = await server({ script: answerScript, now: clock });
  const wrappedServer = await server({ script: answerScript, now: clock });
  const events: CompactorEvent[] = [];
  const wrapped = withCompaction(rawClient(api, wrappedServer), {
    session: `stream-${api}`,
    strategy: truncate({ targetRatio: 0.5, keepTurns: 3 }),
    trigger: tokenThreshold(4_000),
    onEvent: (event) => events.push(event),
    diagnosticsChannel: false,
    summarizer: false,
    shadow,
  });
  const rawEvents = await runStreamLoop(rawClient(api, rawServer), api, calls);
  const wrappedEvents = await runStreamLoop(wrapped, api, calls);
  return { rawServer, wrappedServer, events, wrapped, rawEvents, wrappedEvents };
}

describe.each([
  { api: "anthropic" as const },
  { api: "openai-chat" as const },
  { api: "openai-responses" as const },
])("stream: true on $api", ({ api }) => {
  it("while nothing is compacted the caller sees exactly the raw client's events; after, the same events but usage", async () => {
    const run = await twinRuns(api, false);
    const compactedCalls = run.events
      .filter((event) => event.type === "call")
      .map((event) => event.compacted);
    expect(compactedCalls).toHaveLength(calls);
    const firstCompacted = compactedCalls.indexOf(true);
    expect(firstCompacted).toBeGreaterThan(0);
    expect(run.wrappedEvents.slice(0, firstCompacted)).toEqual(run.rawEvents.slice(0, firstCompacted));
    expect(withoutUsage(run.wrappedEvents)).toEqual(withoutUsage(run.rawEvents));
    for (const request of run.wrappedServer.requests) expect(request.validationError).toBeUndefined();
    // Compacted calls were billed what the server counted, and that is less than the raw agent's calls.
    const report = await sessionReport(run.wrapped);
    const serverPrompt = run.wrappedServer.requests.reduce(
      (sum, request) => sum + (request.usage?.promptTokens ?? 0),
      0,
    );
    const rawPrompt = run.rawServer.requests.reduce(
      (sum, request) => sum + (request.usage?.promptTokens ?? 0),
      0,
    );
    expect(report.promptTokens).toBe(serverPrompt);
    expect(serverPrompt).toBeLessThan(rawPrompt);
  });

  it("in shadow mode requests and events are the raw client's, and compaction events are still logged", async () => {
    const run = await twinRuns(api, true);
    expect(run.wrappedServer.requests.map((request) => request.body)).toEqual(
      run.rawServer.requests.map((request) => request.body),
    );
    expect(run.wrappedEvents).toEqual(run.rawEvents);
    const compactions = run.events.filter((event) => event.type === "compaction");
    expect(compactions.length).toBeGreaterThan(0);
    for (const compaction of compactions)
      expect(compaction.tokensAfter).toBeLessThan(compaction.tokensBefore);
    const callEvents = run.events.filter((event) => event.type === "call");
    expect(callEvents).toHaveLength(calls);
    expect(callEvents.every((event) => !event.compacted && event.stream)).toBe(true);
    expect(run.events.filter((event) => event.type === "error")).toEqual([]);
    const report = await sessionReport(run.wrapped);
    expect(report.calls).toBe(calls);
    expect(report.compactions).toBe(0);
    expect(report.realisedSavingUsd).toBeCloseTo(0, 10);
  });
});
