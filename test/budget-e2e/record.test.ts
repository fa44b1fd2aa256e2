/**
 * `record`, the ledger operation reconciliation replays spend with: it adds settled spend past a limit (the
 * calls happened), once per id, without overwriting a stored limit, in the window of the given moment.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BudgetLedger,
  InvalidOptionError,
  memoryBudgetLedger,
  redisBudgetLedger,
} from "../../src/index.js";
import { type RedisServer, redisSkipReason, startRedis } from "../support/redis.js";

let redis: RedisServer | undefined;
beforeAll(async () => {
  if (!redisSkipReason) redis = await startRedis();
});
afterAll(async () => {
  await redis?.close();
});

const ledgers: Array<[string, () => BudgetLedger, string | undefined]> = [
  ["memory", () => memoryBudgetLedger(), undefined],
  [
    "redis",
    () => redisBudgetLedger({ url: redis?.url ?? "", prefix: `record:${randomUUID()}:` }),
    redisSkipReason,
  ],
];

describe.each(ledgers)("%s ledger record()", (_name, make, skip) => {
  it.skipIf(skip !== undefined)(
    "adds spend past the limit, once per id, and keeps the stored limit",
    async () => {
      const ledger = make();
      try {
        const limit = { id: "team:replay", maxUsd: 0.1 };
        await ledger.setLimit(limit);
        const first = await ledger.record?.([{ id: "team:replay" }], { usd: 0.08, tokens: 800 }, "call-1");
        expect(first?.status).toBe("recorded");
        const second = await ledger.record?.([{ id: "team:replay" }], { usd: 0.05, tokens: 500 }, "call-2");
        expect(second?.status).toBe("recorded");
        expect(second?.limits[0]).toMatchObject({ spentUsd: 0.13, spentTokens: 1300, limitUsd: 0.1 });
        const again = await ledger.record?.([limit], { usd: 0.05, tokens: 500 }, "call-2");
        expect(again?.status).toBe("repeated");
        expect(await ledger.getLimit("team:replay")).toEqual(limit);
        expect(await ledger.status("team:replay")).toMatchObject({
          spentUsd: 0.13,
          reservedUsd: 0,
          remainingUsd: -0.03,
        });
        // A settle of a recorded id is recognised as already settled.
        expect((await ledger.settle("call-1", { usd: 1, tokens: 1 })).status).toBe("already-settled");
      } finally {
        await ledger.dispose?.();
      }
    },
  );

  it.skipIf(skip !== undefined)(
    "does not count an id that was reserved, and counts in the window of `at`",
    async () => {
      const ledger = make();
      try {
        const daily = { id: "session:windowed", maxUsd: 1, windowMs: 86_400_000 };
        expect((await ledger.reserve([daily], { usd: 0.2, tokens: 10 }, "held")).ok).toBe(true);
        expect((await ledger.record?.([daily], { usd: 0.1, tokens: 5 }, "held"))?.status).toBe("repeated");
        const yesterday = Date.now() - 86_400_000;
        await ledger.record?.([daily], { usd: 0.3, tokens: 5 }, "late", yesterday);
        expect(await ledger.status("session:windowed")).toMatchObject({ spentUsd: 0, reservedUsd: 0.2 });
        await expect(
          ledger.record?.([daily], { usd: 0.1, tokens: 5 }, "bad", -1) ?? Promise.resolve(),
        ).rejects.toThrow(InvalidOptionError);
      } finally {
        await ledger.dispose?.();
      }
    },
  );
});
