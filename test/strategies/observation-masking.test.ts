import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import type { Message } from "../../src/transcript/types.js";
import { applyCompaction } from "../../strategies/internal/view.js";
import { maskMarker, observationMasking } from "../../strategies/observation-masking.js";
import type { CompactionResult } from "../../strategies/types.js";
import { contextFor, expectValidCompaction, filler, system, task, toolHistory } from "./support.js";

function resultTexts(messages: readonly Message[]): string[] {
  return messages.flatMap((message) =>
    message.content.flatMap((block) =>
      block.type === "tool_result"
        ? block.content.map((part) => (part.type === "text" ? part.text : ""))
        : [],
    ),
  );
}

async function run(messages: Message[], options = {}): Promise<CompactionResult | null> {
  return observationMasking(options).compact(messages, contextFor(messages));
}

describe("observationMasking", () => {
  it("masks all but the last keepLast tool results and says what was removed", async () => {
    const messages = toolHistory(14);
    const result = await run(messages, { keepLast: 10 });
    expect(result).not.toBeNull();
    const compacted = expectValidCompaction(messages, result as CompactionResult);
    const texts = resultTexts(compacted);
    expect(texts.filter((text) => text.startsWith(maskMarker))).toHaveLength(4);
    expect(texts.slice(4).every((text) => !text.startsWith(maskMarker))).toBe(true);
    expect(texts[0]).toContain("bash `cat src/file0.ts`");
    expect(texts[0]).toMatch(/\d+ tokens, \d+ lines/);
    expect(texts[0]).toContain("Re-run");
    expect(result?.removed.toolResults).toBe(4);
    // keepFrom is just after the last masked result: messages 2..9 hold turns 0..3.
    expect(result?.keepFrom).toBe(10);
  });

  it("returns null when there are no more than keepLast results", async () => {
    expect(await run(toolHistory(10), { keepLast: 10 })).toBeNull();
  });

  it("is idempotent: masking a masked view changes nothing", async () => {
    const messages = toolHistory(20);
    const first = (await run(messages, { keepLast: 5 })) as CompactionResult;
    const masked = applyCompaction(messages, first);
    expect(await run(masked, { keepLast: 5 })).toBeNull();
    expect(await run(masked, { keepLast: 3, minTokens: 0 })).not.toBeNull();
  });

  it("never masks a result the model has not answered yet", async () => {
    const messages = toolHistory(4);
    const result = (await run(messages, { keepLast: 0 })) as CompactionResult;
    const texts = resultTexts(applyCompaction(messages, result));
    expect(texts.slice(0, 3).every((text) => text.startsWith(maskMarker))).toBe(true);
    expect(texts[3]?.startsWith(maskMarker)).toBe(false);
  });

  it("leaves small results and pinned messages alone", async () => {
    const messages = toolHistory(6, 100);
    expect(await run(messages, { keepLast: 1, minTokens: 64 })).toBeNull();
    const big = toolHistory(6);
    const pinned = big.map((message, index) => (index === 3 ? { ...message, pinned: true } : message));
    const result = (await run(pinned, { keepLast: 1 })) as CompactionResult;
    expectValidCompaction(pinned, result);
    expect(result.removed.toolResults).toBe(4);
  });

  it("masks the observations of a text-based agent only when the view has no tool calls", async () => {
    const turn = (index: number): Message[] => [
      {
        role: "assistant",
        content: [{ type: "text", text: `THOUGHT: look\n\`\`\`bash\ngrep -rn foo src${index}\n\`\`\`` }],
      },
      { role: "user", content: [{ type: "text", text: `<returncode>0</returncode>\n${filler(3000)}` }] },
    ];
    const messages = [system, task, ...[0, 1, 2, 3].flatMap(turn)];
    const result = (await run(messages, { keepLast: 2 })) as CompactionResult;
    const compacted = expectValidCompaction(messages, result);
    const first = compacted[3]?.content[0];
    expect(first?.type === "text" && first.text).toContain("command `grep -rn foo src0`");
    expect(await run(messages, { keepLast: 2, textObservations: false })).toBeNull();
  });

  it("uses a custom placeholder, prefixed with the marker", async () => {
    const messages = toolHistory(3);
    const result = (await run(messages, {
      keepLast: 1,
      placeholder: (info: { toolName: string }) => `gone: ${info.toolName}`,
    })) as CompactionResult;
    expect(resultTexts(applyCompaction(messages, result))[0]).toBe(`${maskMarker} gone: bash`);
  });

  it("rejects invalid options, naming the field", () => {
    expect(() => observationMasking({ keepLast: -1 })).toThrow(InvalidOptionError);
    expect(() => observationMasking({ keepLast: 1.5 })).toThrow(/`keepLast` to be a non-negative integer/);
    expect(() => observationMasking({ textObservations: "yes" as never })).toThrow(/textObservations/);
  });
});
