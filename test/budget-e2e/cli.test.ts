/**
 * `compactor budget`, run through the CLI's `main` (no build): spend against limits, read from the Redis ledger
 * that wrapped clients wrote to.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/run.js";
import { type BudgetStatus, redisBudgetLedger } from "../../src/index.js";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { type RedisServer, redisSkipReason, startRedis } from "../support/redis.js";
import { ask, serverSpend, wrappedAnthropic } from "./support.js";

async function run(argv: string[]): Promise<{ code: number; output: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    const code = await main(argv);
    return { code, output: chunks.join("") };
  } finally {
    spy.mockRestore();
  }
}

describe("compactor budget", () => {
  it("prints its usage and exits 2 without --url", async () => {
    const { code, output } = await run(["budget"]);
    expect(code).toBe(2);
    expect(output).toMatch(/compactor budget --url/);
  });
});

describe.skipIf(redisSkipReason !== undefined)(
  `compactor budget on Redis${redisSkipReason ? ` (skipped: ${redisSkipReason})` : ""}`,
  () => {
    let redis: RedisServer;
    let server: TestServer;
    const prefix = `cli:${randomUUID()}:`;
    beforeAll(async () => {
      redis = await startRedis();
      server = await startTestServer();
      const ledger = redisBudgetLedger({ url: redis.url, prefix });
      const budget = {
        ledger,
        session: { maxUsd: 0.5 },
        team: { id: "search", maxUsd: 2, windowMs: 86_400_000 },
      };
      const client = wrappedAnthropic(server, { session: "task-42", budget });
      await ask(client, "Hello", "claude-sonnet-4-6", 100);
      await ask(client, "Hello again", "claude-sonnet-4-6", 100);
      await ledger.dispose?.();
    });
    afterAll(async () => {
      await server?.close();
      await redis?.close();
    });

    it("shows a session's and a team's spend as JSON, matching what the server counted", async () => {
      const { code, output } = await run([
        "budget",
        "--url",
        redis.url,
        "--prefix",
        prefix,
        "--session",
        "task-42",
        "--team",
        "search",
        "--json",
      ]);
      expect(code).toBe(0);
      const statuses = JSON.parse(output) as BudgetStatus[];
      expect(statuses.map((status) => status.limitId)).toEqual(["session:task-42", "team:search"]);
      for (const status of statuses) {
        expect(status.spentUsd).toBeCloseTo(serverSpend(server.requests), 9);
        expect(status.reservedUsd).toBe(0);
      }
      expect(statuses[0]?.limitUsd).toBe(0.5);
      expect(statuses[1]?.limit).toEqual({ id: "team:search", maxUsd: 2, windowMs: 86_400_000 });
    });

    it("lists every stored limit as a table", async () => {
      const { code, output } = await run(["budget", "--url", redis.url, "--prefix", prefix]);
      expect(code).toBe(0);
      expect(output).toMatch(/session:task-42/);
      expect(output).toMatch(/team:search/);
      expect(output).toMatch(/\+1d/);
    });
  },
);
