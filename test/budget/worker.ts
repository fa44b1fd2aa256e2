/**
 * A child process of the budget concurrency test: reserves `count` calls concurrently against one Redis limit,
 * settles each granted one at a random 0.5-1.0x of its estimate, and prints what it settled as JSON.
 * Usage: node --import tsx worker.ts <url> <prefix> <count> <seed>. Prints "ready", then starts on a line on stdin.
 */
import { once } from "node:events";
import { redisBudgetLedger } from "../../src/budget/index.js";

const [url, prefix, countText, seedText] = process.argv.slice(2);
const count = Number(countText);
let state = Number(seedText) >>> 0;
/** mulberry32: a seeded generator, so a failing run can be repeated. */
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let value = state;
  value = Math.imul(value ^ (value >>> 15), value | 1);
  value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
  return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
};

const estimate = 0.013;
const limit = { id: "team:concurrency", maxUsd: 1 };
const ledger = redisBudgetLedger({ url: url as string, prefix: prefix as string });
await ledger.listLimits(); // connect before the start signal
process.stdout.write("ready\n");
await once(process.stdin, "data");

const outcomes = await Promise.all(
  Array.from({ length: count }, async (_, index) => {
    const id = `seed${seedText}-call${index}`;
    // Staggered starts make reserves of some calls race with settles of others.
    await new Promise((resolve) => setTimeout(resolve, random() * 100));
    const reserved = await ledger.reserve([limit], { usd: estimate, tokens: 1000 }, id);
    if (!reserved.ok) return { granted: false, settledNanos: 0 };
    await new Promise((resolve) => setTimeout(resolve, random() * 20));
    const actual = estimate * (0.5 + 0.5 * random());
    const settled = await ledger.settle(id, { usd: actual, tokens: 600 });
    if (settled.status !== "settled") throw new Error(`settle of ${id} answered ${settled.status}`);
    return { granted: true, settledNanos: Math.round(actual * 1e9) };
  }),
);
await ledger.dispose?.();
process.stdout.write(
  `${JSON.stringify({
    granted: outcomes.filter((outcome) => outcome.granted).length,
    refused: outcomes.filter((outcome) => !outcome.granted).length,
    settledNanos: outcomes.reduce((sum, outcome) => sum + outcome.settledNanos, 0),
  })}\n`,
);
process.stdin.destroy();
