/**
 * `compactor proxy` with budgets and shared state (issue 12): a budget refusal reaches the client as a 429 in
 * its own API's error format and the upstream sees nothing; two proxies on one Redis (sessions and budget
 * ledger) continue one session, one after the other, and hold one budget between them.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorProxy, redisBudgetLedger, redisStore, startProxy } from "../../src/index.js";
import { useServers } from "../e2e/helpers.js";
import { redisSkipReason, useRedisServer } from "../support/redis.js";

const startServer = useServers();
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function started(options: Parameters<typeof startProxy>[0]): Promise<CompactorProxy> {
  const proxy = await startProxy({ diagnosticsChannel: false, ...options });
  cleanup.push(() => proxy.close());
  return proxy;
}

describe("budgets through the proxy", () => {
  it("a refused call is a 429 in the provider's format (the SDKs' RateLimitError) and never reaches the upstream", async () => {
    const server = await startServer();
    const proxy = await started({
      upstreams: { anthropic: server.url, openai: server.url },
      budget: { session: { maxUsd: 0.000_001 } },
    });
    const anthropic = new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: "k", maxRetries: 2 });
    const error = await anthropic.messages
      .create({ model: "claude-sonnet-4-6", max_tokens: 256, messages: [{ role: "user", content: "hello" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(String((error as Error).message)).toMatch(/session:/);
    const openai = new OpenAI({ baseURL: proxy.openaiBaseURL, apiKey: "k", maxRetries: 2 });
    const openaiError = await openai.chat.completions
      .create({ model: "gpt-4.1", max_completion_tokens: 256, messages: [{ role: "user", content: "hello" }] })
      .catch((caught: unknown) => caught);
    expect(openaiError).toBeInstanceOf(OpenAI.RateLimitError);
    expect((openaiError as InstanceType<typeof OpenAI.APIError>).code).toBe("compactor_budget_exceeded");
    expect(server.requests).toHaveLength(0);
  });
});

const redisUrl = useRedisServer();

describe.skipIf(redisSkipReason !== undefined)(`two proxies on one Redis${redisSkipReason ? ` (${redisSkipReason})` : ""}`, () => {
  it("hold one budget between them: spend through either counts against the limit both enforce", async () => {
    const server = await startServer();
    const prefix = `proxy-test-${Date.now()}:`;
    const ledger = redisBudgetLedger({ url: redisUrl(), prefix });
    cleanup.push(async () => (ledger as { dispose?: () => Promise<void> }).dispose?.());
    const maxTokens = 6_000;
    const proxies: CompactorProxy[] = [];
    for (let index = 0; index < 2; index++) {
      const store = redisStore({ url: redisUrl(), prefix });
      cleanup.push(async () => store.dispose?.());
      const own = redisBudgetLedger({ url: redisUrl(), prefix });
      cleanup.push(async () => (own as { dispose?: () => Promise<void> }).dispose?.());
      proxies.push(
        await started({ upstreams: { anthropic: server.url }, store, strategy: null, budget: { ledger: own, session: { maxTokens } } }),
      );
    }
    let refusedAt = -1;
    for (let turn = 0; turn < 40 && refusedAt < 0; turn++) {
      const proxy = proxies[turn % 2] as CompactorProxy;
      const client = new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: "k", maxRetries: 0 });
      try {
        // A new conversation each turn: only the budget is shared here.
        await client.messages.create(
          { model: "claude-sonnet-4-6", max_tokens: 64, messages: [{ role: "user", content: `Turn ${turn}: ${"why is the build red? ".repeat(40)}` }] },
          { headers: { "x-compactor-session": "shared-task" } },
        );
        await proxy.report("shared-task");
      } catch (error) {
        expect(error).toBeInstanceOf(Anthropic.RateLimitError);
        refusedAt = turn;
      }
    }
    expect(refusedAt).toBeGreaterThan(1);
    const serverTokens = server.requests.reduce(
      (sum, request) => sum + (request.usage ? request.usage.promptTokens + request.usage.outputTokens : 0),
      0,
    );
    // Each proxy alone sent about half: the limit held because each saw the other's spend.
    const status = await ledger.status("session:shared-task");
    expect(status.spentTokens).toBe(serverTokens);
    expect(status.spentTokens).toBeLessThanOrEqual(maxTokens);
    expect(status.reservedTokens).toBe(0);
    expect(server.requests.length).toBe(refusedAt);
  });
});
