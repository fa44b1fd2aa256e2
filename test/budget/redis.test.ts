import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisBudgetLedger, runBudgetCommand } from "../../src/budget/index.js";
import { StoreUnavailableError } from "../../src/store/index.js";
import { type RedisServer, redisSkipReason, startRedis, useRedisServer } from "../support/redis.js";
import { describeLedger } from "./suite.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.resolve(here, "../..");
const serverUrl = useRedisServer();

describeLedger(
  "redis",
  (options) => redisBudgetLedger({ ...options, url: serverUrl(), prefix: `test:${randomUUID()}:` }),
  {
    skip: redisSkipReason,
  },
);

describe.skipIf(redisSkipReason !== undefined)("redis budget ledger across processes", () => {
  it("never lets 8 processes x 25 concurrent calls overspend $1.00, and loses or doubles no settled cent", async () => {
    const prefix = `test:${randomUUID()}:`;
    const started = performance.now();
    const workers = Array.from({ length: 8 }, (_, index) =>
      spawn(
        process.execPath,
        ["--import", "tsx", path.join(here, "worker.ts"), serverUrl(), prefix, "25", String(index + 1)],
        {
          cwd: repositoryRoot,
        },
      ),
    );
    const outputs = workers.map(collect);
    await Promise.all(outputs.map((output) => output.ready));
    const startedContending = performance.now();
    for (const worker of workers) worker.stdin.write("go\n");
    const reports = (await Promise.all(outputs.map((output) => output.done))).map(
      (text) =>
        JSON.parse(text.trim().split("\n").at(-1) ?? "") as {
          granted: number;
          refused: number;
          settledNanos: number;
        },
    );
    const finished = performance.now();
    const [startup, contended] = [startedContending - started, finished - startedContending];

    const ledger = redisBudgetLedger({ url: serverUrl(), prefix });
    const status = await ledger.status("team:concurrency");
    await ledger.dispose?.();
    const granted = reports.reduce((sum, report) => sum + report.granted, 0);
    const refused = reports.reduce((sum, report) => sum + report.refused, 0);
    const reportedNanos = reports.reduce((sum, report) => sum + report.settledNanos, 0);
    console.info(
      `8 processes x 25 calls: ${granted} granted, ${refused} refused, settled $${status.spentUsd.toFixed(9)} of $1.00; ` +
        `${startup.toFixed(0)} ms to start the processes, ${contended.toFixed(0)} ms of contention`,
    );
    expect(granted + refused).toBe(200);
    expect(refused).toBeGreaterThan(0);
    expect(granted).toBeGreaterThanOrEqual(Math.floor(1 / 0.013));
    expect(status.spentUsd).toBeLessThanOrEqual(1 + 0.013);
    expect(Math.round(status.spentUsd * 1e9)).toBe(reportedNanos);
    expect(status.reservedUsd).toBe(0);
    expect(status.spentTokens).toBe(granted * 600);
    expect(contended).toBeLessThan(5000);
  }, 60_000);
});

describe.skipIf(redisSkipReason !== undefined)("redis budget ledger when Redis fails", () => {
  let faulty: RedisServer;
  beforeAll(async () => {
    faulty = await startRedis();
  });
  afterAll(async () => {
    await faulty?.close();
  });

  it("rejects with StoreUnavailableError within a second when Redis stops, and recovers when it is back", async () => {
    const ledger = redisBudgetLedger({ url: faulty.url });
    const limits = [{ id: "team:fault", maxUsd: 1 }];
    expect((await ledger.reserve(limits, { usd: 0.1, tokens: 1 }, "before")).ok).toBe(true);
    await faulty.stop();
    for (const attempt of ["reserve", "settle", "status"] as const) {
      const started = performance.now();
      const error = await (attempt === "reserve"
        ? ledger.reserve(limits, { usd: 0.1, tokens: 1 }, "during")
        : attempt === "settle"
          ? ledger.settle("before", { usd: 0.1, tokens: 1 })
          : ledger.status("team:fault")
      ).catch((caught: unknown) => caught);
      const elapsed = performance.now() - started;
      expect(error, attempt).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).cause, attempt).toBeInstanceOf(Error);
      expect(elapsed, attempt).toBeLessThan(1000);
    }
    await faulty.restart();
    const deadline = Date.now() + 5000;
    let recovered = false;
    while (!recovered && Date.now() < deadline) {
      recovered = await ledger.reserve(limits, { usd: 0.1, tokens: 1 }, `after-${Date.now()}`).then(
        (result) => result.ok,
        () => false,
      );
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recovered).toBe(true);
    await ledger.dispose?.();
  });

  it("rejects with StoreUnavailableError after commandTimeoutMs when Redis hangs", async () => {
    const ledger = redisBudgetLedger({ url: faulty.url, commandTimeoutMs: 300 });
    await ledger.status("team:hang");
    faulty.pause();
    try {
      const started = performance.now();
      const error = await ledger
        .reserve([{ id: "team:hang" }], { usd: 0.1, tokens: 1 }, "hung")
        .catch((caught: unknown) => caught);
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(1000);
    } finally {
      faulty.resume();
    }
    await ledger.dispose?.();
  });
});

