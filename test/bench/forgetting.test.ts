/**
 * Issue 9's bench measurement, through the public replay API and the CLI: recall that sees what the agent read
 * (text observations, content not names), the recovery charge and effective cost, the worst stopping point,
 * and every cached price list.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { costOfCall } from "../../src/pricing/index.js";
import { runBench } from "../../src/replay/bench.js";
import { catalog } from "../../src/replay/catalog.js";
import { cachedPriceLists } from "../../src/replay/matrix.js";
import { recoveryCallOutputTokens, replayTranscript } from "../../src/replay/replay.js";
import type { TraceCallInput } from "../../src/replay/trace.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { cli } from "../support/cli.js";
import { textAgentSession, toolAgentSession } from "../support/forgetting-sessions.js";

afterEach(() => vi.restoreAllMocks());

const tokens = defaultTokenCounter();
const spec = (name: string) => {
  const found = catalog.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no strategy ${name}`);
  return found;
};

describe("recall that sees what the agent read", () => {
  it("treats a text agent's observations as tool output: a sliding window that forgets scores below 1", async () => {
    const session = textAgentSession(20);
    const window = await replayTranscript(session, { strategy: spec("sliding-window"), tokens });
    expect(window.compactions).toBeGreaterThan(0);
    expect(window.recallCalls).toBeGreaterThan(0);
    expect(window.recall).not.toBeNull();
    expect(window.recall as number).toBeLessThan(1);
    // Only the last call uses the first observation, which the window dropped long before.
    expect(window.recallCalls).toBe(1);
    expect(window.recall).toBe(0);
  });

  it("does not average in sessions with no compaction: no compaction has no recall at all", async () => {
    const none = await replayTranscript(textAgentSession(20), { strategy: spec("none"), tokens });
    expect(none.recall).toBeNull();
    expect(none.recallCalls).toBe(0);
    expect(none.recoveryCostUsd).toBe(0);
    expect(none.effectiveCostUsd).toBe(none.costUsd);
  });

  it("does not count a fact as kept because its name survives in the agent's call or a masking placeholder", async () => {
    const session = toolAgentSession(20);
    const masked = await replayTranscript(session, { strategy: spec("masking-every-call"), tokens });
    expect(masked.compactions).toBeGreaterThan(0);
    // The path is in the agent's own first call (kept) and in the placeholder; the function name is in neither.
    // Both came from output that masking removed, so neither is kept.
    expect(masked.factsRemoved).toBe(2);
    expect(masked.factsKept).toBe(0);
    expect(masked.recall).toBe(0);
  });

  it("counts a fact kept when the prose of a summary still holds it", async () => {
    const session = toolAgentSession(30);
    const summary = await replayTranscript(session, { strategy: spec("summary-every-21"), tokens });
    expect(summary.compactions).toBeGreaterThan(0);
    // The extractive summary keeps file paths; the function name of the first output it does not keep.
    expect(summary.recallCalls).toBe(1);
    expect(summary.factsKept).toBeGreaterThan(0);
    expect(summary.factsKept).toBeLessThan(summary.factsRemoved);
  });

  it("micro-averages recall over the calls of all sessions that used something removed", async () => {
    const sessions = [toolAgentSession(30), { ...textAgentSession(20), id: "text-b" }, textAgentSession(4)];
    const report = await runBench({
      transcripts: sessions,
      strategies: [spec("none"), spec("summary-every-21")],
      cache: "provider",
      tokens,
    });
    const rows = report.results.filter((row) => row.strategy === "summary-every-21");
    const counted = rows.filter((row) => row.recallCalls > 0);
    const expected =
      counted.reduce((sum, row) => sum + (row.recall ?? 0) * row.recallCalls, 0) /
      counted.reduce((sum, row) => sum + row.recallCalls, 0);
    const summary = report.summary.find((row) => row.strategy === "summary-every-21");
    expect(summary?.recall).toBeCloseTo(expected, 12);
    expect(summary?.recallSessions).toBe(counted.length);
    expect(counted.length).toBeLessThan(rows.length); // the 4-call session never compacts: left out
  });
});

describe("the charge for forgetting", () => {
  it("charges one recovery call per lost output and the re-read riding along, priced as the trace shows", async () => {
    const session = toolAgentSession(20);
    const lines: TraceCallInput[] = [];
    const masked = await replayTranscript(session, {
      strategy: spec("masking-every-call"),
      tokens,
      trace: (line) => lines.push(line),
    });
    expect(masked.recoveries).toBe(1);
    expect(masked.recoveryCostUsd).toBeGreaterThan(0);
    expect(masked.effectiveCostUsd).toBeCloseTo((masked.costUsd ?? 0) + (masked.recoveryCostUsd ?? 0), 12);
    const last = lines.at(-1) as TraceCallInput;
    expect(last.recovery?.reRead).toHaveLength(1);
    const reRead = last.recovery?.reRead[0] as { tokens: number; facts: string[] };
    expect(reRead.facts).toContain("handle_request_0");
    // Audit: the recovery call reads the prompt from the cache and writes the re-read output; the re-read then
    // rides in this call's prompt: read from the cache when the call read from it, written when it found the
    // cache cold (as here: masking rewrote the prompt).
    const prompt =
      last.usage.inputTokens +
      last.usage.cacheReadTokens +
      last.usage.cacheWrite5mTokens +
      last.usage.cacheWrite1hTokens;
    const zero = { inputTokens: 0, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
    const call = costOfCall("claude-sonnet-4-5", {
      ...zero,
      cacheReadTokens: prompt,
      cacheWrite5mTokens: reRead.tokens,
      outputTokens: recoveryCallOutputTokens,
      reasoningTokens: 0,
    }).costUsd as number;
    const warm = last.usage.cacheReadTokens > 0;
    const riding =
      (costOfCall("claude-sonnet-4-5", {
        ...last.usage,
        cacheReadTokens: last.usage.cacheReadTokens + (warm ? reRead.tokens : 0),
        cacheWrite5mTokens: last.usage.cacheWrite5mTokens + (warm ? 0 : reRead.tokens),
      }).costUsd as number) - (costOfCall("claude-sonnet-4-5", last.usage).costUsd as number);
    expect(last.recovery?.costUsd).toBeCloseTo(call + riding, 12);
    expect(masked.recoveryCostUsd).toBeCloseTo(call + riding, 12);
  });

  it("ranks strategies by effective cost in the summary and the table", async () => {
    const report = await runBench({
      transcripts: [toolAgentSession(30), textAgentSession(30)],
      strategies: [
        spec("none"),
        spec("masking-every-call"),
        spec("summary-every-21"),
        spec("sliding-window"),
      ],
      cache: "provider",
      tokens,
    });
    const ranked = [...report.summary].sort((left, right) => left.rank - right.rank);
    for (let index = 1; index < ranked.length; index++)
      expect(ranked[index]?.effectiveCostUsd).toBeGreaterThanOrEqual(
        ranked[index - 1]?.effectiveCostUsd ?? 0,
      );
    for (const row of report.summary) {
      expect(row.effectiveCostUsd).toBeCloseTo(row.costUsd + row.recoveryCostUsd, 9);
      expect(row.effectiveSavingRatio).toBeLessThanOrEqual(row.savingRatio + 1e-12);
    }
  });
});

describe("the worst stopping point", () => {
  it("is the largest excess over no compaction at any call after the first compaction", async () => {
    const report = await runBench({
      transcripts: [toolAgentSession(40)],
      strategies: [spec("none"), spec("masking-every-call"), spec("summary-every-21")],
      cache: "provider",
      tokens,
      series: true,
    });
    const none = report.results.find((row) => row.strategy === "none");
    expect(none?.worstStopRegret).toBeNull();
    for (const name of ["masking-every-call", "summary-every-21"]) {
      const row = report.results.find((candidate) => candidate.strategy === name);
      const first = row?.firstCompactionCall as number;
      expect(first).toBeGreaterThanOrEqual(0);
      const mine = row?.series?.cumulativeCostUsd ?? [];
      const base = none?.series?.cumulativeCostUsd ?? [];
      let worst = Number.NEGATIVE_INFINITY;
      let worstUsd = 0;
      for (let call = first; call < mine.length; call++) {
        const ratio = ((mine[call] as number) - (base[call] as number)) / (base[call] as number);
        if (ratio > worst) {
          worst = ratio;
          worstUsd = (mine[call] as number) - (base[call] as number);
        }
      }
      expect(row?.worstStopRegret?.excessRatio).toBeCloseTo(worst, 12);
      expect(row?.worstStopRegret?.excessUsd).toBeCloseTo(worstUsd, 12);
    }
    // Masking on every call re-writes the cache each call: stopping right after it starts is dearer.
    const masking = report.summary.find((row) => row.strategy === "masking-every-call");
    expect(masking?.worstStopRegret?.excessRatio).toBeGreaterThan(0);
    expect(masking?.sessionsRegret).toBe(1);
  });
});

describe("compactor bench --all-cached-prices", () => {
  it("lists Anthropic, OpenAI and Google price lists with caching, each once", () => {
    const lists = cachedPriceLists();
    const providers = new Set(lists.map((list) => list.provider));
    for (const provider of ["anthropic", "openai", "google"]) expect(providers).toContain(provider);
    const models = lists.flatMap((list) => list.models);
    expect(new Set(models).size).toBe(models.length);
    expect(models).toContain("claude-sonnet-4-5");
    expect(models).toContain("gpt-5");
  });

  it("reports, per price list, the saving and the sessions dearer", async () => {
    const folder = mkdtempSync(join(tmpdir(), "compactor-prices-"));
    const file = join(folder, "session.json");
    const session = toolAgentSession(24);
    writeFileSync(
      file,
      JSON.stringify({
        model: "claude-sonnet-4-5",
        messages: session.messages.map((message) => ({
          role: message.role,
          content: message.content.map((block) =>
            block.type === "tool_call"
              ? { type: "tool_use", id: block.id, name: block.name, input: block.input }
              : block.type === "tool_result"
                ? {
                    type: "tool_result",
                    tool_use_id: block.callId,
                    content: block.content.map((part) => (part.type === "text" ? part.text : "")).join(""),
                  }
                : block,
          ),
        })),
      }),
    );
    const { code, stdout } = await cli(
      "bench",
      file,
      "--all-cached-prices",
      "--strategies",
      "none,masking-every-call",
      "--json",
    );
    expect(code).toBe(0);
    const { priceLists } = JSON.parse(stdout) as {
      priceLists: Array<{
        provider: string;
        model: string;
        summary: Array<{ strategy: string; savingRatio: number; sessionsDearer: number }>;
        dearer: Record<string, string[]>;
      }>;
    };
    expect(priceLists.length).toBe(cachedPriceLists().length);
    for (const provider of ["anthropic", "openai", "google"])
      expect(priceLists.some((list) => list.provider === provider)).toBe(true);
    for (const list of priceLists) {
      const masking = list.summary.find((row) => row.strategy === "masking-every-call");
      expect(masking, list.model).toBeDefined();
      expect(masking?.sessionsDearer).toBe(list.dearer["masking-every-call"]?.length);
    }
    // The table names each price list with its saving and the sessions dearer.
    const table = await cli("bench", file, "--all-cached-prices", "--strategies", "none,masking-every-call");
    expect(table.stdout).toMatch(
      /price list\s+strategy\s+no compaction\s+saving\s+effective saving\s+dearer/,
    );
    expect(table.stdout).toMatch(/masking-every-call: saving -?\d+\.\d% to -?\d+\.\d% over \d+ price lists/);
  }, 120_000);
});
