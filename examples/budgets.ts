/**
 * Budgets on a wrapped client, with no API key: the loopback test server stands in for Anthropic and an
 * in-memory ledger counts spend (use `redisBudgetLedger({ url })` to share it between processes).
 *
 * Run: npx tsx examples/budgets.ts
 */
import Anthropic from "@anthropic-ai/sdk";
import { BudgetExceededError, memoryBudgetLedger, withCompaction } from "../src/index.js";
import { startTestServer } from "../src/testing/index.js";

const server = await startTestServer();
const ledger = memoryBudgetLedger();
const client = withCompaction(
  new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
  {
    session: "example-task",
    strategy: null,
    diagnosticsChannel: false,
    budget: {
      ledger,
      session: { maxUsd: 0.05 },
      team: { id: "examples", maxUsd: 1, windowMs: 86_400_000 },
      actions: [
        { at: 0.5, action: "warn" },
        { at: 0.6, action: "compact" },
        { at: 0.7, action: "downgrade" },
        { at: 1, action: "refuse" },
      ],
    },
    onEvent: (event) => {
      if (event.type === "budget") console.log(`  [budget ${event.action}] ${event.message}`);
      if (event.type === "call") console.log(`  [call] ${event.model}: $${event.costUsd?.toFixed(6)}`);
    },
  },
);

const messages: Anthropic.MessageParam[] = [];
for (let turn = 1; turn <= 12; turn++) {
  messages.push({ role: "user", content: `Turn ${turn}: ${"please look at the logs again. ".repeat(20)}` });
  try {
    const message = await client.messages.create({ model: "claude-opus-4-6", max_tokens: 1000, messages });
    messages.push({
      role: "assistant",
      content: message.content.map((block) =>
        block.type === "text" ? { type: "text" as const, text: block.text } : block,
      ) as Anthropic.ContentBlockParam[],
    });
  } catch (error) {
    if (!(error instanceof BudgetExceededError)) throw error;
    console.log(`Turn ${turn} refused: ${error.message}`);
    break;
  }
}
const session = await ledger.status("session:example-task");
console.log(`Session spend: $${session.spentUsd.toFixed(6)} of $${session.limitUsd}`);
await server.close();
