import { describe, expect, it, vi } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import type { Message } from "../../src/transcript/types.js";
import { extractiveSummary } from "../../strategies/internal/extractive.js";
import { withHints } from "../../strategies/internal/hints.js";
import { applyCompaction } from "../../strategies/internal/view.js";
import { summarize, summaryTextAt } from "../../strategies/summarize.js";
import type { CompactionResult, Summarizer } from "../../strategies/types.js";
import { contextFor, expectValidCompaction, toolHistory } from "./support.js";

const modelSummary: Summarizer = async ({ messages, previousSummary }) => ({
  text: `${previousSummary ? `${previousSummary} + ` : ""}summary of ${messages.length} messages`,
  model: "claude-haiku-4-5",
  costUsd: 0.002,
});

describe("summarize", () => {
  it("replaces old turns after the head with one summary message and keeps the last turns", async () => {
    const messages = toolHistory(10);
    const result = (await summarize({ keepTurns: 3 }).compact(
      messages,
      contextFor(messages, { summarize: modelSummary }),
    )) as CompactionResult;
    const compacted = expectValidCompaction(messages, result);
    // system, task, summary, then the last 3 turns (6 messages), starting with an assistant message.
    expect(compacted).toHaveLength(3 + 6);
    expect(compacted[2]).toEqual({
      role: "user",
      content: [{ type: "summary", text: "summary of 14 messages", replacedMessages: 14 }],
    });
    expect(compacted[3]?.role).toBe("assistant");
    expect(result.summary).toEqual({
      text: "summary of 14 messages",
      model: "claude-haiku-4-5",
      costUsd: 0.002,
    });
  });

  it("prefers the option's summarizer over the context's", async () => {
    const own = vi.fn(modelSummary);
    const fromContext = vi.fn(modelSummary);
    const messages = toolHistory(6);
    await summarize({ summarizer: own }).compact(messages, contextFor(messages, { summarize: fromContext }));
    expect(own).toHaveBeenCalledOnce();
    expect(fromContext).not.toHaveBeenCalled();
  });

  it("extends an earlier summary and summarizes only the new span", async () => {
    const summarizer = vi.fn(modelSummary);
    const strategy = summarize({ keepTurns: 2, summarizer });
    const messages = toolHistory(6);
    const first = applyCompaction(
      messages,
      (await strategy.compact(messages, contextFor(messages))) as CompactionResult,
    );
    const grown = [...first, ...toolHistory(4).slice(2)];
    const second = (await strategy.compact(grown, contextFor(grown))) as CompactionResult;
    const compacted = expectValidCompaction(grown, second);
    expect(summarizer.mock.calls[1]?.[0].previousSummary).toBe("summary of 8 messages");
    expect(summarizer.mock.calls[1]?.[0].messages).toHaveLength(8);
    expect(summaryTextAt(compacted, 2)).toBe("summary of 8 messages + summary of 8 messages");
    const block = compacted[2]?.content[0];
    expect(block?.type === "summary" && block.replacedMessages).toBe(16);
  });

  it("falls back to the extractive summary when the summarizer throws or rejects", async () => {
    const messages = toolHistory(8);
    for (const summarizer of [
      () => {
        throw new Error("boom");
      },
      () => Promise.reject(new Error("network down")),
      async () => ({ text: "  ", model: "m", costUsd: 0 }),
    ] as Summarizer[]) {
      const result = (await summarize({ summarizer }).compact(
        messages,
        contextFor(messages),
      )) as CompactionResult;
      expectValidCompaction(messages, result);
      expect(result.summary?.model).toBe("extractive");
      expect(result.summary?.costUsd).toBe(0);
      expect(result.summary?.text).toContain("cat src/file0.ts");
    }
  });

  it("does not call a model on a dry run", async () => {
    const summarizer = vi.fn(modelSummary);
    const messages = toolHistory(8);
    const result = await summarize({ summarizer }).compact(
      messages,
      withHints(contextFor(messages), { dryRun: true }),
    );
    expect(summarizer).not.toHaveBeenCalled();
    expect(result?.summary?.model).toBe("extractive");
  });

  it("summarizes only as much as the target needs, and nothing below it", async () => {
    const messages = toolHistory(20);
    const context = contextFor(messages);
    const all = (await summarize({ keepTurns: 2 }).compact(messages, context)) as CompactionResult;
    const total = context.tokens.total;
    const partial = (await summarize({ keepTurns: 2, targetTokens: total * 0.7 }).compact(
      messages,
      context,
    )) as CompactionResult;
    expect(partial.keepFrom).toBeLessThan(all.keepFrom);
    expect(total - partial.removed.tokens).toBeLessThanOrEqual(total * 0.7);
    expect(await summarize({ targetTokens: total + 1 }).compact(messages, context)).toBeNull();
  });

  it("falls back when a model summary is longer than what it replaces", async () => {
    const messages = toolHistory(6, 200);
    const verbose: Summarizer = async () => ({ text: "x".repeat(50_000), model: "m", costUsd: 0.01 });
    const result = (await summarize({ summarizer: verbose, keepTurns: 1 }).compact(
      messages,
      contextFor(messages),
    )) as CompactionResult;
    expectValidCompaction(messages, result);
    expect(result.summary).toMatchObject({ model: "extractive", costUsd: 0.01 });
  });

  it("returns null when there is nothing before the kept turns", async () => {
    const messages = toolHistory(3);
    expect(await summarize({ keepTurns: 3 }).compact(messages, contextFor(messages))).toBeNull();
  });

  it("does not summarize past a pinned message", async () => {
    const messages: Message[] = toolHistory(10).map((message, index) =>
      index === 7 ? { ...message, pinned: true } : message,
    );
    const result = (await summarize({ keepTurns: 1 }).compact(
      messages,
      contextFor(messages),
    )) as CompactionResult;
    expect(result.keepFrom).toBe(6);
    expectValidCompaction(messages, result);
  });

  it("rejects invalid options", () => {
    expect(() => summarize({ keepTurns: 0 })).toThrow(InvalidOptionError);
    expect(() => summarize({ targetTokens: -5 })).toThrow(/targetTokens/);
  });
});

