/**
 * Issue 9's decision inputs: the strategy is told the real cache lifetime (the request's, else what the
 * provider reported, else the default), per-model prices, and the summarizer's own model, prices and summary
 * size learnt from the session; compaction events price the rewrite from the same numbers.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  cacheAware,
  type CompactorEvent,
  createSdkSummarizer,
  costOfCall,
  getModelPrice,
  observationMasking,
  type Strategy,
  type StrategyContext,
  summarize,
  summarizerModelFor,
  tokenThreshold,
  withCompaction,
} from "../../src/index.js";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { summaryPriorTokens } from "../../strategies/index.js";
import { cacheTtlOf, requestCacheTtlMs } from "../../src/session/compaction.js";
import { liveFrom } from "../../src/session/live-session.js";
import { loopScript, toolOutput } from "../support/agent-loop.js";
import { contextFor, task, toolHistory } from "./support.js";

const hour = 3_600_000;
const fiveMinutes = 300_000;

describe("the cache lifetime the strategy is told", () => {
  it("reads the request's ttl (Anthropic cache_control, OpenAI prompt_cache_retention)", () => {
    const marked = (ttl?: string) => ({ type: "text", text: "x", cache_control: { type: "ephemeral", ...(ttl ? { ttl } : {}) } });
    expect(requestCacheTtlMs("anthropic", { system: [marked("1h")], messages: [] })).toBe(hour);
    expect(requestCacheTtlMs("anthropic", { messages: [{ role: "user", content: [marked("1h")] }] })).toBe(hour);
    expect(requestCacheTtlMs("anthropic", { cache_control: { type: "ephemeral", ttl: "5m" }, messages: [] })).toBe(fiveMinutes);
    expect(requestCacheTtlMs("anthropic", { system: [marked()], messages: [] })).toBeUndefined();
    expect(requestCacheTtlMs("openai-chat", { prompt_cache_retention: "24h" })).toBe(24 * hour);
    expect(requestCacheTtlMs("openai-responses", { prompt_cache_retention: "in_memory" })).toBeUndefined();
  });

  it("falls back to what the provider reported writing, then to the provider's default", () => {
    const state = liveFrom("s", undefined, () => 1);
    expect(cacheTtlOf(state, "anthropic", "claude-opus-4-6")).toEqual({ ttlMs: fiveMinutes, ttlSource: "default" });
    expect(cacheTtlOf(state, "openai-chat", "gpt-5.6")).toEqual({ ttlMs: 30 * 60_000, ttlSource: "default" });
    const usage = { inputTokens: 3, cacheReadTokens: 1000, cacheWrite5mTokens: 0, cacheWrite1hTokens: 900, outputTokens: 5, reasoningTokens: 0 };
    state.meta.lastUsage = usage;
    expect(cacheTtlOf(state, "anthropic", "claude-opus-4-6")).toEqual({ ttlMs: hour, ttlSource: "reported" });
    state.meta.lastUsage = { ...usage, cacheWrite5mTokens: 900, cacheWrite1hTokens: 0 };
    expect(cacheTtlOf(state, "anthropic", "claude-opus-4-6")).toEqual({ ttlMs: fiveMinutes, ttlSource: "reported" });
    expect(cacheTtlOf(state, "anthropic", "claude-opus-4-6", hour)).toEqual({ ttlMs: hour, ttlSource: "request" });
  });
});

describe("cacheAware with the real lifetime", () => {
  const prices = (() => {
    const price = getModelPrice("claude-opus-4-6");
    if (!price) throw new Error("no price for claude-opus-4-6");
    return { input: price.input, output: price.output, cacheRead: price.cacheRead, cacheWrite5m: price.cacheWrite5m, cacheWrite1h: price.cacheWrite1h };
  })();
  const messages = [task, ...toolHistory(40, 6000)];
  const decide = (cache: StrategyContext["cache"], callIndex: number) =>
    cacheAware(observationMasking()).compact(
      messages,
      contextFor(messages, { model: "claude-opus-4-6", prices, callIndex, ...(cache ? { cache } : {}) }),
    );
  const now = 10 * hour;

  it("prices a warm rewrite at the 1-hour write price: a compaction that pays at 5 minutes may not at 1 hour", async () => {
    // Find the smallest horizon at which the 5-minute session compacts; the 1-hour one must need a longer one.
    const firstCompacting = async (ttlMs: number) => {
      for (let callIndex = 2; callIndex <= 120; callIndex += 2) {
        if (await decide({ now, lastCallAt: now - 1000, ttlMs }, callIndex)) return callIndex;
      }
      return Number.POSITIVE_INFINITY;
    };
    const short = await firstCompacting(fiveMinutes);
    const long = await firstCompacting(hour);
    expect(short).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(long).toBeGreaterThan(short);
  });

  it("reads an idle gap of 20 minutes as a warm cache on a 1-hour session, a cold one on a 5-minute session", async () => {
    const gap = now - 20 * 60_000;
    const cold = await decide({ now, lastCallAt: gap, ttlMs: fiveMinutes }, 4);
    const warm = await decide({ now, lastCallAt: gap, ttlMs: hour }, 4);
    expect(cold?.removed.description).toMatch(/cold cache/);
    expect(warm).toBeNull();
  });
});

describe("the summarizer the strategy is told about", () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  /** A 40-call loop on Opus with 1-hour breakpoints or the default ones; a probe records what the strategy saw. */
  async function run(ttl: "1h" | undefined) {
    const calls = 40;
    const agent = await startTestServer({ script: loopScript(calls) });
    // About 1,500 tokens: the loopback server counts four characters a token.
    const summaryServer = await startTestServer({ script: () => reply.text(`Summary: ${"the agent searched src for handlers. ".repeat(160)}`) });
    servers.push(agent, summaryServer);
    const seen: StrategyContext[] = [];
    const inner = summarize({ keepTurns: 2 });
    const probe: Strategy = {
      name: "probe",
      compact: (messages, context) => {
        seen.push(context);
        return inner.compact(messages, context);
      },
    };
    const events: CompactorEvent[] = [];
    const model = "claude-opus-4-6";
    const summarizerModel = summarizerModelFor(model) ?? model;
    const client = withCompaction(new Anthropic({ baseURL: agent.anthropicBaseURL, apiKey: "test", maxRetries: 0 }), {
      session: "inputs",
      strategy: probe,
      trigger: tokenThreshold(30_000),
      diagnosticsChannel: false,
      onEvent: (event) => events.push(event),
      summarizer: createSdkSummarizer({
        client: new Anthropic({ baseURL: summaryServer.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
        model: summarizerModel,
        price: (name, usage) => costOfCall(name, usage).costUsd ?? null,
      }),
    });
    const marker = { type: "ephemeral" as const, ...(ttl ? { ttl } : {}) };
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Fix the failing handler in src/." }];
    for (let index = 0; index < calls; index++) {
      const last = messages.at(-1) as Anthropic.MessageParam;
      const content = typeof last.content === "string" ? [{ type: "text" as const, text: last.content }] : last.content;
      const sent = [
        ...messages.slice(0, -1),
        { ...last, content: [...content.slice(0, -1), { ...content.at(-1), cache_control: marker }] } as Anthropic.MessageParam,
      ];
      const response = await client.messages.create({
        model,
        max_tokens: 1024,
        system: [{ type: "text", text: "You are a coding agent.", cache_control: marker }],
        messages: sent,
      });
      messages.push({ role: "assistant", content: response.content });
      const calls_ = response.content.filter((block) => block.type === "tool_use");
      if (calls_.length === 0) break;
      messages.push({ role: "user", content: calls_.map((call) => ({ type: "tool_result" as const, tool_use_id: call.id, content: toolOutput(index) })) });
    }
    return { seen, events, summarizerModel, summaries: summaryServer.requests };
  }

  it("is the summarizer model at its own prices, and the summary size is learnt from the session's summaries", async () => {
    const { seen, events, summarizerModel, summaries } = await run("1h");
    expect(summarizerModel).not.toBe("claude-opus-4-6");
    const first = seen[0];
    expect(first?.cache?.ttlMs).toBe(hour);
    expect(first?.cache?.ttlSource).toBe("request");
    expect(first?.summaryEstimate).toMatchObject({ model: summarizerModel, expectedTokens: summaryPriorTokens, observed: 0 });
    expect(first?.summaryEstimate?.prices?.output).toBe(getModelPrice(summarizerModel)?.output);
    expect(first?.prices?.output).toBe(getModelPrice("claude-opus-4-6")?.output);

    const compactions = events.filter((event) => event.type === "compaction");
    expect(compactions.length).toBeGreaterThanOrEqual(2);
    expect(summaries.length).toBe(compactions.length);
    const written = summaries[0]?.usage?.outputTokens as number;
    expect(written).toBeGreaterThan(1000);
    const after = seen.find((context) => context.summaryEstimate?.observed === 1);
    expect(after?.summaryEstimate?.expectedTokens).toBe(Math.round((summaryPriorTokens + written) / 2));
  }, 60_000);

  it("prices the rewrite in compaction events at the session's write price (1-hour: 1.65× the 5-minute premium on Opus)", async () => {
    const long = (await run("1h")).events.find((event) => event.type === "compaction");
    const short = (await run(undefined)).events.find((event) => event.type === "compaction");
    expect(long?.type === "compaction" && short?.type === "compaction").toBe(true);
    if (long?.type !== "compaction" || short?.type !== "compaction") return;
    expect(long.tokensBefore).toBe(short.tokensBefore);
    const price = getModelPrice("claude-opus-4-6");
    if (!price) throw new Error("no price");
    const premium = (price.cacheWrite1h - price.cacheRead) / (price.cacheWrite5m - price.cacheRead);
    expect(premium).toBeCloseTo(1.652, 2);
    expect((long.estimatedRewriteCostUsd as number) / (short.estimatedRewriteCostUsd as number)).toBeCloseTo(premium, 6);
  }, 60_000);
});
