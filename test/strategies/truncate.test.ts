import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import type { Message } from "../../src/transcript/types.js";
import { cacheAware } from "../../strategies/cache-aware.js";
import { cutPoints } from "../../strategies/internal/turns.js";
import { truncate } from "../../strategies/truncate.js";
import type { CompactionResult, PriceView } from "../../strategies/types.js";
import { contextFor, expectValidCompaction, system, task, toolHistory } from "./support.js";

const sonnet: PriceView = { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 };

/** Turns of text only (no tool calls, no thinking), so that only `keepTurns` limits the cut. */
function chat(turns: number, characters = 4000): Message[] {
  return [
    system,
    task,
    ...Array.from({ length: turns }, (_, index): Message[] => [
      { role: "assistant", content: [{ type: "text", text: `answer ${index} ${"x".repeat(characters)}` }] },
      { role: "user", content: [{ type: "text", text: `question ${index}` }] },
    ]).flat(),
  ];
}

function keptTurns(messages: readonly Message[], result: CompactionResult): number {
  return cutPoints(messages).filter((point) => point >= result.keepFrom).length;
}

describe("truncate", () => {
  it("keeps exactly keepTurns turns when the target asks for everything", async () => {
    const messages = chat(8);
    for (const keepTurns of [1, 2, 5]) {
      const result = (await truncate({ keepTurns, targetTokens: 1 }).compact(
        messages,
        contextFor(messages),
      )) as CompactionResult;
      expectValidCompaction(messages, result);
      expect(keptTurns(messages, result)).toBe(keepTurns);
    }
  });

  it("keeps the head and drops the fewest turns that reach the target", async () => {
    const messages = chat(10);
    const context = contextFor(messages);
    const target = context.tokens.total * 0.6;
    const result = (await truncate({ targetTokens: target }).compact(messages, context)) as CompactionResult;
    expectValidCompaction(messages, result);
    expect(result.replacement).toEqual([system, task]);
    expect(context.tokens.total - result.removed.tokens).toBeLessThanOrEqual(target);
    // One turn fewer would not have reached the target.
    const oneLess =
      result.removed.tokens -
      (context.tokens.perMessage[result.keepFrom - 1] ?? 0) -
      (context.tokens.perMessage[result.keepFrom - 2] ?? 0);
    expect(context.tokens.total - oneLess).toBeGreaterThan(target);
  });

  it("honours a target passed in the context over its own, and does nothing below it", async () => {
    const messages = chat(10);
    const context = contextFor(messages);
    const strategy = truncate({ targetTokens: 1 });
    const hinted = (await strategy.compact(messages, {
      ...context,
      targetTokens: context.tokens.total * 0.8,
    })) as CompactionResult;
    expect(context.tokens.total - hinted.removed.tokens).toBeLessThanOrEqual(context.tokens.total * 0.8);
    expect(keptTurns(messages, hinted)).toBeGreaterThan(2);
    expect(await strategy.compact(messages, { ...context, targetTokens: context.tokens.total })).toBeNull();
  });

  it("gets down to the target cache-aware passes it, and only when that pays", async () => {
    const messages = chat(40);
    const base = { prices: sonnet, cache: { now: 1_000_000, lastCallAt: 990_000, ttlMs: 300_000 } };
    const strategy = cacheAware(truncate({ targetTokens: 1 }), { minPromptTokens: 10_000 });
    const paying = contextFor(messages, { ...base, expectedRemainingCalls: 100 });
    const result = (await strategy.compact(messages, paying)) as CompactionResult;
    expectValidCompaction(messages, result);
    // cache-aware asks for half the prompt (targetShare 0.5), not the strategy's own target of 1 token.
    const after = paying.tokens.total - result.removed.tokens;
    expect(after).toBeLessThanOrEqual(paying.tokens.total * 0.5);
    expect(after).toBeGreaterThan(paying.tokens.total * 0.4);
    expect(
      await strategy.compact(messages, contextFor(messages, { ...base, expectedRemainingCalls: 10 })),
    ).toBeNull();
  });

  it("never cuts after a pinned message", async () => {
    const messages = chat(6).map((message, index) => (index === 6 ? { ...message, pinned: true } : message));
    const result = (await truncate({ keepTurns: 1, targetTokens: 1 }).compact(
      messages,
      contextFor(messages),
    )) as CompactionResult;
    expectValidCompaction(messages, result);
    expect(result.keepFrom).toBeLessThanOrEqual(6);
  });

  it("keeps the thinking of the last tool-using turn in a tool loop", async () => {
    const messages = toolHistory(6);
    const result = (await truncate({ keepTurns: 1, targetTokens: 1 }).compact(
      messages,
      contextFor(messages),
    )) as CompactionResult;
    expectValidCompaction(messages, result);
    expect(result.keepFrom).toBe(messages.length - 2);
  });

  it("rejects invalid options", () => {
    expect(() => truncate({ keepTurns: 0 })).toThrow(InvalidOptionError);
    expect(() => truncate({ targetRatio: 1 })).toThrow(/`targetRatio`/);
    expect(() => truncate({ targetTokens: -5 })).toThrow(/`targetTokens`/);
  });
});
