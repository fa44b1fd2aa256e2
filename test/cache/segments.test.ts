import { describe, expect, it } from "vitest";
import { placeBreakpoints, type SegmentTokenCounter, segmentConversation } from "../../src/cache/index.js";
import type { Conversation } from "../../src/transcript/types.js";
import { segment } from "./helpers.js";

const count: SegmentTokenCounter = (item) => JSON.stringify(item).length;

function conversation(): Conversation {
  return {
    format: "anthropic",
    tools: [{ name: "bash", description: "Run a command", parameters: { type: "object" } }],
    system: [
      { type: "text", text: "You are a coding agent.", cacheControl: { type: "ephemeral", ttl: "1h" } },
    ],
    messages: [
      { role: "user", content: [{ type: "text", text: "Fix the bug." }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Looking." },
          { type: "tool_call", id: "call-1", name: "bash", input: { command: "ls" } },
        ],
      },
      {
        role: "user",
        content: [{ type: "tool_result", callId: "call-1", content: [{ type: "text", text: "src test" }] }],
      },
    ],
  };
}

describe("segmentConversation", () => {
  it("renders tools, then system, then one segment per message block", () => {
    const prompt = segmentConversation(conversation(), count);
    expect(prompt.segments).toHaveLength(6);
    expect(prompt.toolsEnd).toBe(0);
    expect(prompt.systemEnd).toBe(1);
    expect(prompt.messageEnds).toEqual([2, 4, 5]);
    expect(prompt.segments[1]?.breakpoint).toBe("1h");
    const source = conversation();
    expect(prompt.segments[0]?.tokens).toBe(count(source.tools?.[0] as never, { kind: "tool", index: 0 }));
    expect(prompt.segments[5]?.tokens).toBe(
      count(source.messages[2]?.content[0] as never, { kind: "tool", index: 0 }),
    );
  });

  it("gives equal content equal hashes across separate objects, and ignores cache_control", () => {
    const first = segmentConversation(conversation(), count).segments;
    const copy = conversation();
    const system = copy.system?.[0];
    if (system?.type === "text") delete system.cacheControl;
    const second = segmentConversation(copy, count).segments;
    expect(second.map((item) => item.hash)).toEqual(first.map((item) => item.hash));
    expect(second[1]?.breakpoint).toBeUndefined();
  });

  it("tells the same text apart by role and by position in its message", () => {
    const text = { type: "text" as const, text: "same" };
    const prompt = segmentConversation(
      {
        format: "anthropic",
        messages: [
          { role: "user", content: [text, { ...text }] },
          { role: "assistant", content: [{ ...text }] },
        ],
      },
      count,
    );
    const hashes = prompt.segments.map((item) => item.hash);
    expect(new Set(hashes).size).toBe(3);
  });

  it("rejects a counter that returns a bad number, naming the block", () => {
    expect(() => segmentConversation(conversation(), () => Number.NaN)).toThrow(/count\(tool\)/);
    const onlyMessages = { ...conversation(), tools: [], system: [] };
    expect(() => segmentConversation(onlyMessages, () => -1)).toThrow(/messages\[0\]\.content\[0\]/);
  });
});

describe("placeBreakpoints", () => {
  const prompt = Array.from({ length: 10 }, (_, index) =>
    segment(`s${index}`, 100, index === 3 ? "5m" : undefined),
  );

  it("marks the end of the fixed prefix and the last segment, removing others", () => {
    const placed = placeBreakpoints(prompt, { prefixEnd: 1 });
    expect(placed.flatMap((item, index) => (item.breakpoint ? [index] : []))).toEqual([1, 9]);
  });

  it("adds a stable prefix and earlier message anchors up to four", () => {
    const placed = placeBreakpoints(prompt, {
      prefixEnd: 1,
      stableEnd: 4,
      messageEnds: [2, 4, 6, 7, 9],
      lastMessages: 3,
    });
    expect(placed.flatMap((item, index) => (item.breakpoint ? [index] : []))).toEqual([1, 4, 7, 9]);
  });

  it("uses the fixed lifetime before the sliding one", () => {
    const placed = placeBreakpoints(prompt, { prefixEnd: 1, fixedTtl: "1h" });
    expect(placed[1]?.breakpoint).toBe("1h");
    expect(placed[9]?.breakpoint).toBe("5m");
    expect(() => placeBreakpoints(prompt, { slidingTtl: "1h" })).toThrow(/slidingTtl/);
  });

  it("rejects an index outside the prompt", () => {
    expect(() => placeBreakpoints(prompt, { prefixEnd: 10 })).toThrow(/prefixEnd/);
  });
});
