/**
 * The dashboard of one proxy in a team (two proxies on one Redis): a session continued on the other proxy shows
 * on this one's dashboard as the store has it, the same report `proxy.report(id)` gives, and the team budget
 * read from the shared Redis ledger counts both proxies' spend. Skips, saying why, without `redis-server`.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CompactorProxy,
  type DashboardSummary,
  redisBudgetLedger,
  redisStore,
  startProxy,
} from "../../src/index.js";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { redisSkipReason, useRedisServer } from "../support/redis.js";

const redisUrl = useRedisServer();
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

describe.skipIf(redisSkipReason !== undefined)(
  `the dashboard of a proxy in a team${redisSkipReason ? ` (${redisSkipReason})` : ""}`,
  () => {
    it("shows a session continued on another proxy as the store has it, and the shared team budget", async () => {
      const server: TestServer = await startTestServer({ script: () => reply.text("ok") });
      cleanup.push(() => server.close());
      const prefix = `dash-${Date.now()}:`;
      const proxies: CompactorProxy[] = [];
      for (let index = 0; index < 2; index++) {
        const store = redisStore({ url: redisUrl(), prefix });
        const ledger = redisBudgetLedger({ url: redisUrl(), prefix });
        const proxy = await startProxy({
          upstreams: { anthropic: server.url, openai: server.url },
          store,
          budget: { ledger, team: { id: "eng", maxUsd: 10 } },
          diagnosticsChannel: false,
        });
        proxies.push(proxy);
        cleanup.push(async () => {
          await proxy.close();
          await store.dispose?.();
          await ledger.dispose?.();
        });
      }
      const [a, b] = proxies as [CompactorProxy, CompactorProxy];
      const messages: Anthropic.MessageParam[] = [
        { role: "user", content: `Start. ${"context ".repeat(300)}` },
      ];
      // Calls alternate between the proxies: A, B, A, B.
      for (let turn = 0; turn < 4; turn++) {
        const proxy = turn % 2 === 0 ? a : b;
        const client = new Anthropic({
          baseURL: proxy.anthropicBaseURL,
          apiKey: "sk-ant-test",
          maxRetries: 0,
          defaultHeaders: { "x-compactor-session": "shared-7" },
        });
        const message = await client.messages.create({
          model: "claude-sonnet-4-6",
          max_tokens: 100,
          messages,
        });
        messages.push(
          { role: "assistant", content: message.content },
          { role: "user", content: `Turn ${turn}.` },
        );
      }
      await b.report("shared-7"); // flushes B's saves to the store
      const summary = (await (await fetch(`${a.url}/api/summary`)).json()) as DashboardSummary;
      const session = summary.sessions.find((entry) => entry.id === "shared-7");
      expect(session?.report.calls).toBe(4);
      expect(session?.report).toEqual(await a.report("shared-7"));
      const team = summary.budgets.limits.find((limit) => limit.limitId === "team:eng");
      expect(summary.budgets.ledger).toBe("redis");
      expect(team?.spentUsd).toBeCloseTo(session?.report.costUsd ?? Number.NaN, 8);
    }, 60_000);
  },
);
