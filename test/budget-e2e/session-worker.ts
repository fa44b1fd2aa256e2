/**
 * A child process of the crash test: an agent whose session lives in Redis (history in a redisStore, spend in a
 * Redis budget ledger). On start it loads the session from Redis and rebuilds its conversation from the stored
 * history and last response, then sends `step <n>` turns until call `<lastCall>`, printing a JSON line after
 * each settled call.
 * Usage: node --import tsx session-worker.ts <baseURL> <redisUrl> <prefix> <session> <lastCall>
 */
import Anthropic from "@anthropic-ai/sdk";
import { redisBudgetLedger, redisStore, sessionReport, withCompaction } from "../../src/index.js";
import { rawFromMessages } from "../../src/session/conversion.js";

const [baseURL, url, prefix, session, lastCallText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const model = "claude-sonnet-4-6";
const store = redisStore({ url, prefix });
const ledger = redisBudgetLedger({ url, prefix });
const client = withCompaction(new Anthropic({ baseURL, apiKey: "test", maxRetries: 0 }), {
  session,
  store,
  strategy: null,
  summarizer: false,
  diagnosticsChannel: false,
  budget: { ledger, session: { maxUsd: 1 }, failMode: "closed" },
});

const stored = await store.load(session);
const history = stored
  ? [...stored.history, ...(stored.meta.lastResponse ? [stored.meta.lastResponse] : [])]
  : [];
const messages = rawFromMessages("anthropic", { model }, history) as Anthropic.MessageParam[];
process.stdout.write(
  `${JSON.stringify({ resumedAt: stored?.meta.calls ?? 0, messages: messages.length })}\n`,
);
for (let step = stored?.meta.calls ?? 0; step <= Number(lastCallText); step++) {
  messages.push({ role: "user", content: `step ${step}` });
  const message = await client.messages.create({ model, max_tokens: 64, messages });
  // The agent keeps the answer's text blocks as params (without the SDK's response-only `citations: null`).
  const content = message.content.map((block) =>
    block.type === "text" ? { type: "text" as const, text: block.text } : block,
  );
  messages.push({ role: "assistant", content: content as Anthropic.ContentBlockParam[] });
  const report = await sessionReport(client); // waits until the call is stored and settled
  process.stdout.write(
    `${JSON.stringify({ settled: step, calls: report.calls, costUsd: report.costUsd })}\n`,
  );
}
await store.dispose?.();
await ledger.dispose?.();
