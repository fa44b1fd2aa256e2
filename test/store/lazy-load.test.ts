import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const script = `
import { createRequire } from "node:module";
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes("/node_modules/ioredis/"));
const { redisStore } = await import("./src/store/index.ts");
const { redisBudgetLedger } = await import("./src/budget/index.ts");
const store = redisStore({ url: "redis://127.0.0.1:1", connectTimeoutMs: 200 });
const ledger = redisBudgetLedger({ url: "redis://127.0.0.1:1", connectTimeoutMs: 200 });
const before = loaded();
await store.list().catch(() => {});
const after = loaded();
await store.dispose();
await ledger.dispose();
console.log(JSON.stringify({ before, after }));
`;

describe("ioredis loading", () => {
  it("is not loaded by importing or creating the Redis store and ledger, only by their first use", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "--eval", script],
      { cwd: repositoryRoot },
    );
    expect(JSON.parse(stdout.trim())).toEqual({ before: false, after: true });
  });
});