describe.skipIf(redisSkipReason !== undefined)("compactor budget command", () => {
  it("prints a team's spend against its stored limit", async () => {
    const prefix = `test:${randomUUID()}:`;
    const ledger = redisBudgetLedger({ url: serverUrl(), prefix });
    await ledger.setLimit({ id: "team:search", maxUsd: 2, maxTokens: 1_000_000, windowMs: 86_400_000 });
    await ledger.reserve(
      [{ id: "team:search", maxUsd: 2, windowMs: 86_400_000 }],
      { usd: 0.5, tokens: 900 },
      "r1",
    );
    await ledger.settle("r1", { usd: 0.25, tokens: 800 });
    await ledger.reserve([{ id: "session:abc", maxUsd: 0.1 }], { usd: 0.05, tokens: 10 }, "r2");
    await ledger.dispose?.();

    let table = "";
    await runBudgetCommand({
      url: serverUrl(),
      prefix,
      team: "search",
      json: false,
      write: (text) => (table += text),
    });
    expect(table).toMatch(
      /team:search\s+\d{4}-\d\d-\d\dT00:00:00Z \+1d\s+\$0\.2500\s+\$0\.0000\s+\$2\.0000\s+\$1\.7500\s+12\.5%\s+800/,
    );

    let json = "";
    const statuses = await runBudgetCommand({
      url: serverUrl(),
      prefix,
      json: true,
      write: (text) => (json += text),
    });
    expect(statuses.map((status) => status.limitId)).toEqual(["session:abc", "team:search"]);
    expect(JSON.parse(json)).toMatchObject([
      { limitId: "session:abc", reservedUsd: 0.05, limitUsd: 0.1, limit: { id: "session:abc", maxUsd: 0.1 } },
      { limitId: "team:search", spentUsd: 0.25, remainingUsd: 1.75, spentTokens: 800 },
    ]);
  });

  it("says so when no limit is stored", async () => {
    let output = "";
    await runBudgetCommand({
      url: serverUrl(),
      prefix: `test:${randomUUID()}:`,
      json: false,
      write: (text) => (output += text),
    });
    expect(output).toBe("No budget limits are stored yet.\n");
  });
});

/** Collects a worker's stdout: resolves `ready` on its "ready" line and `done` on a clean exit. */
function collect(worker: ChildProcessWithoutNullStreams): { ready: Promise<void>; done: Promise<string> } {
  let stdout = "";
  let stderr = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  worker.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith("ready\n")) markReady();
  });
  worker.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<string>((resolve, reject) => {
    worker.once("exit", (code) => {
      markReady();
      if (code === 0) resolve(stdout.slice("ready\n".length));
      else reject(new Error(`budget worker exited with ${code}: ${stderr}`));
    });
  });
  return { ready, done };
}

describe("compactor budget command arguments", () => {
  it("refuses a store URL that is not Redis, naming the field", async () => {
    await expect(runBudgetCommand({ url: "memory:", json: false, write: () => {} })).rejects.toThrow(
      'Expected `url` to be a "redis://" or "rediss://" URL of the shared store, got `"memory:"` (string)',
    );
  });
});
