/**
 * Issue 11, fault 12: a frozen, stalled or restarted Redis (a real `redis-server`, frozen with SIGSTOP) never
 * stalls the user's calls, never locks a budget, and loses no session writes; two processes writing one session
 * add up their totals. Real Anthropic SDK clients against `compactor/testing`.
 */
import Anthropic from "@anthropic-ai/sdk";
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BudgetUnavailableError,
  type CompactorEvent,
  costOfCall,
  redisBudgetLedger,
  redisStore,
  sessionReport,
  withCompaction,
} from "../../src/index.js";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { type RedisServer, redisSkipReason, startRedis } from "../support/redis.js";

let server: TestServer;
let redis: RedisServer | undefined;
const disposers: Array<() => Promise<void> | undefined> = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  redis?.resume();
  await Promise.all(disposers.splice(0).map((dispose) => dispose()));
  await redis?.close();
  redis = undefined;
});
afterAll(async () => {
  await server?.close();
});

function client(options: Record<string, unknown>, events: CompactorEvent[]) {
  const raw = new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
  return withCompaction(raw, {
    session: "redis-faults",
    strategy: null,
    summarizer: false,
    diagnosticsChannel: false,
    onEvent: (event) => events.push(event),
    ...options,
  });
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function serverCost(from: number): number {
  return server.requests.slice(from).reduce((sum, request) => {
    const cost = costOfCall(String((request.body as { model: string }).model), request.usage as never);
    return sum + (cost.known ? (cost.costUsd ?? 0) : 0);
  }, 0);
}

describe.skipIf(redisSkipReason !== undefined)(
  `Redis faults${redisSkipReason ? ` (skipped: ${redisSkipReason})` : ""}`,
  () => {
    it("a frozen Redis costs at most one budget timeout, not the store's 5 s command timeout on every call", async () => {
      redis = await startRedis();
      const prefix = `frozen:${randomUUID()}:`;
      const store = redisStore({ url: redis.url, prefix });
      const ledger = redisBudgetLedger({ url: redis.url, prefix });
      disposers.push(
        () => store.dispose?.(),
        () => ledger.dispose?.(),
      );
      const events: CompactorEvent[] = [];
      const wrapped = client({ store, budget: { ledger, team: { id: "frozen", maxUsd: 10 } } }, events);
      const messages: Anthropic.MessageParam[] = [];
      const turn = async (text: string) => {
        messages.push({ role: "user", content: text });
        const answer = await wrapped.messages.create({
          model: "claude-sonnet-4-6",
          max_tokens: 200,
          messages,
        });
        messages.push({ role: "assistant", content: answer.content });
      };
      for (const text of ["one", "two"]) await turn(text);
      redis.pause();
      const frozen: number[] = [];
      for (const text of ["three", "four", "five", "six"]) frozen.push(await timed(() => turn(text)));
      redis.resume();
      console.info(
        `frozen Redis (store command timeout 5 s, budget timeout 1 s): calls took ${frozen.map((ms) => ms.toFixed(0)).join(", ")} ms`,
      );
      // One budget timeout (1 s) on the first call that meets the frozen Redis; none after it.
      expect(frozen.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(3000);
      expect(Math.max(...frozen.slice(1))).toBeLessThan(800);
      // Nothing is lost: once Redis answers, the session is saved in full.
      await eventually(async () => {
        await turn("after");
        await sessionReport(wrapped);
        const record = await store.load("redis-faults");
        return record?.history.length === messages.length - 1;
      }, "the session to be saved");
    }, 40_000);

    it("fail-closed: a reserve that timed out during a stall does not hold the team budget once Redis answers", async () => {
      redis = await startRedis();
      const prefix = `stall:${randomUUID()}:`;
      const ledger = redisBudgetLedger({ url: redis.url, prefix });
      disposers.push(() => ledger.dispose?.());
      const events: CompactorEvent[] = [];
      const wrapped = client(
        { budget: { ledger, team: { id: "stall", maxUsd: 1 }, failMode: "closed", timeoutMs: 300 } },
        events,
      );
      const ask = (text: string) =>
        wrapped.messages.create({
          model: "claude-sonnet-4-6",
          max_tokens: 200,
          messages: [{ role: "user", content: text }],
        });
      await ask("one");
      redis.pause();
      const refused = await ask("two").catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(BudgetUnavailableError);
      await new Promise((resolve) => setTimeout(resolve, 300));
      redis.resume(); // the timed-out reservation lands now
      await eventually(async () => {
        const status = await ledger.status("team:stall");
        return status.reservedUsd === 0;
      }, "the late reservation to be released (it would otherwise hold for 10 minutes)");
      await ask("three");
      const status = await ledger.status("team:stall");
      expect(status.reservedUsd).toBe(0);
    }, 30_000);

    it("after Redis loses recent writes (restart without persistence), live sessions are saved again", async () => {
      redis = await startRedis();
      const prefix = `lost:${randomUUID()}:`;
      const store = redisStore({ url: redis.url, prefix, connectTimeoutMs: 300 });
      disposers.push(() => store.dispose?.());
      const events: CompactorEvent[] = [];
      const wrapped = client({ store }, events);
      const messages: Anthropic.MessageParam[] = [];
      const turn = async (text: string) => {
        messages.push({ role: "user", content: text });
        const answer = await wrapped.messages.create({
          model: "claude-sonnet-4-6",
          max_tokens: 200,
          messages,
        });
        messages.push({ role: "assistant", content: answer.content });
      };
      for (let index = 0; index < 3; index++) await turn(`before ${index}`);
      await sessionReport(wrapped);
      await redis.restart();
      await eventually(async () => {
        try {
          await store.list();
          return true;
        } catch {
          return false;
        }
      }, "the store to reconnect");
      const from = events.length;
      for (let index = 0; index < 20; index++) await turn(`after ${index}`);
      await sessionReport(wrapped);
      const conflicts = events
        .slice(from)
        .filter(
          (event) =>
            event.type === "error" && event.phase === "store" && /another writer/.test(event.message),
        );
      expect(conflicts).toHaveLength(0);
      const record = await store.load("redis-faults");
      expect(record?.history.length).toBe(messages.length - 1);
      expect(record?.meta.totals.calls).toBe(23);
    }, 30_000);

    it("two processes writing one session add up their call totals", async () => {
      redis = await startRedis();
      const prefix = `shared:${randomUUID()}:`;
      const stores = [redisStore({ url: redis.url, prefix }), redisStore({ url: redis.url, prefix })];
      disposers.push(...stores.map((store) => () => store.dispose?.()));
      const events: CompactorEvent[] = [];
      const clients = stores.map((store) => client({ store }, events));
      const from = server.requests.length;
      for (let index = 0; index < 15; index++) {
        await Promise.all(
          clients.map((wrapped, which) =>
            wrapped.messages.create({
              model: "claude-sonnet-4-6",
              max_tokens: 200,
              messages: [{ role: "user", content: `process ${which}, call ${index}` }],
            }),
          ),
        );
      }
      for (const wrapped of clients) await sessionReport(wrapped);
      const fresh = redisStore({ url: redis.url, prefix });
      disposers.push(() => fresh.dispose?.());
      const record = await fresh.load("redis-faults");
      expect(record?.meta.totals.calls).toBe(30);
      expect(record?.ledger).toHaveLength(30);
      expect(record?.meta.totals.costUsd).toBeCloseTo(serverCost(from), 9);
    }, 30_000);
  },
);
