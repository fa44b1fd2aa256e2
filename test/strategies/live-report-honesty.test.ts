/**
 * Live honesty: `sessionReport`'s realised saving against an A/B twin. The same scripted 60-call agent loop
 * runs twice on the loopback server, once wrapped with a strategy and once with `strategy: null`; the twin's
 * saving is priced from the servers' own token counts (agent calls, and the summarizer's calls on a server of
 * their own), never from compactor's ledger. The report must agree within 2 percentage points, for every
 * built-in strategy, on Anthropic Messages, OpenAI Chat and Responses, plain and streaming.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  cacheAware,
  costOfCall,
  createSdkSummarizer,
  defaultStrategy,
  observationMasking,
  pipeline,
  type Strategy,
  sessionReport,
  summarize,
  type Trigger,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import { type RecordedRequest, reply, startTestServer } from "../../src/testing/index.js";
import { runResponsesLoop } from "../e2e/responses-loop.js";
import { loopScript, runAnthropicLoop, runOpenAIChatLoop } from "../support/agent-loop.js";

const calls = 60;
const tolerancePoints = 2;

type Api = "anthropic" | "openai-chat" | "openai-responses";
const modelOf = (api: Api): string => (api === "anthropic" ? "claude-sonnet-4-6" : "gpt-5");

/** Dollars of the recorded calls at list prices, from the server's token counts. */
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

/** A summary of about 1,500 tokens (the loopback server counts four characters a token). */
const summaryText = `## Task\nFix the failing handler in src/.\n## Progress\n${"Searched src/module_N for handler_N; found the definitions and their call sites. ".repeat(75)}`;

interface Run {
  agentRequests: RecordedRequest[];
  summarizerRequests: RecordedRequest[];
  report: Awaited<ReturnType<typeof sessionReport>>;
  events: CompactorEvent[];
}

async function runLoop(api: Api, stream: boolean, strategy: Strategy | null, trigger?: Trigger): Promise<Run> {
  const agentServer = await startTestServer({ script: loopScript(calls) });
  const summaryServer = await startTestServer({ script: () => reply.text(summaryText) });
  try {
    const model = modelOf(api);
    const events: CompactorEvent[] = [];
    const summarizerClient =
      api === "anthropic"
        ? new Anthropic({ baseURL: summaryServer.anthropicBaseURL, apiKey: "test", maxRetries: 0 })
        : new OpenAI({ baseURL: summaryServer.openaiBaseURL, apiKey: "test", maxRetries: 0 });
    const options = {
      session: "twin",
      strategy,
      ...(trigger ? { trigger } : {}),
      onEvent: (event: CompactorEvent) => events.push(event),
      diagnosticsChannel: false,
      summarizer: createSdkSummarizer({
        client: summarizerClient,
        model,
        price: (summaryModel, usage) => costOfCall(summaryModel, usage).costUsd ?? null,
      }),
    };
    let client: object;
    if (api === "anthropic") {
      const wrapped = withCompaction(
        new Anthropic({ baseURL: agentServer.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
        options,
      );
      await runAnthropicLoop(wrapped, { calls, stream, model });
      client = wrapped;
    } else {
      const wrapped = withCompaction(
        new OpenAI({ baseURL: agentServer.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
        options,
      );
      if (api === "openai-chat") await runOpenAIChatLoop(wrapped, { calls, stream, model });
      else await runResponsesLoop(wrapped, { calls, mode: stream ? "create-stream" : "create", model });
      client = wrapped;
    }
    const report = await sessionReport(client, "twin");
    return {
      agentRequests: [...agentServer.requests],
      summarizerRequests: [...summaryServer.requests],
      report,
      events,
    };
  } finally {
    await Promise.all([agentServer.close(), summaryServer.close()]);
  }
}

interface Case {
  name: string;
  make: () => Strategy;
  trigger?: () => Trigger;
  /** Also run streaming (the stream only changes how usage is read: three cases cover it, to keep CI short). */
  stream?: boolean;
}

/** Built-in strategies as a user would write them (no trigger: the default applies), and some with triggers. */
const strategies: Case[] = [
  { name: "truncate()", make: () => truncate() },
  { name: "truncate() + tokenThreshold(100k)", make: () => truncate(), trigger: () => tokenThreshold(100_000), stream: true },
  { name: "observationMasking()", make: () => observationMasking() },
  // Masks a little more on every call past 30k tokens: every call changes the view (the counterfactual's hard case).
  { name: "observationMasking() + tokenThreshold(30k)", make: () => observationMasking(), trigger: () => tokenThreshold(30_000), stream: true },
  { name: "summarize()", make: () => summarize() },
  { name: "summarize() + tokenThreshold(60k)", make: () => summarize(), trigger: () => tokenThreshold(60_000) },
  { name: "pipeline(masking, summarize)", make: () => pipeline(observationMasking(), summarize()) },
  { name: "cacheAware(truncate())", make: () => cacheAware(truncate()) },
  { name: "defaultStrategy()", make: () => defaultStrategy(), stream: true },
];

const apis: Array<{ api: Api; stream: boolean }> = [
  { api: "anthropic", stream: false },
  { api: "anthropic", stream: true },
  { api: "openai-chat", stream: false },
  { api: "openai-chat", stream: true },
  { api: "openai-responses", stream: false },
  { api: "openai-responses", stream: true },
];

describe.each(apis)("the live report on $api (stream: $stream) agrees with an A/B twin", ({ api, stream }) => {
  const model = modelOf(api);
  let twinCost = 0;
  beforeAll(async () => {
    const twin = await runLoop(api, stream, null);
    expect(twin.agentRequests).toHaveLength(calls);
    twinCost = serverCost(twin.agentRequests, model);
    // The twin itself: no compaction, its report is its bill.
    expect(twin.report.compactions).toBe(0);
    expect(twin.report.costUsd).toBeCloseTo(twinCost, 8);
  }, 60_000);
  const results: string[] = [];
  afterAll(() => {
    if (process.env.COMPACTOR_PRINT_TWINS) console.log(`${api} stream=${stream}\n${results.join("\n")}`);
  });

  it.each(strategies.filter((entry) => !stream || entry.stream))("$name", async ({ name, make, trigger }) => {
    const run = await runLoop(api, stream, make(), trigger?.());
    expect(run.agentRequests).toHaveLength(calls);
    for (const request of run.agentRequests) expect(request.validationError).toBeUndefined();
    expect(run.events.filter((event) => event.type === "error")).toEqual([]);
    const agentCost = serverCost(run.agentRequests, model);
    const summarizerCost = serverCost(run.summarizerRequests, model);
    // What compactor says it paid is what the servers counted.
    expect(run.report.costUsd).toBeCloseTo(agentCost, 8);
    expect(run.report.summarizerCostUsd).toBeCloseTo(summarizerCost, 8);
    const twinSaving = (twinCost - agentCost - summarizerCost) / twinCost;
    const reported = run.report.realisedSavingRatio;
    results.push(
      `  ${name.padEnd(44)} reported ${(reported * 100).toFixed(1).padStart(6)}%  twin ${(twinSaving * 100).toFixed(1).padStart(6)}%  compactions ${run.report.compactions}`,
    );
    expect(Math.abs(reported - twinSaving) * 100, `${name}: reported ${reported}, twin ${twinSaving}`).toBeLessThanOrEqual(
      tolerancePoints,
    );
  });
});
