import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompactorError, InvalidOptionError } from "../../src/errors.js";
import { redisStore, StoreConflictError, StoreUnavailableError } from "../../src/store/index.js";
import { type RedisServer, redisSkipReason, startRedis, useRedisServer } from "../support/redis.js";
import { hashes, messages, meta } from "./fixtures.js";
import { describeStore } from "./suite.js";

const serverUrl = useRedisServer();

describeStore(
  "redis",
  () => {
    const prefix = `test:${randomUUID()}:`;
    return {
      store: redisStore({ url: serverUrl(), prefix }),
      openPeer: () => redisStore({ url: serverUrl(), prefix }),
    };
  },
  { skip: redisSkipReason },
);

describe.skipIf(redisSkipReason !== undefined)("redis store specifics", () => {
  const fresh = () => redisStore({ url: serverUrl(), prefix: `test:${randomUUID()}:` });

  it("refuses a change whose history starts past the stored end, and writes nothing of it", async () => {
    const store = fresh();
    await store.save("s", {
      meta: meta("s", 1),
      history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
    });
    const error = await store
      .save("s", { meta: meta("s", 2), history: { from: 5, messages: messages(5, 6), hashes: hashes(5, 6) } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreConflictError);
    expect(error).toMatchObject({ sessionId: "s", from: 5, storedLength: 2 });
    const record = await store.load("s");
    expect(record?.meta.calls).toBe(1);
    expect(record?.history).toEqual(messages(0, 2));
    await store.dispose?.();
  });

  it("rejects a change with a hash count that differs from its message count", async () => {
    const store = fresh();
    await expect(
      store.save("s", {
        meta: meta("s", 1),
        history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 1) },
      }),
    ).rejects.toThrow(InvalidOptionError);
    await store.dispose?.();
  });

  it("does not connect before first use, and fails fast with StoreUnavailableError when nothing listens", async () => {
    const store = redisStore({ url: "redis://127.0.0.1:1", connectTimeoutMs: 500 });
    const started = performance.now();
    const error = await store.load("s").catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(CompactorError.isInstance(error)).toBe(true);
    expect((error as StoreUnavailableError).cause).toBeInstanceOf(Error);
    expect((error as StoreUnavailableError).operation).toBe('load session "s"');
    await store.dispose?.();
  });

  it("serves concurrent first calls once connected", async () => {
    const store = fresh();
    const ids = Array.from({ length: 10 }, (_, index) => `s${index}`);
    await Promise.all(ids.map((id) => store.save(id, { meta: meta(id, 1) })));
    expect((await store.list()).sort()).toEqual([...ids].sort());
    await store.dispose?.();
  });

  it("expires an idle session after sessionTtlMs", async () => {
    const store = redisStore({ url: serverUrl(), prefix: `test:${randomUUID()}:`, sessionTtlMs: 150 });
    await store.save("s", {
      meta: meta("s", 1),
      history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
    });
    expect(await store.load("s")).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await store.load("s")).toBeUndefined();
    await store.dispose?.();
  });

  it("uses a supplied client and leaves it open on dispose", async () => {
    const client = new Redis(serverUrl());
    const store = redisStore({ client, prefix: `test:${randomUUID()}:` });
    await store.save("s", { meta: meta("s", 1) });
    await store.dispose?.();
    expect(await client.ping()).toBe("PONG");
    await client.quit();
  });

  it("rejects a non-Redis URL up front", () => {
    expect(() => redisStore({ url: "http://localhost:6379" })).toThrow(/Expected `url` to be a "redis:\/\/"/);
  });
});

describe.skipIf(redisSkipReason !== undefined)("redis store when Redis fails", () => {
  let faulty: RedisServer;
  beforeAll(async () => {
    faulty = await startRedis();
  });
  afterAll(async () => {
    await faulty?.close();
  });

  it("rejects with StoreUnavailableError within a second when Redis stops, and recovers when it is back", async () => {
    const store = redisStore({ url: faulty.url });
    await store.save("s", {
      meta: meta("s", 1),
      history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
    });
    await faulty.stop("SIGKILL");
    for (const attempt of ["save", "load", "list"] as const) {
      const started = performance.now();
      const error = await (attempt === "save"
        ? store.save("s", { meta: meta("s", 2) })
        : attempt === "load"
          ? store.load("s")
          : store.list()
      ).catch((caught: unknown) => caught);
      expect(error, attempt).toBeInstanceOf(StoreUnavailableError);
      expect(performance.now() - started, attempt).toBeLessThan(1000);
    }
    await faulty.restart();
    const deadline = Date.now() + 5000;
    let saved = false;
    while (!saved && Date.now() < deadline) {
      saved = await store.save("s", { meta: meta("s", 3) }).then(
        () => true,
        () => false,
      );
      if (!saved) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(saved).toBe(true);
    expect((await store.load("s"))?.meta.calls).toBe(3);
    await store.dispose?.();
  });
});
