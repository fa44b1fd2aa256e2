/**
 * Issue 11, fault 13: budgets. Real Anthropic SDK clients against `compactor/testing` (which counts a prompt as
 * its JSON length / 4, so whitespace-heavy text holds several times the tokens o200k counts).
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  BudgetExceededError,
  BudgetUnavailableError,
  type BudgetLedger,
  type CompactorEvent,
  costOfCall,
  memoryBudgetLedger,
  SESSION_HEADER,
  withCompaction,
} from "../../src/index.js";
import { type RecordedRequest, startTestServer, type TestServer } from "../../src/testing/index.js";
import { loopScript, toolOutput } from "../support/agent-loop.js";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(options = {}) {
  const started = await startTestServer(options);
  servers.push(started);
  return started;
}

function spend(requests: readonly RecordedRequest[]): number {
  return requests.reduce((sum, request) => {
    if (!request.usage) return sum;
    const cost = costOfCall(String((request.body as { model: string }).model), request.usage);
    return sum + (cost.known ? (cost.costUsd ?? 0) : 0);
  }, 0);
}

const tools: Anthropic.Tool[] = [
  { name: "bash", description: "Run a shell command.", input_schema: { type: "object", properties: {} } },
];
const system = `You are a coding agent. ${"Follow the repository conventions carefully. ".repeat(60)}`;

/** An agent loop until the budget refuses (or `limit` calls); returns the calls made and how it ended. */
async function loopUntilRefused(
  client: Anthropic,
  output: (index: number) => string,
  limit: number,
  maxTokens = 4096,
) {
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Fix the failing handler in src/." }];
  for (let index = 0; index < limit; index++) {
    let message: Anthropic.Message;
    try {
      message = await client.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: maxTokens,
        system: [{ type: "text", text: system, cache_control: { type: "ephemeral" } }],
        tools,
        messages,
      });
    } catch (error) {
      if (error instanceof BudgetExceededError) return { calls: index, refused: error };
      throw error;
    }
    messages.push({ role: "assistant", content: message.content });
    const call = message.content.find((block) => block.type === "tool_use");
    messages.push({
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: call?.type === "tool_use" ? call.id : "x",
          content: output(index),
        },
      ],
    });
  }
  return { calls: limit, refused: undefined };
}

async function status(ledger: BudgetLedger, id: string) {
  return ledger.status(id);
}

describe("budgets hold and can be used", () => {
  it("under the default strategy, most of a session budget is usable, and it is not overspent", async () => {
    const target = await server({ script: loopScript(1000) });
    const ledger = memoryBudgetLedger();
    const maxUsd = 0.5;
    const client = withCompaction(
      new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "usable",
        diagnosticsChannel: false,
        summarizer: false,
        budget: { ledger, session: { maxUsd } },
      },
    );
    const { calls, refused } = await loopUntilRefused(client, toolOutput, 400);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    const spent = spend(target.requests);
    const usage = await status(ledger, "session:usable");
    console.info(
      `session budget $${maxUsd}: ${calls} calls, $${spent.toFixed(4)} spent (${((spent / maxUsd) * 100).toFixed(1)}% usable)`,
    );
    expect(usage.spentUsd).toBeCloseTo(spent, 9);
    expect(spent / maxUsd).toBeGreaterThan(0.8);
    expect(spent).toBeLessThanOrEqual(maxUsd * 1.02);
  }, 60_000);

  it("whitespace-heavy prompts: 8 concurrent workers, a new session per task, do not overspend a team limit", async () => {
    const target = await server();
    const ledger = memoryBudgetLedger();
    const maxUsd = 0.4;
    // Aligned columns: runs of spaces and tabs that o200k folds into few tokens (the server counts JSON / 4).
    const padded = (task: number) =>
      Array.from(
        { length: 150 },
        (_, line) => `${" ".repeat(60)}row_${task}_${line}${"\t".repeat(20)}|`,
      ).join("\n");
    const worker = async (which: number) => {
      const client = withCompaction(
        new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
        {
          session: `worker-${which}`,
          strategy: null,
          diagnosticsChannel: false,
          summarizer: false,
          budget: { ledger, team: { id: "spaces", maxUsd } },
        },
      );
      for (let task = 0; task < 30; task++) {
        try {
          await client.messages.create(
            {
              model: "claude-sonnet-4-6",
              max_tokens: 64,
              messages: [{ role: "user", content: `Summarise this table:\n${padded(which * 100 + task)}` }],
            },
            { headers: { [SESSION_HEADER]: `task-${which}-${task}` } },
          );
        } catch (error) {
          if (error instanceof BudgetExceededError) return;
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, which) => worker(which)));
    const spent = spend(target.requests);
    const costs = target.requests.map((request) => spend([request]));
    console.info(
      `whitespace-heavy, 8 workers under a $${maxUsd} team limit: ${target.requests.length} calls, $${spent.toFixed(4)} spent (${((spent / maxUsd - 1) * 100).toFixed(1)}% over the limit)`,
    );
    // Concurrent calls may each pass the limit by what they cost beyond their reservation; never by 70%.
    expect(spent).toBeLessThanOrEqual(maxUsd + Math.max(...costs));
  }, 60_000);

  it("an exception while preparing a request (tool arguments nested 4,000 deep) does not skip the budget", async () => {
    const target = await server();
    let deep: unknown = "leaf";
    for (let depth = 0; depth < 4000; depth++) deep = { a: deep };
    const messages: Anthropic.MessageParam[] = [
      { role: "user", content: "go" },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "x", input: { deep } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] },
    ];
    const down: BudgetLedger = {
      ...memoryBudgetLedger(),
      name: "down",
      reserve: () => Promise.reject(new Error("the ledger is down")),
    };
    const events: CompactorEvent[] = [];
    const closed = withCompaction(
      new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "deep",
        diagnosticsChannel: false,
        onEvent: (event) => events.push(event),
        budget: { ledger: down, session: { maxUsd: 1 }, failMode: "closed" },
      },
    );
    const error = await closed.messages
      .create({ model: "claude-sonnet-4-6", max_tokens: 64, messages })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetUnavailableError);
    expect(target.requests).toHaveLength(0);
    // With a ledger that answers, the call goes out and its spend is counted.
    const ledger = memoryBudgetLedger();
    const open = withCompaction(
      new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "deep",
        diagnosticsChannel: false,
        budget: { ledger, session: { maxUsd: 1 } },
      },
    );
    await open.messages.create({ model: "claude-sonnet-4-6", max_tokens: 64, messages });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await ledger.status("session:deep")).spentUsd).toBeCloseTo(spend(target.requests), 9);
  });

  it("a downgrade message gives the share that reached the downgrade threshold", async () => {
    const target = await server();
    const events: CompactorEvent[] = [];
    const client = withCompaction(
      new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "downgrade",
        strategy: null,
        diagnosticsChannel: false,
        onEvent: (event) => events.push(event),
        budget: { session: { maxUsd: 0.03 }, actions: [{ at: 0.7, action: "downgrade" }] },
      },
    );
    await client.messages.create({
      model: "claude-opus-4-6",
      max_tokens: 1000,
      messages: [{ role: "user", content: "Hello" }],
    });
    const downgrade = events.find((event) => event.type === "budget" && event.action === "downgrade");
    expect(downgrade).toBeDefined();
    const first = Number(/at ([\d.]+)%/.exec(downgrade?.type === "budget" ? downgrade.message : "")?.[1]);
    expect(first).toBeGreaterThanOrEqual(70);
  });
});
