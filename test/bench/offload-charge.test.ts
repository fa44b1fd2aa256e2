/**
 * Issue 10, lever 2 in the bench: an offloading strategy is charged a hidden recall round trip per lost fact whose
 * output is recallable (the prompt read from the cache and the recall call out, then the recalled output written
 * in the continuation), instead of the agent's own re-read; and its recall is reported twice, "in view" and "in
 * view or one recall away", never mixed.
 */
import { describe, expect, it } from "vitest";
import { costOfCall } from "../../src/pricing/index.js";
import { runBench } from "../../src/replay/bench.js";
import { catalog } from "../../src/replay/catalog.js";
import { recallCallOutputTokens, recallExchangeTokens, replayTranscript } from "../../src/replay/replay.js";
import type { StrategySpec } from "../../src/replay/strategy-specs.js";
import type { TraceCallInput } from "../../src/replay/trace.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { observationMasking, offload } from "../../strategies/index.js";
import { toolAgentSession as session } from "../support/forgetting-sessions.js";

const tokens = defaultTokenCounter();
const always = { name: "always", shouldCompact: () => true };
const masking = catalog.find((spec) => spec.name === "masking-every-call") as StrategySpec;
const offloading: StrategySpec = {
  name: "offload-every-call",
  source: "offload(observationMasking({ keepLast: 10 })) on every call",
  create: () => ({ strategy: offload(observationMasking({ keepLast: 10 })), trigger: always }),
};

describe("the bench's charge for offloaded facts", () => {
  it("charges a recall round trip, priced as the trace shows, and reports both recalls apart", async () => {
    const lines: TraceCallInput[] = [];
    const result = await replayTranscript(session(20), {
      strategy: offloading,
      tokens,
      trace: (line) => lines.push(line),
    });
    const plain = await replayTranscript(session(20), { strategy: masking, tokens });
    expect(result.offloads).toBe(true);
    expect(plain.offloads).toBe(false);
    // The same facts are out of view: in-view recall is masking's.
    expect(result.recall).toBe(plain.recall);
    expect(result.recall).toBe(0);
    // ... but each is one recall away.
    expect(result.recallReachable).toBe(1);
    expect(plain.recallReachable).toBeNull();
    expect(result.recallRoundTrips).toBe(1);
    expect(result.recoveries).toBe(1);
    // Audit the round trip: the recall turn reads the prompt from the cache and writes the recall call; the
    // continuation writes the recalled output and its framing.
    const last = lines.at(-1) as TraceCallInput;
    const reRead = last.recovery?.reRead[0] as { tokens: number };
    const prompt =
      last.usage.inputTokens +
      last.usage.cacheReadTokens +
      last.usage.cacheWrite5mTokens +
      last.usage.cacheWrite1hTokens;
    const zero = {
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
    };
    const turn = costOfCall("claude-sonnet-4-5", {
      ...zero,
      cacheReadTokens: prompt,
      outputTokens: recallCallOutputTokens,
    }).costUsd as number;
    const continuation = costOfCall("claude-sonnet-4-5", {
      ...zero,
      cacheWrite5mTokens: reRead.tokens + recallExchangeTokens,
    }).costUsd as number;
    const warm = last.usage.cacheReadTokens > 0;
    const riding =
      (costOfCall("claude-sonnet-4-5", {
        ...last.usage,
        cacheReadTokens: last.usage.cacheReadTokens + (warm ? reRead.tokens : 0),
        cacheWrite5mTokens: last.usage.cacheWrite5mTokens + (warm ? 0 : reRead.tokens),
      }).costUsd as number) - (costOfCall("claude-sonnet-4-5", last.usage).costUsd as number);
    expect(result.recoveryCostUsd).toBeCloseTo(turn + continuation + riding, 12);
    expect(result.effectiveCostUsd).toBeCloseTo((result.costUsd ?? 0) + (result.recoveryCostUsd ?? 0), 12);
  });

  it("summarizes both recalls per strategy, the second only for offloading strategies", async () => {
    const report = await runBench({
      transcripts: [session(20)],
      strategies: [masking, offloading],
      cache: "provider",
      tokens,
    });
    const byName = new Map(report.summary.map((row) => [row.strategy, row]));
    expect(byName.get("masking-every-call")?.recallReachable).toBeNull();
    expect(byName.get("offload-every-call")?.recallReachable).toBe(1);
    expect(byName.get("offload-every-call")?.recall).toBe(0);
    expect(byName.get("offload-every-call")?.recallRoundTrips).toBe(1);
  });
});
