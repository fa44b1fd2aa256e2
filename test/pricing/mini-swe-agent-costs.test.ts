/**
 * Acceptance check of the cost model on real recorded sessions: the mini-swe-agent runs of Gemini 3 Pro
 * (../shared/transcripts/mini-swe-agent, MIT, see LICENSE.md there). Read in place, never copied.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  costOfCall,
  createPriceTable,
  type PriceTable,
  uncachedCostOfCall,
} from "../../src/pricing/index.js";
import type { Usage } from "../../src/transcript/types.js";

const repositoryRoot = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const folder = path.resolve(repositoryRoot, "../shared/transcripts", "mini-swe-agent");
const present = existsSync(folder);

interface RecordedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cost?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

interface Call {
  usage: RecordedUsage;
  timestamp: number;
  /** `usage.cost` (OpenRouter: dollars billed) or, without it, `extra.cost` (the client's own estimate). */
  recordedCost: number;
}

interface Session {
  file: string;
  model: string;
  calls: Call[];
  billed: boolean;
}

function readSession(file: string): Session {
  const data = JSON.parse(readFileSync(path.join(folder, file), "utf8"));
  const model: string = data.info.config.model.model_name;
  const calls: Call[] = [];
  for (const message of data.messages) {
    if (message.role !== "assistant") continue;
    const response = message.extra.response;
    const usage: RecordedUsage = response.usage;
    calls.push({ usage, timestamp: response.created * 1000, recordedCost: usage.cost ?? message.extra.cost });
  }
  return { file, model, calls, billed: calls.every((call) => call.usage.cost !== undefined) };
}

/**
 * OpenAI-chat usage to compactor's: cached tokens are inside `prompt_tokens`. `reasoningInOutput` says
 * whether `completion_tokens` already includes the reasoning tokens (OpenRouter: yes).
 */
function toUsage(recorded: RecordedUsage, reasoningInOutput: boolean): Usage {
  const cached = recorded.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoning = recorded.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: recorded.prompt_tokens - cached,
    cacheReadTokens: cached,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: reasoningInOutput ? recorded.completion_tokens : recorded.completion_tokens + reasoning,
    reasoningTokens: reasoning,
  };
}

function sumCost(session: Session, price: (call: Call) => number | null): number {
  let total = 0;
  for (const call of session.calls) {
    const cost = price(call);
    if (cost === null) throw new Error(`${session.file}: a call of ${session.model} has no known cost`);
    total += cost;
  }
  return total;
}

const sessions = present
  ? readdirSync(folder)
      .filter((file) => file.endsWith(".traj.json"))
      .sort()
      .map(readSession)
  : [];
const report: string[] = [];
afterAll(() => {
  if (report.length > 0) console.info(`mini-swe-agent cost ratios (ours / recorded):\n${report.join("\n")}`);
});

describe.skipIf(!present)(
  "costs of the recorded mini-swe-agent sessions (needs ../shared/transcripts)",
  () => {
    const billed = sessions.filter((session) => session.billed);
    const estimated = sessions.filter((session) => !session.billed);

    it("reads every session as billed on every call (OpenRouter usage.cost) or on none (a client estimate)", () => {
      // Properties of any recorded folder, not its size: each session is one or the other, never a mix, and
      // there is at least one billed session to compare against.
      expect(billed.length).toBeGreaterThan(0);
      for (const session of sessions) {
        expect(session.calls.length, session.file).toBeGreaterThan(0);
        const withBill = session.calls.filter((call) => call.usage.cost !== undefined).length;
        expect([0, session.calls.length], session.file).toContain(withBill);
      }
      // Named cases: a session billed by OpenRouter.
      expect(billed.map((session) => session.file)).toContain("django__django-11815.traj.json");
    });

    it.each(billed.map((session) => [session.file, session] as const))(
      "%s: our cost matches OpenRouter's usage.cost within 0.5%",
      (_file, session) => {
        const ours = sumCost(
          session,
          (call) => costOfCall(session.model, toUsage(call.usage, true), call).costUsd,
        );
        const recorded = session.calls.reduce((total, call) => total + call.recordedCost, 0);
        report.push(`${session.file}\t${(ours / recorded).toFixed(6)}\t$${recorded.toFixed(4)}`);
        expect(Math.abs(ours / recorded - 1)).toBeLessThan(0.005);
      },
    );

    it("prices every call of the billed sessions within 0.5%, not just their sums", () => {
      for (const session of billed) {
        for (const call of session.calls) {
          const ours = costOfCall(session.model, toUsage(call.usage, true), call).costUsd ?? Number.NaN;
          expect(Math.abs(ours - call.recordedCost)).toBeLessThanOrEqual(call.recordedCost * 0.005);
        }
      }
    });

    it("shows that the no-cache counterfactual adds exactly the read discount on the cached tokens", () => {
      for (const session of billed) {
        const actual = sumCost(
          session,
          (call) => costOfCall(session.model, toUsage(call.usage, true), call).costUsd,
        );
        const uncached = sumCost(
          session,
          (call) => uncachedCostOfCall(session.model, toUsage(call.usage, true), call).costUsd,
        );
        const cachedTokens = session.calls.reduce(
          (total, call) => total + (call.usage.prompt_tokens_details?.cached_tokens ?? 0),
          0,
        );
        expect(uncached - actual).toBeCloseTo(cachedTokens * (2 - 0.2) * 1e-6, 9);
      }
    });

    describe("the two sessions routed through Portkey, which record a client estimate instead of a bill", () => {
      // Their `completion_tokens` leave out the reasoning tokens (reasoning_tokens > completion_tokens on some
      // calls), and the estimate (extra.cost, summed in info.model_stats.instance_cost) used a cache-read price
      // of $0.125/M. Google bills $0.20/M for cache reads and bills thinking as output.
      const estimateRates: PriceTable = createPriceTable({
        overrides: { "gemini-3-pro-preview": { cacheRead: 0.125 } },
      });

      it("finds them", () => {
        expect(estimated.map((session) => session.model)).toEqual([
          "@google/gemini-3-pro-preview",
          "@google/gemini-3-pro-preview",
        ]);
      });

      it.each(estimated.map((session) => [session.file, session] as const))(
        "%s: the recorded estimate is reproduced within 0.5% with the estimator's rates and token counts",
        (_file, session) => {
          // The estimator priced `completion_tokens` as they were reported, reasoning left out.
          const ours = sumCost(
            session,
            (call) => estimateRates.costOfCall(session.model, toUsage(call.usage, true), call).costUsd,
          );
          const recorded = session.calls.reduce((total, call) => total + call.recordedCost, 0);
          expect(Math.abs(ours / recorded - 1)).toBeLessThan(0.005);
        },
      );

      it.each(estimated.map((session) => [session.file, session] as const))(
        "%s: at Google's list prices with reasoning billed, the session cost more than the estimate",
        (_file, session) => {
          const ours = sumCost(
            session,
            (call) => costOfCall(session.model, toUsage(call.usage, false), call).costUsd,
          );
          const recorded = session.calls.reduce((total, call) => total + call.recordedCost, 0);
          report.push(
            `${session.file}\t${(ours / recorded).toFixed(6)}\t$${recorded.toFixed(4)} (client estimate)`,
          );
          expect(ours).toBeGreaterThan(recorded * 1.005);
        },
      );
    });
  },
);
