/**
 * A child process of the team-budget test: `count` concurrent calls of a wrapped Anthropic client (one session
 * each) against the parent's test server, all under one team budget in one Redis. Prints "ready", waits for a
 * line on stdin, then makes its calls (staggered over 3 s) and prints one JSON line: what it was granted and refused, what its ledgers settled, and the
 * largest reservation it made (one call's estimated cost).
 * Usage: node --import tsx team-worker.ts <baseURL> <redisUrl> <prefix> <count> <worker> <teamMaxUsd>
 */
import { once } from "node:events";
import Anthropic from "@anthropic-ai/sdk";
import {
  BudgetExceededError,
  type BudgetLedger,
  costOfCall,
  createTokenEstimator,
  redisBudgetLedger,
  sessionReport,
  withCompaction,
} from "../../src/index.js";

const [baseURL, url, prefix, countText, worker, maxUsdText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const shared = redisBudgetLedger({ url, prefix, commandTimeoutMs: 10_000 });
let settledUsd = 0;
let largestReservationUsd = 0;
/** The Redis ledger, watched: what this process reserved and settled. */
const ledger: BudgetLedger = {
  ...shared,
  name: shared.name,
  async reserve(limits, amount, id) {
    largestReservationUsd = Math.max(largestReservationUsd, amount.usd);
    return shared.reserve(limits, amount, id);
  },
  async settle(id, amount) {
    const result = await shared.settle(id, amount);
    if (result.status === "settled") settledUsd += Math.round(amount.usd * 1e9) / 1e9;
    return result;
  },
};
const raw = new Anthropic({ baseURL, apiKey: "test", maxRetries: 0 });
const client = withCompaction(raw, {
  session: `worker-${worker}`,
  strategy: null,
  summarizer: false,
  diagnosticsChannel: false,
  budget: { ledger, team: { id: "e2e", maxUsd: Number(maxUsdText) }, failMode: "closed", timeoutMs: 10_000 },
});
// Connect and load the tokenizer and prices before the start signal, so that the calls contend at once.
await shared.listLimits();
createTokenEstimator().countText("warm up");
costOfCall("claude-sonnet-4-6", {
  inputTokens: 1,
  cacheReadTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  outputTokens: 1,
  reasoningTokens: 0,
});
process.stdout.write("ready\n");
await once(process.stdin, "data");

const sessions = Array.from({ length: Number(countText) }, (_, index) => `worker-${worker}-call-${index}`);
const outcomes = await Promise.all(
  sessions.map(async (session, index) => {
    // Staggered starts, as agents' calls arrive: reserves of some calls race with settles of others.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3000));
    return client.messages
      .create(
        {
          model: "claude-sonnet-4-6",
          max_tokens: 20,
          messages: [{ role: "user", content: `Task ${worker}.${index}: say hi` }],
        },
        { headers: { "x-compactor-session": session } },
      )
      .then(
        () => "granted" as const,
        (error: unknown) => (error instanceof BudgetExceededError ? ("refused" as const) : String(error)),
      );
  }),
);
let sessionLedgersUsd = 0;
for (const session of sessions) sessionLedgersUsd += (await sessionReport(client, session)).costUsd;
await shared.dispose?.();
process.stdout.write(
  `${JSON.stringify({
    granted: outcomes.filter((outcome) => outcome === "granted").length,
    refused: outcomes.filter((outcome) => outcome === "refused").length,
    errors: outcomes.filter((outcome) => outcome !== "granted" && outcome !== "refused"),
    settledUsd,
    sessionLedgersUsd,
    largestReservationUsd,
  })}\n`,
);
process.stdin.destroy();
