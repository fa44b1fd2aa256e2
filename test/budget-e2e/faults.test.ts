/**
 * Redis stopped or frozen in the middle of a run, under wrapped Anthropic clients (real SDK, loopback server):
 * fail-open keeps every call going, counts it in memory and replays it into Redis when Redis is back;
 * fail-closed refuses with BudgetUnavailableError and sends nothing. Neither crashes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BudgetUnavailableError,
  type CompactorEvent,
  budgetGate,
  redisBudgetLedger,
  sessionLimitId,
} from "../../src/index.js";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { type RedisServer, redisSkipReason, startRedis } from "../support/redis.js";
import { ask, ofType, serverSpend, wrappedAnthropic } from "./support.js";

const team = { id: "team:faults", maxUsd: 1 };

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(redisSkipReason !== undefined)(
  `budgets when Redis fails${redisSkipReason ? ` (skipped: ${redisSkipReason})` : ""}`,
  () => {
    let redis: RedisServer;
    let server: TestServer;
    const disposers: Array<() => Promise<void>> = [];
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterEach(async () => {
      await Promise.all(disposers.splice(0).map((dispose) => dispose()));
      await redis?.close();
    });
    afterAll(async () => {
      await server?.close();
    });

    const setup = async (prefix: string) => {
      redis = await startRedis();
      const ledger = redisBudgetLedger({
        url: redis.url,
        prefix,
        connectTimeoutMs: 300,
        commandTimeoutMs: 2000,
      });
      disposers.push(async () => ledger.dispose?.());
      return ledger;
    };

    it("fail-open: calls go on while Redis is stopped, and their spend is replayed into Redis after its restart", async () => {
      const prefix = `open:${randomUUID()}:`;
      const ledger = await setup(prefix);
      const events: CompactorEvent[] = [];
      const gate = budgetGate({
        ledger,
        limits: (session) => [{ id: sessionLimitId(session) }, team],
        probeIntervalMs: 100,
      });
      const client = wrappedAnthropic(server, { session: "open-1", budget: gate }, events);
      const start = server.requests.length;
      for (const text of ["one", "two"]) await ask(client, text, "claude-sonnet-4-6", 100);

      await redis.stop();
      const outage = server.requests.length;
      for (const text of ["three", "four", "five"]) await ask(client, text, "claude-sonnet-4-6", 100);
      expect(server.requests.length - outage).toBe(3);
      expect(gate.degraded).toBe(true);
      expect(gate.pendingReplays).toBe(3);
      const errors = ofType(events, "error").filter((event) => event.phase === "budget");
      expect(errors).toHaveLength(1);
      expect(errors[0]?.fallback).toBe("continued-in-memory");

      await redis.restart(); // empty: nothing is persisted
      await eventually(async () => {
        await ask(client, "after", "claude-sonnet-4-6", 100);
        return gate.pendingReplays === 0 && !gate.degraded;
      }, "the replay");
      const status = await ledger.status("team:faults");
      // Redis lost the first two calls with its restart; it now holds the outage's calls (replayed) and the later ones.
      expect(status.spentUsd).toBeCloseTo(serverSpend(server.requests.slice(outage)), 9);
      expect(status.reservedUsd).toBe(0);
      expect(serverSpend(server.requests.slice(start))).toBeGreaterThan(status.spentUsd);
      const reconciled = ofType(events, "budget").filter((event) => event.action === "reconcile");
      expect(reconciled.map((event) => event.budget).sort()).toEqual(["session:open-1", "team:faults"]);
      // The three outage calls, and any made while the client was still reconnecting.
      expect(Number(/Replayed (\d+) call/.exec(reconciled[0]?.message ?? "")?.[1])).toBeGreaterThanOrEqual(3);
    }, 30_000);

    it("fail-open: a frozen Redis (SIGSTOP) costs one timeout, and nothing is counted twice once it answers", async () => {
      const prefix = `slow:${randomUUID()}:`;
      const ledger = await setup(prefix);
      const gate = budgetGate({ ledger, limits: [team], timeoutMs: 200, probeIntervalMs: 100 });
      const client = wrappedAnthropic(server, { session: "slow-1", budget: gate });
      const start = server.requests.length;
      await ask(client, "one", "claude-sonnet-4-6", 100);
      redis.pause();
      const started = performance.now();
      for (const text of ["two", "three", "four"]) await ask(client, text, "claude-sonnet-4-6", 100);
      const frozen = performance.now() - started;
      redis.resume();
      await eventually(async () => {
        await ask(client, "after", "claude-sonnet-4-6", 100);
        return gate.pendingReplays === 0 && !gate.degraded;
      }, "the replay");
      await eventually(
        async () => (await ledger.status("team:faults")).reservedUsd === 0,
        "late holds to clear",
      );
      const status = await ledger.status("team:faults");
      console.info(`frozen Redis: 3 calls in ${frozen.toFixed(0)} ms (timeout 200 ms)`);
      expect(frozen).toBeLessThan(3000);
      expect(status.spentUsd).toBeCloseTo(serverSpend(server.requests.slice(start)), 9);
    }, 30_000);

    it("fail-closed: calls are refused with BudgetUnavailableError while Redis is down, and nothing is sent", async () => {
      const prefix = `closed:${randomUUID()}:`;
      const ledger = await setup(prefix);
      const events: CompactorEvent[] = [];
      const budget = { ledger, team: { id: "faults", maxUsd: 1 }, failMode: "closed" as const };
      const client = wrappedAnthropic(server, { session: "closed-1", budget }, events);
      await ask(client, "one", "claude-sonnet-4-6", 100);
      await redis.stop();
      const before = server.requests.length;
      for (const text of ["two", "three"]) {
        const error = await ask(client, text, "claude-sonnet-4-6", 100).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(BudgetUnavailableError);
        expect((error as BudgetUnavailableError).ledger).toBe("redis");
      }
      expect(server.requests.length).toBe(before);
      expect(
        ofType(events, "error").filter((event) => event.phase === "budget" && event.fallback === "refused"),
      ).toHaveLength(1);
      await redis.restart();
      await eventually(
        () =>
          ask(client, "back", "claude-sonnet-4-6", 100).then(
            () => true,
            (error: unknown) => {
              if (!(error instanceof BudgetUnavailableError)) throw error;
              return false;
            },
          ),
        "calls to be accepted again",
      );
      expect((await ledger.status("team:faults")).spentUsd).toBeCloseTo(
        serverSpend(server.requests.slice(-1)),
        9,
      );
    }, 30_000);
  },
);
