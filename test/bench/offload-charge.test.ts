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
import type { Message, RecordedCall, Transcript } from "../../src/transcript/types.js";
import { observationMasking, offload } from "../../strategies/index.js";

const tokens = defaultTokenCounter();
const always = { name: "always", shouldCompact: () => true };
const masking = catalog.find((spec) => spec.name === "masking-every-call") as StrategySpec;
const offloading: StrategySpec = {
  name: "offload-every-call",
  source: "offload(observationMasking({ keepLast: 10 })) on every call",
  create: () => ({ strategy: offload(observationMasking({ keepLast: 10 })), trigger: always }),
};

const filler = (turn: number) =>
  Array.from({ length: 60 }, (_, line) => `line ${line} of output ${turn}: nothing to see here`).join("\n");

/** A tool agent whose last call uses `handle_request_0`, a name only its first output held. */
function session(turns: number): Transcript {
  const messages: Message[] = [{ role: "user", content: [{ type: "text", text: "Fix the failing test." }] }];
  const calls: RecordedCall[] = [];
  const start = Date.UTC(2026, 0, 5, 9);
  for (let turn = 0; turn < turns; turn++) {
    const id = `call_${turn}`;
    const last = turn === turns - 1;
    calls.push({
      promptStart: 0,
      promptEnd: messages.length,
      responseIndex: messages.length,
      timestamp: start + turn * 5_000,
    });
    messages.push({
      role: "assistant",
      content: [
        {
          type: "text",
          text: last ? "The fix belongs in handle_request_0 (src/pkg/deep_module_0.py)." : `Step ${turn}.`,
        },
        { type: "tool_call", id, name: "bash", input: { command: `cat src/pkg/deep_module_${turn}.py` } },
      ],
    });
    messages.push({
      role: "user",
      content: [
        {
          type: "tool_result",
          callId: id,
          content: [
            {
              type: "text",
              text: `# src/pkg/deep_module_${turn}.py\ndef handle_request_${turn}(request):\n${filler(turn)}`,
            },
          ],
        },
      ],
    });
  }
  return {
    file: "tool-agent.json",
    id: "tool-agent",
    format: "anthropic-messages",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    messages,
    calls,
  };
}

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