describe("extractiveSummary", () => {
  it("keeps commands, file paths, error lines, the last plan and the last assistant text, bounded", () => {
    const messages: Message[] = [
      {
        role: "assistant",
        content: [
          { type: "tool_call", id: "a", name: "bash", input: { command: "pytest tests/test_app.py" } },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            callId: "a",
            content: [
              {
                type: "text",
                text: `collected 3 items\nE   AssertionError: expected 2 got 3\n${"noise\n".repeat(5000)}`,
              },
            ],
          },
        ],
      },
      {
        role: "assistant",
        content: [{ type: "text", text: "Plan:\n1. fix src/app/core.py\n2. rerun tests" }],
      },
      { role: "assistant", content: [{ type: "text", text: "Now editing the parser." }] },
    ];
    const text = extractiveSummary(messages, { maxCharacters: 1500 });
    expect(text.length).toBeLessThanOrEqual(1500);
    expect(text).toContain("pytest tests/test_app.py");
    expect(text).toContain("tests/test_app.py");
    expect(text).toContain("src/app/core.py");
    expect(text).toContain("AssertionError: expected 2 got 3");
    expect(text).toContain("1. fix src/app/core.py");
    expect(text).toContain("Now editing the parser.");
    expect(text).not.toContain("noise");
  });

  it("keeps an earlier summary at the top within the bound", () => {
    const text = extractiveSummary(toolHistory(3), {
      previousSummary: "EARLIER ".repeat(2000),
      maxCharacters: 2000,
    });
    expect(text.startsWith("EARLIER")).toBe(true);
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text).toContain("cat src/file2.ts");
  });
});
