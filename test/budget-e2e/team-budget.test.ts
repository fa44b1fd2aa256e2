/**
 * One team budget in one Redis, shared by 8 processes making 25 concurrent calls each through wrapped Anthropic
 * clients (real SDK, loopback test server): the limit holds to within one call's estimate, and the processes'
 * ledgers, the Redis ledger and the server's own token counts agree on what was spent.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisBudgetLedger } from "../../src/index.js";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { type RedisServer, redisSkipReason, startRedis } from "../support/redis.js";
import { startChild } from "./children.js";
import { serverSpend } from "./support.js";

interface WorkerReport {
  granted: number;
  refused: number;
  errors: string[];
  settledUsd: number;
  sessionLedgersUsd: number;
  largestReservationUsd: number;
}

describe.skipIf(redisSkipReason !== undefined)(
  `a team budget across processes${redisSkipReason ? ` (skipped: ${redisSkipReason})` : ""}`,
  () => {
    let redis: RedisServer;
    let server: TestServer;
    beforeAll(async () => {
      redis = await startRedis();
      server = await startTestServer();
    });
    afterAll(async () => {
      await server?.close();
      await redis?.close();
    });

    it("8 processes x 25 concurrent calls: spend stays within one estimate of the limit and every cent is counted once", async () => {
      const prefix = `e2e:${randomUUID()}:`;
      const maxUsd = 0.02;
      const workers = Array.from({ length: 8 }, (_, index) =>
        startChild("team-worker.ts", [
          server.anthropicBaseURL,
          redis.url,
          prefix,
          "25",
          String(index),
          String(maxUsd),
        ]),
      );
      await Promise.all(workers.map((worker) => worker.waitFor((line) => line === "ready")));
      const started = performance.now();
      for (const worker of workers) worker.process.stdin.write("go\n");
      const reports = await Promise.all(
        workers.map(
          async (worker) => JSON.parse(await worker.waitFor((line) => line.startsWith("{"))) as WorkerReport,
        ),
      );
      const elapsed = performance.now() - started;
      await Promise.all(workers.map((worker) => worker.exited));

      const ledger = redisBudgetLedger({ url: redis.url, prefix });
      const team = await ledger.status("team:e2e");
      await ledger.dispose?.();
      const granted = reports.reduce((sum, report) => sum + report.granted, 0);
      const refused = reports.reduce((sum, report) => sum + report.refused, 0);
      const settled = reports.reduce((sum, report) => sum + report.settledUsd, 0);
      const sessionLedgers = reports.reduce((sum, report) => sum + report.sessionLedgersUsd, 0);
      const estimate = Math.max(...reports.map((report) => report.largestReservationUsd));
      const implied = serverSpend(server.requests);
      console.info(
        `team budget, 8 x 25 calls: ${granted} granted, ${refused} refused in ${elapsed.toFixed(0)} ms; ` +
          `Redis $${team.spentUsd.toFixed(9)} of $${maxUsd}, processes $${settled.toFixed(9)}, server $${implied.toFixed(9)}, ` +
          `one call's estimate $${estimate.toFixed(6)}`,
      );

      expect(reports.flatMap((report) => report.errors)).toEqual([]);
      expect(granted + refused).toBe(200);
      expect(refused).toBeGreaterThan(0);
      expect(server.requests).toHaveLength(granted);
      expect(team.spentUsd).toBeLessThanOrEqual(maxUsd + estimate);
      // The limit binds: settled spend came close to it before calls were refused.
      expect(team.spentUsd).toBeGreaterThan(maxUsd / 2);
      expect(team.reservedUsd).toBe(0);
      // Nothing lost or counted twice: processes = Redis = the server's token counts, to the nanodollar (README):
      // each settlement is rounded to a whole nanodollar, so the sums differ by at most 1e-9 per call.
      const nanodollarPerCall = 1e-9 * granted + 1e-12;
      expect(Math.abs(settled - implied)).toBeLessThan(nanodollarPerCall);
      expect(Math.abs(sessionLedgers - implied)).toBeLessThan(nanodollarPerCall);
      expect(Math.abs(team.spentUsd - implied)).toBeLessThan(nanodollarPerCall);
      const smallest = Math.min(...server.requests.map((request) => serverSpend([request])));
      expect(Math.abs(team.spentUsd - implied)).toBeLessThan(smallest / 10);
    }, 120_000);
  },
);
