/**
 * Estimation time per call as a session grows: a synthetic agent session is grown to 10k, 100k and 1M
 * tokens of history; at each size, calls that each append one turn (about 1,000 tokens) are timed through
 * the incremental session counter, both when the agent resends the same message objects and when every
 * call rebuilds them (as an adapter converting each request does). The per-call time should stay flat:
 * only the new turn is tokenised, the kept prefix costs reference (or cheap structural) comparisons.
 *
 * Run: `npx tsx benchmarks/tokens/scaling.ts [--json]`
 *
 * @module
 */
import { renderTable } from "../../src/cli/table.js";
import { createSessionCounter, createTokenEstimator } from "../../src/tokens/index.js";
import type { Message } from "../../src/transcript/types.js";
import { median } from "./prompt-accuracy.js";
import { createTurnGenerator, tokensPerTurn } from "./synthetic-session.js";

const jsonOnly = process.argv.includes("--json");
const sizes = [10_000, 100_000, 1_000_000];
const timedCalls = 101;

/** Shallow rebuild of every message and block, keeping the same strings (what a request adapter does). */
function rebuild(messages: readonly Message[]): Message[] {
  return messages.map((message) => ({
    ...message,
    content: message.content.map((block) =>
      block.type === "tool_result"
        ? { ...block, content: block.content.map((part) => ({ ...part })) }
        : { ...block },
    ),
  }));
}

function timed(action: () => void): number {
  const started = performance.now();
  action();
  return performance.now() - started;
}

const counter = createSessionCounter({ estimator: createTokenEstimator() });
const rebuiltCounter = createSessionCounter({ estimator: createTokenEstimator() });
const nextTurn = createTurnGenerator();
const history: Message[] = [{ role: "system", content: [{ type: "text", text: "You are a coding agent." }] }];
let turn = 0;

/** Appends turns until the prompt reaches `size` tokens. */
function growTo(size: number): number {
  let tokens = counter.count(history).total;
  while (tokens < size) {
    history.push(...nextTurn(turn++));
    tokens = counter.count(history).total;
    rebuiltCounter.count(rebuild(history));
  }
  return tokens;
}

interface Row {
  historyTokens: number;
  messages: number;
  newTurnMs: number;
  newTurnRebuiltMs: number;
  resendMs: number;
  resendRebuiltMs: number;
}

/** Times calls at the current size: each appends a fresh turn, is counted, and the turn is taken back off. */
function measure(historyTokens: number): Row {
  const newTurn: number[] = [];
  const newTurnRebuilt: number[] = [];
  const resend: number[] = [];
  const resendRebuilt: number[] = [];
  for (let call = 0; call < timedCalls; call += 1) {
    const kept = history.length;
    history.push(...nextTurn(turn++));
    const rebuilt = rebuild(history);
    newTurn.push(timed(() => counter.count(history)));
    newTurnRebuilt.push(timed(() => rebuiltCounter.count(rebuilt)));
    const rebuiltAgain = rebuild(history);
    resend.push(timed(() => counter.count(history)));
    resendRebuilt.push(timed(() => rebuiltCounter.count(rebuiltAgain)));
    history.length = kept;
  }
  return {
    historyTokens,
    messages: history.length,
    newTurnMs: median(newTurn),
    newTurnRebuiltMs: median(newTurnRebuilt),
    resendMs: median(resend),
    resendRebuiltMs: median(resendRebuilt),
  };
}

growTo(sizes[0] as number);
measure(0); // warm-up: loads the rank file and lets the JIT settle
const rows = sizes.map((size) => measure(growTo(size)));

const first = rows[0] as Row;
const round = (value: number) => Number(value.toFixed(4));
const summary = {
  benchmark: "tokens/scaling",
  timedCallsPerSize: timedCalls,
  tokensPerNewTurn: tokensPerTurn,
  rows: rows.map((row) => ({
    historyTokens: row.historyTokens,
    messages: row.messages,
    newTurnMs: round(row.newTurnMs),
    newTurnRatio: round(row.newTurnMs / first.newTurnMs),
    newTurnRebuiltMs: round(row.newTurnRebuiltMs),
    newTurnRebuiltRatio: round(row.newTurnRebuiltMs / first.newTurnRebuiltMs),
    resendMs: round(row.resendMs),
    resendRebuiltMs: round(row.resendRebuiltMs),
  })),
};
if (!jsonOnly) {
  console.log(
    renderTable(summary.rows, [
      { heading: "history tokens", cell: (row) => row.historyTokens.toLocaleString("en-US") },
      { heading: "messages", cell: (row) => String(row.messages) },
      { heading: "new turn ms", cell: (row) => row.newTurnMs.toFixed(3) },
      { heading: "× 10k", cell: (row) => row.newTurnRatio.toFixed(2) },
      { heading: "new turn ms (rebuilt)", cell: (row) => row.newTurnRebuiltMs.toFixed(3) },
      { heading: "× 10k ", cell: (row) => row.newTurnRebuiltRatio.toFixed(2) },
      { heading: "resend ms", cell: (row) => row.resendMs.toFixed(3) },
      { heading: "resend ms (rebuilt)", cell: (row) => row.resendRebuiltMs.toFixed(3) },
    ]),
  );
  console.log(
    `median of ${timedCalls} calls per size. "new turn": the call appends one ~${tokensPerTurn}-token turn; ` +
      `"resend": the same prompt again (prefix check only); "rebuilt": every message object is new each call`,
  );
}
console.log(JSON.stringify(summary));
