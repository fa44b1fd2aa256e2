/**
 * README, Prices: `createPriceTable({ overrides })` and `setDefaultPriceTable(table)` change the prices compactor
 * uses everywhere (costOfCall, a wrapped client's call events and session report, `compactor report`), and
 * `setDefaultPriceTable(undefined)` restores the built-in table.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type CallEvent,
  type CompactorEvent,
  costOfCall,
  createPriceTable,
  InvalidOptionError,
  sessionReport,
  setDefaultPriceTable,
  withCompaction,
} from "../../src/index.js";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { cli } from "../support/cli.js";
import { oracleCost, sameDollars } from "../money/prices.js";

const servers: TestServer[] = [];
afterEach(async () => {
  setDefaultPriceTable(undefined);
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const custom = { input: 2, output: 8, cacheRead: 0.5, cacheWrite5m: 2, cacheWrite1h: 2 };
const usage = {
  inputTokens: 1_000_000,
  cacheReadTokens: 2_000_000,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  outputTokens: 100_000,
  reasoningTokens: 0,
};

async function wrappedCalls(model: string) {
  const server = await startTestServer();
  servers.push(server);
  const events: CompactorEvent[] = [];
  const client = withCompaction(
    new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
    {
      session: `prices-${model}-${Math.random()}`,
      strategy: null,
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
    },
  );
  const system = `Rules. ${"Be exact. ".repeat(600)}`;
  for (let index = 0; index < 3; index++)
    await client.chat.completions.create({
      model,
      messages: [
        { role: "system", content: system },
        { role: "user", content: `question ${index}` },
      ],
    });
  return { server, events, report: await sessionReport(client) };
}

describe("setDefaultPriceTable", () => {
  it("prices an unknown model once installed, and forgets it when the built-in table is restored", () => {
    expect(costOfCall("acme-coder-1", usage)).toMatchObject({ known: false, costUsd: null });
    setDefaultPriceTable(createPriceTable({ overrides: { "acme-coder-1": custom } }));
    const cost = costOfCall("acme-coder-1", usage);
    expect(cost.known).toBe(true);
    // 1M × $2 + 2M × $0.5 + 0.1M × $8
    expect(cost.costUsd).toBeCloseTo(2 + 1 + 0.8, 10);
    setDefaultPriceTable(undefined);
    expect(costOfCall("acme-coder-1", usage)).toMatchObject({ known: false, costUsd: null });
  });

  it("overrides a known model's price for a wrapped client's calls and its session report", async () => {
    const builtIn = await wrappedCalls("gpt-5");
    const builtInCalls = builtIn.events.filter((event): event is CallEvent => event.type === "call");
    for (const [index, event] of builtInCalls.entries()) {
      const counted = builtIn.server.requests[index]?.usage;
      if (!counted) throw new Error("no usage");
      expect(sameDollars(event.costUsd, oracleCost("gpt-5", counted))).toBe(true);
    }
    setDefaultPriceTable(
      createPriceTable({ overrides: { "gpt-5": { input: 10, output: 80, cacheRead: 5 } } }),
    );
    const overridden = await wrappedCalls("gpt-5");
    const expected = overridden.server.requests.reduce((sum, request) => {
      const counted = request.usage;
      if (!counted) throw new Error("no usage");
      return sum + (counted.inputTokens * 10 + counted.cacheReadTokens * 5 + counted.outputTokens * 80) / 1e6;
    }, 0);
    expect(overridden.server.requests.some((request) => (request.usage?.cacheReadTokens ?? 0) > 0)).toBe(
      true,
    );
    expect(
      sameDollars(overridden.report.costUsd, expected),
      `${overridden.report.costUsd} vs ${expected}`,
    ).toBe(true);
    expect(overridden.report.costUsd).toBeGreaterThan(builtIn.report.costUsd * 4);
  });

  it("lets a wrapped client price a model the data does not know (no unpriced calls)", async () => {
    const before = await wrappedCalls("acme-coder-1");
    expect(before.report.unpricedCalls).toBe(3);
    expect(
      before.events
        .filter((event): event is CallEvent => event.type === "call")
        .map((event) => event.costUsd),
    ).toEqual([null, null, null]);
    setDefaultPriceTable(createPriceTable({ overrides: { "acme-coder-1": custom } }));
    const after = await wrappedCalls("acme-coder-1");
    expect(after.report.unpricedCalls).toBe(0);
    const expected = after.server.requests.reduce((sum, request) => {
      const counted = request.usage;
      if (!counted) throw new Error("no usage");
      return sum + (counted.inputTokens * 2 + counted.cacheReadTokens * 0.5 + counted.outputTokens * 8) / 1e6;
    }, 0);
    expect(sameDollars(after.report.costUsd, expected)).toBe(true);
  });

  it("changes what `compactor report` prints for a recorded session", async () => {
    const folder = mkdtempSync(join(tmpdir(), "compactor-prices-"));
    const file = join(folder, "session.jsonl");
    const lines = [
      {
        type: "user",
        uuid: "u1",
        sessionId: "s1",
        timestamp: "2026-01-01T00:00:00Z",
        message: { role: "user", content: "hi" },
      },
      {
        type: "assistant",
        uuid: "a1",
        parentUuid: "u1",
        sessionId: "s1",
        timestamp: "2026-01-01T00:00:01Z",
        message: {
          id: "msg_1",
          type: "message",
          model: "acme-coder-1",
          role: "assistant",
          content: [{ type: "text", text: "hello" }],
          usage: {
            input_tokens: 1_000_000,
            output_tokens: 100_000,
            cache_read_input_tokens: 2_000_000,
            cache_creation_input_tokens: 0,
          },
        },
      },
    ];
    writeFileSync(file, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
    const unknown = await cli("report", file, "--json");
    expect(unknown.code).toBe(0);
    expect((JSON.parse(unknown.stdout) as { total: { costUsd: number | null } }).total.costUsd ?? 0).toBe(0);
    setDefaultPriceTable(createPriceTable({ overrides: { "acme-coder-1": custom } }));
    const { code, stdout } = await cli("report", file, "--json");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { total: { costUsd: number | null; calls: number } };
    expect(report.total.calls).toBe(1);
    expect(report.total).not.toHaveProperty("unpricedModels", ["acme-coder-1"]);
    expect(report.total.costUsd).toBeCloseTo(3.8, 10);
  });

  it("rejects a bad override with an InvalidOptionError naming the field", () => {
    expect(() => createPriceTable({ overrides: { "my-model": { input: -1, output: 4 } } })).toThrow(
      InvalidOptionError,
    );
    expect(() => createPriceTable({ overrides: { "my-model": { input: -1, output: 4 } } })).toThrow(
      /overrides\.my-model\.input/,
    );
  });
});
