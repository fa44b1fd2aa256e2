import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/transcript/types.js";
import { cacheAware } from "../../strategies/cache-aware.js";
import { defaultStrategy } from "../../strategies/default.js";
import { applyCompaction } from "../../strategies/internal/view.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import { pipeline } from "../../strategies/pipeline.js";
import { summarize } from "../../strategies/summarize.js";
import { truncate } from "../../strategies/truncate.js";
import type { CompactionResult, PriceView, Strategy, Summarizer } from "../../strategies/types.js";
import { neutralConversationArbitrary } from "../support/arbitraries.js";
import { contextFor, expectValidCompaction, historyArbitrary, toolHistory } from "./support.js";

const sonnet: PriceView = { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 };
const shortSummary: Summarizer = async ({ messages }) => ({
  text: `Summary of ${messages.length}.`,
  model: "m",
  costUsd: 0,
});

const strategies: Array<[string, () => Strategy]> = [
  ["truncate", () => truncate({ keepTurns: 1 })],
  ["observation-masking keepLast 0", () => observationMasking({ keepLast: 0, minTokens: 0 })],
  ["observation-masking keepLast 3", () => observationMasking({ keepLast: 3 })],
  ["summarize (extractive)", () => summarize({ keepTurns: 1 })],
  ["summarize (model)", () => summarize({ keepTurns: 2, summarizer: shortSummary })],
  [
    "pipeline mask+summarize",
    () => pipeline(observationMasking({ keepLast: 2 }), summarize({ keepTurns: 1 })),
  ],
  [
    "pipeline summarize+mask",
    () => pipeline(summarize({ keepTurns: 4 }), observationMasking({ keepLast: 1 })),
  ],
  ["cache-aware default", () => defaultStrategy({ cacheAware: { highWatermark: 800, lowWatermark: 400 } })],
];

const runs = { numRuns: 150 };
/** The least number of runs in which the interesting case (a compaction) must occur: no vacuous passes. */
const MIN_COMPACTED = 20;

describe.each(strategies)("%s on generated histories", (name, make) => {
  // cache-aware compacts only when it pays, so on a minority of random histories (about 10 of 150).
  const minimum = name.startsWith("cache-aware") ? 3 : MIN_COMPACTED;
  it("keeps pairing, head, pinned messages and thinking blocks, and never grows the prompt", async () => {
    let compacted = 0;
    await fc.assert(
      fc.asyncProperty(historyArbitrary, fc.integer({ min: 0, max: 60 }), async (messages, callIndex) => {
        const frozen = structuredClone(messages);
        const context = contextFor(messages, { prices: sonnet, callIndex, summarize: shortSummary });
        const result = await make().compact(messages, context);
        expect(messages).toEqual(frozen);
        if (result === null) return;
        compacted++;
        expectValidCompaction(messages, result);
      }),
      runs,
    );
    // Not vacuous: a good share of the generated histories were compacted and checked.
    expect(compacted, "generated histories compacted").toBeGreaterThanOrEqual(minimum);
  });
});

describe.each(["anthropic", "openai-chat", "openai-responses"] as const)(
  "strategies on valid %s requests (test/support/arbitraries.ts)",
  (format) => {
    it("keep every invariant of checkInvariants", async () => {
      const makers = [
        () => observationMasking({ keepLast: 1, minTokens: 0 }),
        () => summarize({ keepTurns: 1 }),
        () => defaultStrategy({ cacheAware: { highWatermark: 200, lowWatermark: 100 } }),
      ];
      let compacted = 0;
      await fc.assert(
        fc.asyncProperty(neutralConversationArbitrary(format), async (conversation) => {
          const { messages } = conversation;
          for (const make of makers) {
            const context = contextFor(messages, { provider: format, prices: sonnet, callIndex: 20 });
            const result = await make().compact(messages, context);
            if (result === null) continue;
            compacted++;
            expectValidCompaction(messages, result, context.tokens, format);
          }
        }),
        { numRuns: 100 },
      );
      expect(compacted, "compactions checked").toBeGreaterThanOrEqual(MIN_COMPACTED);
    });
  },
);

describe("the thinking of the last tool-using turn", () => {
  const text = (role: "user" | "assistant", value: string): Message => ({
    role,
    content: [{ type: "text", text: value }],
  });
  // The last two turns have no tool call: cutting before them would drop the thinking Anthropic still needs.
  const messages = [
    ...toolHistory(3, 4000),
    text("assistant", "a"),
    text("user", "u"),
    text("assistant", "b"),
    text("user", "v"),
  ];

  it("is kept by summarize, which stops its span before that turn", async () => {
    const result = (await summarize({ keepTurns: 1 }).compact(
      messages,
      contextFor(messages),
    )) as CompactionResult;
    expect(result.keepFrom).toBe(6);
    expectValidCompaction(messages, result);
  });

  it("is kept by truncate, which never cuts after the start of that turn", async () => {
    const result = (await truncate({ keepTurns: 1, targetTokens: 1 }).compact(
      messages,
      contextFor(messages),
    )) as CompactionResult;
    expect(result.keepFrom).toBe(6);
    expectValidCompaction(messages, result);
  });
});

