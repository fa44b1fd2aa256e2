/**
 * Provider-native compaction as a strategy part (issue 10, lever 5): `nativeCompaction()` asks the provider to
 * compact when the default's cache-aware rule says compact, through the real SDK clients against
 * `compactor/testing`, which speaks Anthropic's on-demand compaction and OpenAI's `/responses/compact`.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  compactorFetch,
  costOfCall,
  defaultStrategy,
  nativeCompaction,
  sessionReport,
  withCompaction,
} from "../../src/index.js";
import type { RecordedRequest, TestServer } from "../../src/testing/index.js";
import { useServers } from "../e2e/helpers.js";
import { loopScript, runAnthropicLoop, runOpenAIChatLoop, runResponsesLoop } from "../support/agent-loop.js";

const startServer = useServers();
const calls = 60;

type Events = CompactorEvent[];

function anthropicClient(server: TestServer, events: Events, session: string, stream = false) {
  void stream;
  return withCompaction(new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }), {
    session,
    strategy: nativeCompaction({ cacheAware: { paybackMultiple: 1 } }),
    onEvent: (event) => events.push(event),
    diagnosticsChannel: false,
    summarizer: false,
  });
}

const isCompactionRequest = (request: RecordedRequest) =>
  typeof request.body === "object" && request.body !== null && "compaction" in (request.body as object);

function bodyOf(request: RecordedRequest): Record<string, unknown> {
  return request.body as Record<string, unknown>;
}

function priced(model: string, requests: readonly RecordedRequest[]): number {
  return requests.reduce(
    (sum, request) => sum + (request.usage ? (costOfCall(model, request.usage).costUsd ?? 0) : 0),
    0,
  );
}

describe("nativeCompaction: Anthropic on-demand compaction", () => {
  for (const stream of [false, true]) {
    it(`fires on the cache-aware decision, sends a valid compaction request, carries the block (${stream ? "streaming" : "plain"})`, async () => {
      const server = await startServer({ script: loopScript(calls) });
      const events: Events = [];
      const client = anthropicClient(server, events, `native-anthropic-${stream}`);
      await runAnthropicLoop(client, { calls, stream });

      const compactions = events.filter((event) => event.type === "compaction");
      const compactionRequests = server.requests.filter(isCompactionRequest);
      expect(compactions.length).toBeGreaterThan(0);
      expect(compactionRequests.length).toBe(compactions.length);
      expect(events.filter((event) => event.type === "error")).toEqual([]);
      // Every request the server received is valid, the compaction requests included.
      for (const request of server.requests) {
        expect(request.validationError).toBeUndefined();
        expect(request.status).toBe(200);
      }
      for (const request of compactionRequests) {
        expect(String(request.headers["anthropic-beta"])).toContain("compact-2026-09-04");
        const body = bodyOf(request);
        expect(body.compaction).toEqual({ type: "summarize" });
        expect(body.model).toBe("claude-sonnet-4-6");
        expect(body.system).toBeDefined();
        expect(body.tools).toBeDefined();
        expect(body.stream).toBeUndefined();
      }
      // Later calls carry the provider's block, first, byte for byte as returned, with the beta header.
      const firstCompaction = server.requests.indexOf(compactionRequests[0] as RecordedRequest);
      const later = server.requests
        .slice(firstCompaction + 1)
        .filter((request) => !isCompactionRequest(request));
      expect(later.length).toBeGreaterThan(0);
      for (const request of later) {
        const messages = bodyOf(request).messages as Array<{
          role: string;
          content: Array<Record<string, unknown>>;
        }>;
        const block = messages[0]?.content[0];
        expect(messages[0]?.role).toBe("assistant");
        expect(block?.type).toBe("compaction");
        expect(String(block?.content)).toMatch(/^Summary of \d+ messages/);
        // The task follows the block (compactor's breakpoint marks the end of the compacted prefix there).
        expect(messages[1]?.role).toBe("user");
        expect(JSON.stringify(messages[1]?.content)).toContain("Fix the failing handler in src/.");
        expect(String(request.headers["anthropic-beta"])).toContain("compact-2026-09-04");
      }
      // The event tells before/after tokens and the compaction's own cost.
      const event = compactions[0] as Extract<CompactorEvent, { type: "compaction" }>;
      expect(event.strategy).toBe(
        "native-compaction(cache-aware(lossless+observation-masking+fact-summary))",
      );
      expect(event.description).toMatch(
        /^anthropic-compaction: messages 0-\d+ .* compacted by claude-sonnet-4-6, \$\d/,
      );
      expect(event.tokensAfter).toBeLessThan(event.tokensBefore);
      expect(event.summarizerModel).toBe("claude-sonnet-4-6");
      const compactionSpend = priced("claude-sonnet-4-6", compactionRequests);
      expect(compactionSpend).toBeGreaterThan(0);
      expect(
        events
          .filter((e) => e.type === "compaction")
          .reduce((sum, e) => sum + ((e as { summarizerCostUsd?: number }).summarizerCostUsd ?? 0), 0),
      ).toBeCloseTo(compactionSpend, 10);

      // Spend and saving: the compaction calls are spend; calls are priced from the server's own usage.
      const report = await sessionReport(client);
      const agentRequests = server.requests.filter((request) => !isCompactionRequest(request));
      expect(report.calls).toBe(agentRequests.length);
      expect(report.costUsd).toBeCloseTo(priced("claude-sonnet-4-6", agentRequests), 10);
      expect(report.summarizerCostUsd).toBeCloseTo(compactionSpend, 10);
      expect(report.realisedSavingUsd).toBeCloseTo(
        report.uncompactedCostUsd - report.costUsd - compactionSpend,
        10,
      );
    });
  }

  it("passes the user's own compaction and context_management settings through untouched", async () => {
    const server = await startServer({ script: loopScript(3) });
    const events: Events = [];
    const client = anthropicClient(server, events, "native-own");
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Summarize.".repeat(5_000) }];
    await client.beta.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 1024,
      messages,
      betas: ["compact-2026-01-12"],
      context_management: {
        edits: [{ type: "compact_20260112", trigger: { type: "input_tokens", value: 60_000 } }],
      },
    });
    await client.beta.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 4096,
      messages,
      betas: ["compact-2026-09-04"],
      compaction: { type: "summarize" },
    });
    const [first, second] = server.requests;
    expect(bodyOf(first as RecordedRequest).context_management).toEqual({
      edits: [{ type: "compact_20260112", trigger: { type: "input_tokens", value: 60_000 } }],
    });
    expect(bodyOf(first as RecordedRequest).compaction).toBeUndefined();
    expect(String(first?.headers["anthropic-beta"])).toBe("compact-2026-01-12");
    expect(bodyOf(second as RecordedRequest).compaction).toEqual({ type: "summarize" });
    expect(server.requests.length).toBe(2);
    expect(events.filter((event) => event.type === "compaction")).toEqual([]);
  });
});

describe("nativeCompaction: OpenAI Responses /responses/compact", () => {
  for (const stream of [false, true]) {
    it(`fires on the decision, carries the compaction item, prices it (${stream ? "streaming" : "plain"})`, async () => {
      const server = await startServer({ script: loopScript(calls) });
      const events: Events = [];
      const fetch = compactorFetch({
        session: `native-responses-${stream}`,
        strategy: nativeCompaction({ cacheAware: { paybackMultiple: 1 } }),
        onEvent: (event) => events.push(event),
        diagnosticsChannel: false,
        summarizer: false,
      });
      const client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0, fetch });
      await runResponsesLoop(client, { calls, stream });

      const compactRequests = server.requests.filter((request) =>
        request.path.endsWith("/responses/compact"),
      );
      const compactions = events.filter((event) => event.type === "compaction");
      expect(compactions.length).toBeGreaterThan(0);
      expect(compactRequests.length).toBe(compactions.length);
      expect(events.filter((event) => event.type === "error")).toEqual([]);
      for (const request of server.requests) {
        expect(request.validationError).toBeUndefined();
        expect(request.status).toBe(200);
      }
      const body = bodyOf(compactRequests[0] as RecordedRequest);
      expect(body.model).toBe("gpt-5");
      expect(typeof body.instructions).toBe("string");
      expect(Array.isArray(body.input)).toBe(true);
      // Later calls carry exactly one compaction item, with the task before it.
      const at = server.requests.indexOf(compactRequests[0] as RecordedRequest);
      const later = server.requests.slice(at + 1).filter((request) => !request.path.endsWith("/compact"));
      expect(later.length).toBeGreaterThan(0);
      for (const request of later) {
        const input = bodyOf(request).input as Array<Record<string, unknown>>;
        expect(input.filter((item) => item.type === "compaction").length).toBe(1);
        expect(input[0]).toEqual({ role: "user", content: "Fix the failing handler in src/." });
      }
      const spend = priced("gpt-5", compactRequests);
      expect(spend).toBeGreaterThan(0);
      const report = await sessionReport(fetch);
      const agentRequests = server.requests.filter((request) => !request.path.endsWith("/compact"));
      expect(report.calls).toBe(agentRequests.length);
      expect(report.costUsd).toBeCloseTo(priced("gpt-5", agentRequests), 10);
      expect(report.summarizerCostUsd).toBeCloseTo(spend, 10);
      expect(report.realisedSavingUsd).toBeCloseTo(report.uncompactedCostUsd - report.costUsd - spend, 10);
    });
  }

  it("passes the user's own context_management through untouched", async () => {
    const server = await startServer({ script: loopScript(2) });
    const events: Events = [];
    const client = withCompaction(
      new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "native-own-responses",
        strategy: nativeCompaction(),
        onEvent: (event) => events.push(event),
        diagnosticsChannel: false,
        summarizer: false,
      },
    );
    await client.responses.create({
      model: "gpt-5",
      input: "hello",
      context_management: [{ type: "compaction", compact_threshold: 200_000 }],
    });
    expect(bodyOf(server.requests[0] as RecordedRequest).context_management).toEqual([
      { type: "compaction", compact_threshold: 200_000 },
    ]);
    expect(server.requests.length).toBe(1);
  });
});

describe("nativeCompaction when the provider cannot compact", () => {
  it("compacts locally on the same call; the user's calls never fail", async () => {
    const server = await startServer({ script: loopScript(calls) });
    const events: Events = [];
    let refused = 0;
    const fetch = compactorFetch({
      session: "native-refused",
      strategy: nativeCompaction({ cacheAware: { paybackMultiple: 1 } }),
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
      summarizer: false,
      // The provider is overloaded for compaction requests only (529 compaction_unavailable).
      fetch: async (input, init) => {
        if (typeof init?.body === "string" && init.body.includes('"compaction":{"type":"summarize"}')) {
          refused++;
          return new Response(
            JSON.stringify({
              type: "error",
              error: {
                type: "overloaded_error",
                message: "Overloaded",
                details: { error_code: "compaction_unavailable" },
              },
            }),
            { status: 529, headers: { "content-type": "application/json" } },
          );
        }
        return globalThis.fetch(input, init);
      },
    });
    const client = new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0, fetch });
    await runAnthropicLoop(client, { calls });
    // One refusal, then the model is not asked again for ten minutes: the part compacts locally meanwhile.
    expect(refused).toBe(1);
    const compactions = events.filter((event) => event.type === "compaction") as Array<
      Extract<CompactorEvent, { type: "compaction" }>
    >;
    expect(compactions.length).toBeGreaterThan(0);
    for (const event of compactions) expect(event.description).not.toMatch(/^anthropic-compaction/);
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    for (const request of server.requests) expect(request.status).toBe(200);
    const report = await sessionReport(fetch);
    expect(report.calls).toBe(server.requests.length);
    expect(report.summarizerCostUsd).toBe(0);
  });
});

describe("nativeCompaction where the API offers none", () => {
  it("Chat Completions: runs the local fallback, exactly as the default", async () => {
    const runs = await Promise.all(
      [nativeCompaction(), defaultStrategy()].map(async (strategy, index) => {
        const server = await startServer({ script: loopScript(calls) });
        const events: Events = [];
        const client = withCompaction(
          new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
          {
            session: `chat-${index}`,
            strategy,
            onEvent: (event) => events.push(event),
            diagnosticsChannel: false,
            summarizer: false,
          },
        );
        await runOpenAIChatLoop(client, { calls });
        return { server, events, report: await sessionReport(client) };
      }),
    );
    const [native, local] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(native.server.requests.some((request) => request.path.includes("compact"))).toBe(false);
    expect(native.server.requests.map((request) => request.body)).toEqual(
      local.server.requests.map((request) => request.body),
    );
    expect(native.report.costUsd).toBeCloseTo(local.report.costUsd, 12);
    expect(native.events.filter((event) => event.type === "compaction").length).toBe(
      local.events.filter((event) => event.type === "compaction").length,
    );
  });
});
