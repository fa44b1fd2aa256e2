import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  sessionReport,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import type { RecordedRequest, TestServer } from "../../src/testing/index.js";
import { loopScript } from "../support/agent-loop.js";
import { serverCost, serverPromptTokens, useServers } from "./helpers.js";
import { type ResponsesMode, runResponsesLoop } from "./responses-loop.js";

const calls = 40;
const model = "gpt-5";
const server = useServers();

async function run(target: TestServer, mode: ResponsesMode, events?: CompactorEvent[]) {
  const raw = new OpenAI({ baseURL: target.openaiBaseURL, apiKey: "test", maxRetries: 0 });
  const client = events
    ? withCompaction(raw, {
        session: `responses-${mode}`,
        strategy: truncate({ targetRatio: 0.5, keepTurns: 4 }),
        trigger: tokenThreshold(30_000),
        onEvent: (event) => events.push(event),
        diagnosticsChannel: false,
        summarizer: false,
      })
    : raw;
  await runResponsesLoop(client, { calls, mode });
  return client;
}

/** The `input` list of a recorded Responses request. */
function inputOf(request: RecordedRequest | undefined): unknown[] {
  const input = (request?.body as { input?: unknown } | undefined)?.input;
  if (!Array.isArray(input)) throw new Error(`request ${request?.requestId} has no input list`);
  return input;
}

describe.each([
  { mode: "create" as const },
  { mode: "create-stream" as const },
  { mode: "stream-helper" as const },
])("a $mode agent loop on the OpenAI Responses API with truncate at a threshold", ({ mode }) => {
  it("sends only valid requests, logs compactions, and reports what the server counted", async () => {
    const wrappedServer = await server({ script: loopScript(calls) });
    const rawServer = await server({ script: loopScript(calls) });
    const events: CompactorEvent[] = [];
    const client = await run(wrappedServer, mode, events);
    await run(rawServer, mode);

    expect(wrappedServer.requests).toHaveLength(calls);
    for (const request of wrappedServer.requests) {
      expect(request.validationError, `request ${request.requestId}`).toBeUndefined();
      expect(request.status).toBe(200);
      expect(request.stream).toBe(mode !== "create");
    }
    const compactions = events.filter((event) => event.type === "compaction");
    expect(compactions.length).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    const callEvents = events.filter((event) => event.type === "call");
    expect(callEvents).toHaveLength(calls);
    expect(
      callEvents.every(
        (event) => event.provider === "openai-responses" && event.stream === (mode !== "create"),
      ),
    ).toBe(true);
    expect(callEvents.some((event) => event.compacted)).toBe(true);

    // The first compacted request starts with the kept task, and is shorter than the raw agent's.
    const firstCompacted = callEvents.findIndex((event) => event.compacted);
    const sentInput = inputOf(wrappedServer.requests[firstCompacted]);
    const rawInput = inputOf(rawServer.requests[firstCompacted]);
    expect(sentInput.length).toBeLessThan(rawInput.length);
    expect(sentInput[0]).toEqual(rawInput[0]);
    expect(serverPromptTokens(wrappedServer.requests)).toBeLessThan(serverPromptTokens(rawServer.requests));

    const report = await sessionReport(client, `responses-${mode}`);
    expect(report.calls).toBe(calls);
    expect(report.compactions).toBe(compactions.length);
    // Nothing is lost: the session holds every item of the last (full) request the raw agent sent.
    expect(report.historyMessages).toBe(inputOf(rawServer.requests.at(-1)).length);
    expect(report.promptTokens).toBe(serverPromptTokens(wrappedServer.requests));
    expect(report.costUsd).toBeCloseTo(serverCost(wrappedServer.requests, model), 8);
    const independentSaving =
      serverCost(rawServer.requests, model) - serverCost(wrappedServer.requests, model);
    expect(independentSaving).toBeGreaterThan(0);
    expect(Math.abs(report.realisedSavingUsd - independentSaving) / independentSaving).toBeLessThan(0.05);
  });
});
