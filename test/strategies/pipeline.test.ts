import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import type { Message } from "../../src/transcript/types.js";
import { applyCompaction } from "../../strategies/internal/view.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import { combineSummaries, composeResults, pipeline } from "../../strategies/pipeline.js";
import { summarize } from "../../strategies/summarize.js";
import type { CompactionResult, Strategy } from "../../strategies/types.js";
import { contextFor, expectValidCompaction, system, task, toolHistory } from "./support.js";

const text = (value: string): Message => ({ role: "user", content: [{ type: "text", text: value }] });
const removed = { messages: 1, tokens: 1, description: "x" };

describe("composeResults", () => {
  const view = ["a", "b", "c", "d", "e", "f"].map(text);
  const first: CompactionResult = { keepFrom: 3, replacement: [text("a"), text("B")], removed };

  it("composes a second result that rewrote part of the first replacement", () => {
    const second: CompactionResult = { keepFrom: 1, replacement: [text("A")], removed };
    const composed = composeResults(first, second);
    expect(composed.keepFrom).toBe(3);
    expect(applyCompaction(view, composed)).toEqual(applyCompaction(applyCompaction(view, first), second));
  });

  it("composes a second result that also consumed original messages after the first", () => {
    const second: CompactionResult = { keepFrom: 4, replacement: [text("S")], removed };
    const composed = composeResults(first, second);
    expect(composed.keepFrom).toBe(5);
    expect(applyCompaction(view, composed).map((message) => message.content[0])).toEqual([
      { type: "text", text: "S" },
      { type: "text", text: "f" },
    ]);
    expect(applyCompaction(view, composed)).toEqual(applyCompaction(applyCompaction(view, first), second));
  });

  it("adds summarizer spend; an unknown cost makes the sum unknown", () => {
    const one = { text: "a", model: "m", costUsd: 0.01 };
    expect(combineSummaries(one, { text: "b", model: "m", costUsd: 0.02 })?.costUsd).toBeCloseTo(0.03, 12);
    expect(combineSummaries(one, { text: "b", model: "n", costUsd: null })).toMatchObject({
      text: "b",
      costUsd: null,
      model: "m+n",
    });
    expect(combineSummaries(undefined, one)).toBe(one);
  });
});

describe("pipeline", () => {
  it("masks first, then summarizes the masked view, and maps the result onto the original view", async () => {
    const messages = toolHistory(20);
    const context = contextFor(messages);
    const masking = observationMasking({ keepLast: 4 });
    const summarizing = summarize({ keepTurns: 6 });
    const result = (await pipeline(masking, summarizing).compact(messages, context)) as CompactionResult;
    const compacted = expectValidCompaction(messages, result);

    const masked = applyCompaction(messages, (await masking.compact(messages, context)) as CompactionResult);
    const sequential = applyCompaction(
      masked,
      (await summarizing.compact(masked, contextFor(masked))) as CompactionResult,
    );
    expect(compacted).toEqual(sequential);
    expect(result.removed.toolResults).toBe(16);
    expect(result.summary?.model).toBe("extractive");
    expect(result.removed.description).toMatch(/masked.*; summarized/);
  });

  it("lets a later stage do nothing when the view is already below its target", async () => {
    const messages = toolHistory(20);
    const context = contextFor(messages);
    const maskedOnly = (await observationMasking({ keepLast: 4 }).compact(
      messages,
      context,
    )) as CompactionResult;
    const target = context.tokens.total - maskedOnly.removed.tokens + 10;
    const result = (await pipeline(
      observationMasking({ keepLast: 4 }),
      summarize({ targetTokens: target }),
    ).compact(messages, context)) as CompactionResult;
    expect(result).toEqual(maskedOnly);
  });

  it("returns null when no stage compacts", async () => {
    const never: Strategy = { name: "never", compact: () => null };
    expect(await pipeline(never, never).compact([system, task], contextFor([system, task]))).toBeNull();
    expect(pipeline(never, never).name).toBe("never+never");
  });

  it("rejects an empty list or a non-strategy", () => {
    expect(() => pipeline()).toThrow(InvalidOptionError);
    expect(() => pipeline({} as Strategy)).toThrow(/strategies\[0\]/);
  });
});
