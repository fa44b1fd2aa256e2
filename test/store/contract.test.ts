/**
 * The session store contract kit (`compactor/testing`) on the built-in stores: the memory store and a real
 * `redis-server`, both through the framework-free `assertSessionStore` and through `sessionStoreContract`'s
 * per-rule tests (Redis with two instances on one prefix, as two processes).
 */
import { describe, expect, it } from "vitest";
import { memoryStore, redisStore } from "../../src/store/index.js";
import {
  assertSessionStore,
  checkSessionStore,
  sessionStoreContract,
  sessionStoreRules,
} from "../../src/testing/index.js";
import { redisSkipReason, useRedisServer } from "../support/redis.js";

const serverUrl = useRedisServer();

describe("the contract kit on the memory store", () => {
  it("passes every rule that one process can check, and skips only the two-instance rules", async () => {
    const report = await assertSessionStore(() => memoryStore());
    expect(report.store).toBe("memory");
    expect(report.failures).toEqual([]);
    const skipped = report.results.filter((result) => result.status === "skipped").map((result) => result.id);
    expect(skipped.sort()).toEqual(["peer-cas", "peer-sees-writes"]);
    expect(report.results.map((result) => result.id)).toEqual(sessionStoreRules.map((rule) => rule.id));
  });

  it("covers every method of the SessionStore interface", () => {
    const ids = sessionStoreRules.map((rule) => rule.id);
    for (const id of [
      "interface",
      "load-unknown",
      "round-trip",
      "versions",
      "cas-stale",
      "cas-fresh",
      "cas-race",
    ]) {
      expect(ids).toContain(id);
    }
    for (const id of ["list", "delete", "response-links", "concurrent-saves", "history-past-end", "totals"]) {
      expect(ids).toContain(id);
    }
    for (const rule of sessionStoreRules) {
      expect(rule.title.length, rule.id).toBeGreaterThan(20);
      expect(rule.why.length, rule.id).toBeGreaterThan(40);
    }
  });
});

sessionStoreContract(() => memoryStore(), { describe, it });

describe.skipIf(redisSkipReason !== undefined)("the contract kit on the Redis store", () => {
  it("passes every rule, the two-instance ones included", async () => {
    const report = await checkSessionStore(
      (space) => redisStore({ url: serverUrl(), prefix: `contract:${space}:` }),
      {
        shared: true,
      },
    );
    expect(report.failures).toEqual([]);
    expect(report.results.every((result) => result.status === "passed")).toBe(true);
    expect(report.store).toBe("redis");
  });

  sessionStoreContract(
    (space) => redisStore({ url: serverUrl(), prefix: `contract:${space}:` }),
    { describe, it },
    { shared: true },
  );
});
