/**
 * The bench replay prices each call at the model it was recorded with, under that model's own cache: a switch
 * to another model finds a cold cache, a switch back finds the first model's cache where it left it (within
 * its lifetime). A forced price model prices every call at that one model, with one cache.
 */
import { describe, expect, it } from "vitest";
import { getModelPrice } from "../../src/pricing/index.js";
import { catalog } from "../../src/replay/catalog.js";
import { replayTranscript } from "../../src/replay/replay.js";
import { reportSession } from "../../src/report/report.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import type { Message, RecordedCall, Transcript } from "../../src/transcript/types.js";

const none = catalog.find((spec) => spec.name === "none");
const tokens = defaultTokenCounter();
const opus = "claude-opus-4-6";
const haiku = "claude-haiku-4-5";
/** The model of each call: four on Opus, three on Haiku, two on Opus again. */
const models = [opus, opus, opus, opus, haiku, haiku, haiku, opus, opus];

function text(words: number, seed: number): string {
  return Array.from({ length: words }, (_, index) => `w${seed}x${index}`).join(" ");
}

/** A session whose recorded usage follows the rules it tests: 5-minute writes, a cold cache per model. */
function session(): Transcript {
  const messages: Message[] = [];
  const calls: RecordedCall[] = [];
  const start = Date.parse("2026-03-01T10:00:00Z");
  const cachedBy = new Map<string, number>();
  models.forEach((model, index) => {
    messages.push({ role: "user", content: [{ type: "text", text: text(1500, index) }] });
    const prompt = messages.reduce((sum, message) => sum + tokens.countMessage(message), 0);
    const read = cachedBy.get(model) ?? 0;
    cachedBy.set(model, prompt);
    calls.push({
      promptStart: 0,
      promptEnd: messages.length,
      responseIndex: messages.length,
      model,
      timestamp: start + index * 20_000,
      usage: {
        inputTokens: 0,
        cacheReadTokens: read,
        cacheWrite5mTokens: prompt - read,
        cacheWrite1hTokens: 0,
        outputTokens: 100,
        reasoningTokens: 0,
      },
    });
    messages.push({ role: "assistant", content: [{ type: "text", text: text(60, 100 + index) }] });
  });
  return {
    file: "/s/switch.jsonl",
    id: "switch.jsonl",
    format: "claude-code",
    provider: "anthropic",
    model: opus,
    messages,
    calls,
  };
}

/** Dollars of each call of a replay, from its cumulative series. */
function perCall(series: number[]): number[] {
  return series.map((total, index) => total - (series[index - 1] ?? 0));
}

describe("per-call models in the replay", () => {
  it("prices every call at its own model and agrees with the report of the recorded bill", async () => {
    if (!none) throw new Error("no `none` strategy");
    const transcript = session();
    const result = await replayTranscript(transcript, { strategy: none, tokens, series: true });
    expect(result.pricedModels).toEqual([opus, haiku]);
    const recorded = reportSession(transcript).costUsd as number;
    expect(Math.abs((result.costUsd as number) - recorded) / recorded).toBeLessThan(0.02);
  });

  it("starts a model's first call from a cold cache, and resumes the first model's cache on the way back", async () => {
    if (!none) throw new Error("no `none` strategy");
    const transcript = session();
    const result = await replayTranscript(transcript, { strategy: none, tokens, series: true });
    const costs = perCall(result.series?.cumulativeCostUsd ?? []);
    const context = result.series?.contextTokens ?? [];
    const haikuPrice = getModelPrice(haiku);
    const opusPrice = getModelPrice(opus);
    if (!haikuPrice || !opusPrice) throw new Error("prices missing");
    // Call 4, Haiku's first: the whole prompt is written at Haiku's write price, nothing read.
    const coldHaiku = (context[4] as number) * haikuPrice.cacheWrite5m + 100 * haikuPrice.output;
    expect((costs[4] as number) * 1e6).toBeCloseTo(coldHaiku, 0);
    // Call 7, back on Opus 60 s later: what Opus cached at call 3 is read, only the rest is written.
    const resumed =
      (context[3] as number) * opusPrice.cacheRead +
      ((context[7] as number) - (context[3] as number)) * opusPrice.cacheWrite5m +
      100 * opusPrice.output;
    expect((costs[7] as number) * 1e6).toBeCloseTo(resumed, -1);
  });

  it("prices every call at one model, with one cache, when a price model is forced", async () => {
    if (!none) throw new Error("no `none` strategy");
    const transcript = session();
    const forced = await replayTranscript(transcript, {
      strategy: none,
      tokens,
      series: true,
      priceModel: opus,
    });
    expect(forced.pricedModels).toEqual([opus]);
    expect(forced.priceModel).toBe(opus);
    const costs = perCall(forced.series?.cumulativeCostUsd ?? []);
    const context = forced.series?.contextTokens ?? [];
    const price = getModelPrice(opus);
    if (!price) throw new Error("price missing");
    // Call 4 reads what call 3 cached: no cold start where the recorded session switched models.
    const warm =
      (context[3] as number) * price.cacheRead +
      ((context[4] as number) - (context[3] as number)) * price.cacheWrite5m +
      100 * price.output;
    expect((costs[4] as number) * 1e6).toBeCloseTo(warm, -1);
  });
});