describe("algebraic properties", () => {
  it("masking a masked view changes nothing", async () => {
    let masked = 0;
    await fc.assert(
      fc.asyncProperty(historyArbitrary, fc.integer({ min: 0, max: 5 }), async (messages, keepLast) => {
        const strategy = observationMasking({ keepLast });
        const first = await strategy.compact(messages, contextFor(messages));
        if (first === null) return;
        masked++;
        const view = applyCompaction(messages, first);
        expect(await strategy.compact(view, contextFor(view))).toBeNull();
      }),
      runs,
    );
    expect(masked, "histories masked").toBeGreaterThanOrEqual(MIN_COMPACTED);
  });

  it("a pipeline's composed result equals applying its stages one after the other", async () => {
    let composedCount = 0;
    await fc.assert(
      fc.asyncProperty(historyArbitrary, async (messages) => {
        const stages = [
          observationMasking({ keepLast: 1 }),
          summarize({ keepTurns: 2 }),
          truncate({ keepTurns: 1 }),
        ];
        let view = messages;
        for (const stage of stages) {
          const result = await stage.compact(view, contextFor(view));
          if (result !== null) view = applyCompaction(view, result);
        }
        const composed = (await pipeline(...stages).compact(
          messages,
          contextFor(messages),
        )) as CompactionResult | null;
        if (composed !== null) composedCount++;
        expect(composed === null ? messages : applyCompaction(messages, composed)).toEqual(view);
      }),
      runs,
    );
    expect(composedCount, "pipelines that compacted").toBeGreaterThanOrEqual(MIN_COMPACTED);
  });

  it("cache-aware compacts only above its idle watermark and only when the saving is positive", async () => {
    let eligible = 0;
    let compactedCount = 0;
    await fc.assert(
      fc.asyncProperty(historyArbitrary, fc.integer({ min: 0, max: 40 }), async (messages, callIndex) => {
        const context = contextFor(messages, {
          prices: sonnet,
          callIndex,
          cache: { now: 1_000, lastCallAt: 500, ttlMs: 300_000 },
        });
        const result = await cacheAware(observationMasking({ keepLast: 1 }), { highWatermark: 1000 }).compact(
          messages,
          context,
        );
        if (context.tokens.total > 1000 && callIndex > 0) eligible++;
        if (result === null) return;
        compactedCount++;
        expect(context.tokens.total).toBeGreaterThan(1000);
        expect(callIndex).toBeGreaterThan(0);
        expect(result.removed.description).toMatch(/net saving \$\d/);
      }),
      runs,
    );
    // Both sides of the rule were exercised: histories above the watermark, and compactions made.
    expect(eligible, "histories above the watermark").toBeGreaterThanOrEqual(MIN_COMPACTED);
    expect(compactedCount, "compactions made").toBeGreaterThanOrEqual(MIN_COMPACTED);
  });
});

describe("the invariant check itself", () => {
  const messages = toolHistory(4);
  const removed = { messages: 1, tokens: 0, description: "broken" };
  const check = (result: CompactionResult) => () => expectValidCompaction(messages, result);

  it("catches a result that drops the task", () => {
    expect(check({ keepFrom: 4, replacement: [messages[0] as Message], removed })).toThrow();
  });

  it("catches a result that splits a tool call from its result", () => {
    expect(check({ keepFrom: 3, replacement: messages.slice(0, 2), removed })).toThrow();
  });

  it("catches a result that alters a thinking signature", () => {
    const assistant = messages[2] as Message;
    const altered: Message = {
      ...assistant,
      content: assistant.content.map((block) =>
        block.type === "thinking" ? { ...block, signature: "forged" } : block,
      ),
    };
    expect(check({ keepFrom: 3, replacement: [...messages.slice(0, 2), altered], removed })).toThrow();
  });

  it("catches a result that grows the prompt or misreports the saving", () => {
    const grown: Message = { role: "user", content: [{ type: "summary", text: "x".repeat(100_000) }] };
    expect(check({ keepFrom: 4, replacement: [...messages.slice(0, 2), grown], removed })).toThrow();
    // Dropping turns 0 and 1 is valid, but the reported saving must be exact.
    expect(
      check({ keepFrom: 6, replacement: messages.slice(0, 2), removed: { ...removed, tokens: 1 } }),
    ).toThrow();
    const tokens = contextFor(messages).tokens;
    const exact = tokens.perMessage.slice(2, 6).reduce((sum, count) => sum + count, 0);
    expect(
      check({ keepFrom: 6, replacement: messages.slice(0, 2), removed: { ...removed, tokens: exact } }),
    ).not.toThrow();
  });
});
