/**
 * Shared sessions under store faults: two proxies on one real `redis-server` serve one session in turn. While
 * Redis is frozen (SIGSTOP) the per-call version check never stalls a call (it waits a bounded time once, then
 * not again until Redis answers) and the proxies go on with their own copies; once Redis is back, nothing is
 * lost: the session's totals in the store and in both proxies' reports equal the upstream's counts. Two
 * proxies serving one session at the same time add up too.
 */
import Anthropic from "@anthropic-ai/sdk";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorEvent, type CompactorProxy, redisStore, startProxy } from "../../src/index.js";
import { type RedisServer, redisSkipReason, startRedis } from "../support/redis.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
let redis: RedisServer | undefined;
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  redis?.resume();
  for (const step of cleanup.splice(0).reverse()) await step();
  await redis?.close();
  redis = undefined;
});

async function twoProxies(upstream: string, events: CompactorEvent[]): Promise<{ proxies: CompactorProxy[]; prefix: string }> {
  const prefix = `team-faults:${randomUUID()}:`;
  const proxies: CompactorProxy[] = [];
  for (let index = 0; index < 2; index++) {
    const store = redisStore({ url: (redis as RedisServer).url, prefix });
    const proxy = await startProxy({
      store,
      strategy: null,
      upstreams: { anthropic: upstream },
      diagnosticsChannel: false,
      onEvent: (event) => events.push(event),
    });
    cleanup.push(async () => {
      await proxy.close(1000);
      await store.dispose?.();
    });
    proxies.push(proxy);
  }
  return { proxies, prefix };
}

const timed = async (action: () => Promise<unknown>) => {
  const started = performance.now();
  await action();
  return performance.now() - started;
};

describe.skipIf(redisSkipReason !== undefined)(`shared sessions under Redis faults${redisSkipReason ? ` (${redisSkipReason})` : ""}`, () => {
  it("a frozen Redis never stalls the calls of a shared session; once it answers, totals add up everywhere", async () => {
    redis = await startRedis();
    const server = await startServer();
    const events: CompactorEvent[] = [];
    const { proxies, prefix } = await twoProxies(server.url, events);
    const messages: Anthropic.MessageParam[] = [];
    let call = 0;
    const turn = async () => {
      const proxy = proxies[call % 2] as CompactorProxy;
      messages.push({ role: "user", content: `Turn ${call++}: what next?` });
      const client = new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: "k", maxRetries: 0 });
      const answer = await client.messages.create(
        { model: "claude-sonnet-4-6", max_tokens: 64, messages },
        { headers: { "x-compactor-session": "shared-faults" } },
      );
      messages.push({ role: "assistant", content: answer.content });
    };
    for (let index = 0; index < 4; index++) await turn();
    redis.pause();
    const frozen: number[] = [];
    for (let index = 0; index < 6; index++) frozen.push(await timed(turn));
    redis.resume();
    console.info(`frozen Redis, two proxies on one session: calls took ${frozen.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    // Without the bound, each call would wait for the store's 5 s command timeout.
    expect(frozen.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(2500);
    expect(Math.max(...frozen.slice(1))).toBeLessThan(800);
    for (let index = 0; index < 4; index++) await turn();
    expect(server.requests).toHaveLength(14);
    const upstreamPrompt = server.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
    const upstreamOutput = server.requests.reduce((sum, request) => sum + (request.usage?.outputTokens ?? 0), 0);
    // Each proxy's report reads the shared totals (refreshed from the store), and they are the upstream's.
    for (const proxy of proxies) {
      let report = await proxy.report("shared-faults");
      for (let attempt = 0; attempt < 40 && report.calls !== 14; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        report = await proxy.report("shared-faults");
      }
      expect(report.calls).toBe(14);
      expect(report.promptTokens).toBe(upstreamPrompt);
      expect(report.outputTokens).toBe(upstreamOutput);
    }
    const fresh = redisStore({ url: redis.url, prefix });
    cleanup.push(async () => fresh.dispose?.());
    const record = await fresh.load("shared-faults");
    expect(record?.meta.totals.calls).toBe(14);
    expect(record?.ledger).toHaveLength(14);
    expect(record?.history).toHaveLength(messages.length - 1);
    expect(events.some((event) => event.type === "error" && event.phase === "store")).toBe(true);
  }, 60_000);

  it("two proxies serving one session at the same time: calls, tokens and ledger add up", async () => {
    redis = await startRedis();
    const server = await startServer();
    const { proxies, prefix } = await twoProxies(server.url, []);
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        proxies.map((proxy, which) =>
          new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: "k", maxRetries: 0 }).messages.create(
            { model: "claude-sonnet-4-6", max_tokens: 64, messages: [{ role: "user", content: `proxy ${which}, round ${round}` }] },
            { headers: { "x-compactor-session": "concurrent" } },
          ),
        ),
      );
    }
    // A report waits for its own process's saves; the other's last save may still be merging (its save met this
    // one's at the same instant: it reloads, merges and saves again), so it is read again until it lands.
    const reports = await Promise.all(
      proxies.map(async (proxy) => {
        let report = await proxy.report("concurrent");
        for (let attempt = 0; attempt < 40 && report.calls !== 20; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          report = await proxy.report("concurrent");
        }
        return report;
      }),
    );
    const upstreamPrompt = server.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
    const fresh = redisStore({ url: (redis as RedisServer).url, prefix });
    cleanup.push(async () => fresh.dispose?.());
    const record = await fresh.load("concurrent");
    expect(record?.meta.totals.calls).toBe(20);
    expect(record?.meta.totals.promptTokens).toBe(upstreamPrompt);
    expect(record?.ledger).toHaveLength(20);
    // Each proxy's report, refreshed from the store, shows both processes' calls.
    for (const report of reports) expect(report.calls).toBe(20);
  }, 60_000);
});
