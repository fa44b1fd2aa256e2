/**
 * The README's custom store (`examples/map-store.ts`): the README shows the file as it is, the contract kit
 * passes on it, and two wrapped clients (two runtimes, as two processes would be) serving one session at the same
 * instant through it end with every call counted once (which a store ignoring `ifVersion` does not).
 */
import { readFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { mapStore } from "../../examples/map-store.js";
import { type SessionStore, sessionReport, withCompaction } from "../../src/index.js";
import { assertSessionStore } from "../../src/testing/index.js";
import { useServers } from "../e2e/helpers.js";
import { flawedStore } from "./flawed-stores.js";

const startServer = useServers();
const root = new URL("../../", import.meta.url);

describe("the README's custom session store", () => {
  it("is in the README as it is in examples/map-store.ts", () => {
    const source = readFileSync(new URL("examples/map-store.ts", root), "utf8");
    const start = source.indexOf("// README:start\n");
    const end = source.indexOf("// README:end");
    expect(start).toBeGreaterThan(0);
    const code = source
      .slice(start + "// README:start\n".length, end)
      .replace('from "../src/index.js"', 'from "compactor"');
    const readme = readFileSync(new URL("README.md", root), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${code}\`\`\``);
  });

  it("keeps the session store contract", async () => {
    const report = await assertSessionStore(() => mapStore());
    expect(report.store).toBe("map");
    expect(report.results.filter((result) => result.status === "passed").length).toBeGreaterThan(15);
  });

  it("serves two runtimes calling one session at the same instant: every call counted once", async () => {
    const { record, reports, promptTokens } = await twoRuntimes(mapStore());
    expect(record?.ledger).toHaveLength(4);
    expect(record?.meta.totals.calls).toBe(4);
    expect(record?.meta.calls).toBe(4);
    expect(record?.meta.totals.promptTokens).toBe(promptTokens);
    expect(reports.map((report) => report.calls)).toEqual([4, 4]);
  });

  it("and a store that ignores ifVersion (which the kit fails) loses calls from the stored call count", async () => {
    const { record } = await twoRuntimes(flawedStore("ignores-if-version"));
    expect(record?.ledger).toHaveLength(4);
    expect(record?.meta.calls).toBeLessThan(4);
  });

  /** Two wrapped clients on `store` call session "shared" twice each, both at once each time. */
  async function twoRuntimes(store: SessionStore) {
    const server = await startServer();
    const open = () =>
      withCompaction(new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL, maxRetries: 0 }), {
        session: "shared",
        store,
        strategy: null,
        diagnosticsChannel: false,
      });
    const [first, second] = [open(), open()];
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "hello there" }];
    const call = (client: Anthropic) =>
      client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 64, messages });
    await Promise.all([call(first), call(second)]);
    await Promise.all([call(first), call(second)]);
    const reports = [await sessionReport(first), await sessionReport(second)];
    const promptTokens = server.requests.reduce(
      (sum, request) => sum + (request.usage?.promptTokens ?? 0),
      0,
    );
    return { record: await store.load("shared"), reports, promptTokens };
  }
});
