/**
 * A default that cannot hurt (issue 13, item 5): a strategy that does not weigh the cache, given without a
 * trigger, is wrapped in `cacheAware` instead of being asked on every call.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  cacheAware,
  costOfCall,
  defaultStrategy,
  guardedStrategy,
  observationMasking,
  sessionReport,
  type Strategy,
  summarize,
  type Trigger,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import { type RecordedRequest, startTestServer, type TestServer } from "../../src/testing/index.js";
import { loopScript, runAnthropicLoop } from "../support/agent-loop.js";

describe("guardedStrategy", () => {
  it("wraps a strategy that does not weigh the cache in cacheAware, asked on every call", () => {
    const { strategy, trigger } = guardedStrategy(truncate());
    expect(strategy?.name).toBe("cache-aware(truncate)");
    expect(strategy?.weighsCache).toBe(true);
    expect(trigger.shouldCompact({} as never)).toBe(true);
  });
  it("leaves a strategy that weighs the cache, an explicit trigger and null alone", () => {
    const inner = cacheAware(observationMasking());
    expect(guardedStrategy(inner).strategy).toBe(inner);
    const fallback = defaultStrategy();
    expect(guardedStrategy(fallback).strategy).toBe(fallback);
    const bare = truncate();
    const threshold = tokenThreshold(50_000);
    expect(guardedStrategy(bare, threshold)).toEqual({ strategy: bare, trigger: threshold });
    expect(guardedStrategy(null).strategy).toBeNull();
  });
});

const calls = 60;
const model = "claude-sonnet-4-6";
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function serverCost(requests: readonly RecordedRequest[]): number {
  return requests.reduce((sum, request) => sum + (request.usage ? (costOfCall(model, request.usage).costUsd ?? 0) : 0), 0);
}

async function loop(strategy: Strategy | null, trigger?: Trigger) {
  const server = await startTestServer({ script: loopScript(calls) });
  servers.push(server);
  const events: CompactorEvent[] = [];
  const client = withCompaction(new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }), {
    session: "guard",
    strategy,
    ...(trigger ? { trigger } : {}),
    summarizer: false,
    diagnosticsChannel: false,
    onEvent: (event) => events.push(event),
  });
  await runAnthropicLoop(client, { calls, model });
  const requests = server.requests;
  const prompt = requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
  const read = requests.reduce((sum, request) => sum + (request.usage?.cacheReadTokens ?? 0), 0);
  return {
    cost: serverCost(requests),
    hitRate: read / prompt,
    report: await sessionReport(client, "guard"),
    compactions: events.filter((event) => event.type === "compaction"),
  };
}

describe("withCompaction with a strategy and no trigger, on a 60-call Anthropic loop", () => {
  it("keeps the cache hitting and costs no more than no compaction, where every-call compaction costs more", async () => {
    const none = await loop(null);
    const everyCall = await loop(observationMasking(), { name: "every call", shouldCompact: () => true });
    const guarded = await loop(observationMasking());
    const truncated = await loop(truncate());
    const summarized = await loop(summarize());

    if (process.env.COMPACTOR_PRINT_TWINS)
      console.log(Object.entries({ none, everyCall, guarded, truncated, summarized }).map(([name, run]) => `${name}: $${run.cost.toFixed(4)} hit ${(run.hitRate * 100).toFixed(1)}% compactions ${run.compactions.length}`).join("\n"));
    // The hazard, kept for those who ask for it explicitly: compacting on (nearly) every call.
    expect(everyCall.compactions.length).toBeGreaterThan(40);
    expect(everyCall.hitRate).toBeLessThan(0.2);
    expect(everyCall.cost).toBeGreaterThan(none.cost);

    // Guarded: rare compactions (none at all when none pays: halving the prompt, as truncate() and summarize()
    // aim to, would take more calls to pay back its cache rewrite than the horizon allows), a warm cache,
    // never dearer.
    for (const run of [guarded, truncated, summarized]) {
      expect(run.compactions.length).toBeLessThanOrEqual(5);
      for (const event of run.compactions) expect(event.strategy).toMatch(/^cache-aware\(/);
      expect(run.hitRate).toBeGreaterThan(0.8);
      expect(run.cost).toBeLessThanOrEqual(none.cost * (1 + 1e-9));
      expect(run.report.realisedSavingUsd).toBeGreaterThanOrEqual(-1e-9);
    }
    // When a compaction does pay (masking all but the latest tool results removes most of the prompt), the guard
    // lets it through.
    expect(guarded.compactions.length).toBeGreaterThan(0);
    expect(guarded.cost).toBeLessThan(none.cost);
  }, 60_000);
});
