/**
 * kill -9 in the middle of a session: a child process runs an agent whose session lives in Redis; it is killed
 * while a call is in flight, then restarted. The new process continues the session from Redis: the call it
 * sends carries the full history, the stored history and ledger are extended, not rebuilt, and the budget
 * ledger's spend matches the stored ledger and the server's own token counts.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisBudgetLedger, redisStore } from "../../src/index.js";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { type RedisServer, redisSkipReason, startRedis } from "../support/redis.js";
import { startChild } from "./children.js";
import { serverSpend } from "./support.js";

/** A JSON value without its null-valued fields. */
function withoutNulls(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, field: unknown) => (field === null ? undefined : field)));
}

describe.skipIf(redisSkipReason !== undefined)(
  `a session killed with -9 and restarted${redisSkipReason ? ` (skipped: ${redisSkipReason})` : ""}`,
  () => {
    let redis: RedisServer;
    let server: TestServer;
    let holdStep3 = true;
    let released: (() => void) | undefined;
    beforeAll(async () => {
      redis = await startRedis();
      server = await startTestServer({
        script: async (_request, context) => {
          if (context.lastUserText === "step 3" && holdStep3) {
            holdStep3 = false;
            // Never answered while the first process lives: it is killed with this call in flight.
            await new Promise<void>((resolve) => {
              released = resolve;
            });
          }
          return reply.text(`Done with ${context.lastUserText}.`);
        },
      });
    });
    afterAll(async () => {
      released?.();
      await server?.close();
      await redis?.close();
    });

    it("resumes from Redis with its full history and ledger", async () => {
      const prefix = `crash:${randomUUID()}:`;
      const session = "agent-7";
      const args = [server.anthropicBaseURL, redis.url, prefix, session];

      const first = startChild("session-worker.ts", [...args, "5"]);
      await first.waitFor((line) => line.includes('"settled":2'));
      const deadline = Date.now() + 10_000;
      while (
        !server.requests.some((request) => JSON.stringify(request.body).includes("step 3")) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      first.process.kill("SIGKILL");
      expect(await first.exited).toBe("SIGKILL");
      const inFlight = server.requests.at(-1);
      expect(JSON.stringify(inFlight?.body)).toContain("step 3");

      const store = redisStore({ url: redis.url, prefix });
      const ledger = redisBudgetLedger({ url: redis.url, prefix });
      try {
        const before = await store.load(session);
        expect(before?.meta.calls).toBe(3);
        expect(before?.ledger.map((entry) => entry.callIndex)).toEqual([0, 1, 2]);
        const spentBefore = await ledger.status(`session:${session}`);
        const storedCost = (before?.ledger ?? []).reduce((sum, entry) => sum + (entry.costUsd ?? 0), 0);
        expect(spentBefore.spentUsd).toBeCloseTo(storedCost, 9);
        expect(spentBefore.spentUsd).toBeCloseTo(serverSpend(server.requests), 9);
        expect(spentBefore.reservedUsd).toBeGreaterThan(0); // the killed call's hold, until its TTL

        const second = startChild("session-worker.ts", [...args, "5"]);
        const resumed = JSON.parse(await second.waitFor((line) => line.includes("resumedAt"))) as {
          resumedAt: number;
          messages: number;
        };
        expect(resumed).toEqual({ resumedAt: 3, messages: 6 });
        await second.waitFor((line) => line.includes('"settled":5'));
        expect(await second.exited).toBe(0);

        // The next call continued the session: it sent exactly what the killed call had sent.
        const retried = server.requests[server.requests.indexOf(inFlight as never) + 1];
        // (Null fields aside: the last answer comes back from the stored response with `citations: null`.)
        const sent = (request: typeof inFlight) =>
          withoutNulls((request?.body as { messages?: unknown } | undefined)?.messages);
        expect(sent(retried)).toEqual(sent(inFlight));

        const after = await store.load(session);
        expect(after?.meta.calls).toBe(6);
        expect(after?.ledger.map((entry) => entry.callIndex)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(after?.ledger.slice(0, 3)).toEqual(before?.ledger);
        expect(after?.history.slice(0, before?.history.length)).toEqual(before?.history);
        expect(after?.historyHashes.slice(0, before?.historyHashes.length)).toEqual(before?.historyHashes);
        expect(after?.history).toHaveLength(11); // six user turns and five answers (the last is meta.lastResponse)
        const spentAfter = await ledger.status(`session:${session}`);
        const storedAfter = (after?.ledger ?? []).reduce((sum, entry) => sum + (entry.costUsd ?? 0), 0);
        expect(spentAfter.spentUsd).toBeCloseTo(storedAfter, 9);
        expect(spentAfter.spentUsd).toBeCloseTo(serverSpend(server.requests), 9);
        expect(after?.meta.totals.costUsd).toBeCloseTo(storedAfter, 9);
      } finally {
        await store.dispose?.();
        await ledger.dispose?.();
      }
    }, 60_000);
  },
);
