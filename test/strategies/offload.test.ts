/**
 * `offload()`: the placeholders its inner part writes become recallable (the recall tool's name and a short id);
 * it removes what the inner part removes; it composes with the other parts; it keeps every invariant.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/transcript/types.js";
import { cacheAware } from "../../strategies/cache-aware.js";
import { defaultStrategy } from "../../strategies/default.js";
import {
  applyCompaction,
  isOffloading,
  losslessRemovals,
  observationMasking,
  offload,
  offloadId,
  pipeline,
  recallIdsIn,
  recallToolName,
} from "../../strategies/index.js";
import { contextFor, expectValidCompaction, historyArbitrary, toolHistory } from "./support.js";

function resultTexts(messages: readonly Message[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const message of messages)
    for (const block of message.content)
      if (block.type === "tool_result")
        texts.set(
          block.callId,
          block.content.map((part) => (part.type === "text" ? part.text : "")).join(""),
        );
  return texts;
}

describe("offload", () => {
  it("makes every masked result recallable by the id of its call, and removes what masking removes", async () => {
    const messages = toolHistory(14);
    const inner = await observationMasking({ keepLast: 3 }).compact(messages, contextFor(messages));
    const result = await offload(observationMasking({ keepLast: 3 })).compact(messages, contextFor(messages));
    expect(inner).not.toBeNull();
    expect(result?.keepFrom).toBe(inner?.keepFrom);
    const view = expectValidCompaction(messages, result as NonNullable<typeof result>);
    const texts = resultTexts(view);
    const masked = [...resultTexts(applyCompaction(messages, inner as NonNullable<typeof inner>))].filter(
      ([, text]) => text.startsWith("[compactor: masked]"),
    );
    expect(masked.length).toBe(11);
    for (const [callId, text] of masked) {
      const hinted = texts.get(callId) as string;
      expect(hinted.startsWith(text)).toBe(true);
      expect(hinted).toContain(recallToolName);
      expect(recallIdsIn(hinted)).toEqual([offloadId(callId)]);
    }
    // The hints cost a few tokens each: removed is still most of what masking removed.
    expect(result?.removed.tokens).toBeLessThan(inner?.removed.tokens as number);
    expect(result?.removed.tokens).toBeGreaterThan((inner?.removed.tokens as number) * 0.9);
  });

  it("is stable: compacting the compacted view again adds nothing, and the same view gives the same bytes", async () => {
    const messages = toolHistory(14);
    const strategy = offload(observationMasking({ keepLast: 3 }));
    const first = await strategy.compact(messages, contextFor(messages));
    const again = await strategy.compact(messages, contextFor(messages));
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    const view = applyCompaction(messages, first as NonNullable<typeof first>);
    expect(await strategy.compact(view, contextFor(view))).toBeNull();
  });

  it("composes: lossless placeholders are recallable too, and the default's pipeline is recognised as offloading", async () => {
    const strategy = pipeline(offload(losslessRemovals()), offload(observationMasking({ keepLast: 3 })));
    expect(isOffloading(strategy)).toBe(true);
    expect(isOffloading(cacheAware(strategy))).toBe(true);
    expect(isOffloading(observationMasking())).toBe(false);
    expect(isOffloading(defaultStrategy())).toBe(false);
    const messages = toolHistory(14);
    const result = await strategy.compact(messages, contextFor(messages));
    const view = expectValidCompaction(messages, result as NonNullable<typeof result>);
    const texts = [...resultTexts(view).values()];
    const placeholders = texts.filter((text) => text.startsWith("[compactor: masked]"));
    // Lossless removals took out the repeated outputs first, masking the rest: every placeholder is recallable.
    expect(placeholders.length).toBeGreaterThanOrEqual(11);
    expect(placeholders.every((text) => recallIdsIn(text).length === 1)).toBe(true);
  });

  it("leaves small results and text observations without a hint", async () => {
    const messages = toolHistory(14, 40);
    const result = await offload(observationMasking({ keepLast: 3, minTokens: 0 }), {
      minTokens: 1_000,
    }).compact(messages, contextFor(messages));
    const view = result ? applyCompaction(messages, result) : messages;
    expect(JSON.stringify(view)).not.toContain(recallToolName);
  });

  it("keeps every invariant on generated histories", async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary, async (messages) => {
        const result = await offload(observationMasking({ keepLast: 2 })).compact(
          messages,
          contextFor(messages),
        );
        if (result === null) return;
        expectValidCompaction(messages, result);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects bad options with a typed error", () => {
    expect(() => offload(observationMasking(), { minTokens: -1 })).toThrow(/minTokens/);
    expect(() => offload({} as never)).toThrow(/inner/);
  });
});

describe("offload around a summarizing pipeline", () => {
  it("indexes the outputs the summary replaced, so they are one recall away too, and carries the index on", async () => {
    const { factSummary } = await import("../../strategies/fact-summary.js");
    const strategy = offload(pipeline(observationMasking({ keepLast: 3 }), factSummary({ keepTurns: 4 })), {
      maxIndexEntries: 200,
    });
    const messages = toolHistory(20);
    const result = await strategy.compact(messages, contextFor(messages));
    expect(result).not.toBeNull();
    const view = expectValidCompaction(messages, result as NonNullable<typeof result>);
    const holder = view.find((message) => message.content.some((block) => block.type === "summary"));
    expect(holder).toBeDefined();
    const summaryBlock = holder?.content.find((block) => block.type === "summary");
    const summaryText = summaryBlock?.type === "summary" ? summaryBlock.text : "";
    // The index is a block of its own beside the summary (a summarizer extending it never reads the index).
    expect(summaryText).not.toContain("## Kept outputs");
    const text = (holder?.content ?? []).map((block) => (block.type === "text" ? block.text : "")).join("");
    expect(text.startsWith("## Kept outputs")).toBe(true);
    const present = new Set(
      view.flatMap((message) =>
        message.content.flatMap((block) => (block.type === "tool_result" ? [block.callId] : [])),
      ),
    );
    // Every output the view no longer holds is in the index, by the id of its call.
    const gone = messages
      .flatMap((message) =>
        message.content.flatMap((block) => (block.type === "tool_result" ? [block.callId] : [])),
      )
      .filter((callId) => !present.has(callId));
    expect(gone.length).toBeGreaterThan(5);
    for (const callId of gone) expect(recallIdsIn(text)).toContain(offloadId(callId));
    // Compacting again (more turns) keeps the earlier entries.
    const longer = [...view, ...toolHistory(30).slice(42)];
    const again = await strategy.compact(longer, contextFor(longer));
    if (again) {
      const next = applyCompaction(longer, again).find((message) =>
        message.content.some((block) => block.type === "summary"),
      );
      const ids = recallIdsIn(
        (next?.content ?? []).map((block) => (block.type === "text" ? block.text : "")).join(""),
      );
      for (const callId of gone) expect(ids).toContain(offloadId(callId));
    }
  });
});
