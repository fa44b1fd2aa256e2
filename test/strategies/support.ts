/**
 * Test support for strategies: a simple token counter, a context builder, a fast-check generator of
 * neutral agent histories (Anthropic style with tool results in user messages, OpenAI style with `tool`
 * messages, and text agents), and an invariant check of a compaction result.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { checkInvariants } from "../../src/transcript/invariants.js";
import type { Block, Message, ProviderFormat } from "../../src/transcript/types.js";
import { applyCompaction } from "../../strategies/internal/view.js";
import { isMaskedObservation } from "../../strategies/observation-masking.js";
import type { CompactionResult, StrategyContext, TokenView } from "../../strategies/types.js";

function blockCharacters(block: Block): number {
  switch (block.type) {
    case "text":
    case "summary":
      return block.text.length;
    case "thinking":
      return block.text.length + (block.signature?.length ?? 0);
    case "image":
      return 1000;
    case "tool_call":
      return block.name.length + JSON.stringify(block.input ?? null).length;
    case "tool_result":
      return 8 + block.content.reduce((sum, part) => sum + blockCharacters(part), 0);
    default:
      return 0;
  }
}

/** A simple, deterministic estimate: four characters a token, plus four tokens a message. */
export function countMessage(message: Message): number {
  return 4 + Math.ceil(message.content.reduce((sum, block) => sum + blockCharacters(block), 0) / 4);
}

/** A {@link TokenView} of `messages` with the simple counter (or `counter`). */
export function tokenViewOf(
  messages: readonly Message[],
  fixed = 100,
  counter: (message: Message) => number = countMessage,
): TokenView {
  const perMessage = messages.map(counter);
  return {
    perMessage,
    fixed,
    total: fixed + perMessage.reduce((sum, count) => sum + count, 0),
    count: (list) => list.reduce((sum, message) => sum + counter(message), 0),
  };
}

/** A strategy context for `messages`, with `overrides` on top. */
export function contextFor(
  messages: readonly Message[],
  overrides: Partial<StrategyContext> = {},
): StrategyContext {
  return {
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    callIndex: 10,
    tokens: tokenViewOf(messages),
    ...overrides,
  };
}

/** Text of `characters` characters spread over lines. */
export function filler(characters: number, seed = "output"): string {
  const line = `${seed} line with some words in it 0123456789\n`;
  return line.repeat(Math.ceil(characters / line.length)).slice(0, characters);
}

export const system: Message = {
  role: "system",
  content: [{ type: "text", text: "You are a coding agent." }],
};
export const task: Message = {
  role: "user",
  content: [{ type: "text", text: "Fix the failing test in src/app.ts" }],
};

/** One tool-using turn: an assistant message with thinking and a call, then the result (Anthropic style). */
export function toolTurn(index: number, resultCharacters = 2000, name = "bash"): Message[] {
  return [
    {
      role: "assistant",
      content: [
        { type: "thinking", text: `thinking ${index}`, signature: `signature-${index}` },
        { type: "text", text: `Step ${index}: running a command.` },
        { type: "tool_call", id: `call_${index}`, name, input: { command: `cat src/file${index}.ts` } },
      ],
    },
    {
      role: "user",
      content: [
        {
          type: "tool_result",
          callId: `call_${index}`,
          content: [{ type: "text", text: filler(resultCharacters) }],
        },
      ],
    },
  ];
}

/** A history: system, task, then `turns` tool turns. */
export function toolHistory(turns: number, resultCharacters = 2000): Message[] {
  return [
    system,
    task,
    ...Array.from({ length: turns }, (_, index) => toolTurn(index, resultCharacters)).flat(),
  ];
}

interface TurnShape {
  calls: number;
  thinking: boolean;
  text: boolean;
  sizes: number[];
  pinned: boolean;
}

const turnShape: fc.Arbitrary<TurnShape> = fc.record({
  calls: fc.integer({ min: 0, max: 3 }),
  thinking: fc.boolean(),
  text: fc.boolean(),
  sizes: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 3, maxLength: 3 }),
  pinned: fc.integer({ min: 0, max: 99 }).map((value) => value < 15),
});

/** Generated agent histories in the three styles, always ending with a user or tool message. */
export const historyArbitrary: fc.Arbitrary<Message[]> = fc
  .record({
    style: fc.constantFrom("anthropic", "openai", "text"),
    withSystem: fc.boolean(),
    turns: fc.array(turnShape, { minLength: 0, maxLength: 25 }),
    summaryFirst: fc.boolean(),
  })
  .map(({ style, withSystem, turns, summaryFirst }) => {
    const messages: Message[] = withSystem ? [system, task] : [task];
    if (summaryFirst && turns.length > 0) {
      messages.push({
        role: "user",
        content: [{ type: "summary", text: "Earlier: listed files.", replacedMessages: 4 }],
      });
    }
    for (const [turnIndex, turn] of turns.entries()) {
      const calls = style === "text" ? 0 : turn.calls;
      const content: Block[] = [];
      if (turn.thinking)
        content.push({ type: "thinking", text: `thought ${turnIndex}`, signature: `sig-${turnIndex}` });
      if (turn.text || calls === 0)
        content.push({ type: "text", text: `Turn ${turnIndex}\n\`\`\`bash\nls dir${turnIndex}\n\`\`\`` });
      for (let call = 0; call < calls; call++) {
        content.push({
          type: "tool_call",
          id: `t${turnIndex}_${call}`,
          name: "bash",
          input: { command: `ls ${call}` },
        });
      }
      messages.push({ role: "assistant", content });
      const results = Array.from({ length: calls }, (_, call) => ({
        type: "tool_result" as const,
        callId: `t${turnIndex}_${call}`,
        content: [{ type: "text" as const, text: filler(turn.sizes[call] ?? 10) }],
      }));
      if (style === "openai") {
        for (const result of results) messages.push({ role: "tool", content: [result] });
      } else if (calls > 0) {
        messages.push({ role: "user", content: results, ...(turn.pinned ? { pinned: true } : {}) });
      }
      if (calls === 0 || turn.pinned) {
        const text = filler(turn.sizes[0] ?? 10, `observation ${turnIndex}`);
        messages.push({
          role: "user",
          content: [{ type: "text", text }],
          ...(turn.pinned ? { pinned: true } : {}),
        });
      }
    }
    return messages;
  });

function toolIds(messages: readonly Message[]): { calls: string[]; results: string[] } {
  const calls: string[] = [];
  const results: string[] = [];
  for (const message of messages) {
    for (const block of message.content) {
      if (block.type === "tool_call") calls.push(block.id);
      if (block.type === "tool_result") results.push(block.callId);
    }
  }
  return { calls, results };
}

/**
 * Checks a compaction result against the invariants every strategy keeps, and returns the compacted view.
 */
export function expectValidCompaction(
  original: readonly Message[],
  result: CompactionResult,
  tokens: TokenView = tokenViewOf(original),
  format: ProviderFormat = original.some((message) => message.role === "tool") ? "openai-chat" : "anthropic",
): Message[] {
  expect(result.keepFrom).toBeGreaterThanOrEqual(0);
  expect(result.keepFrom).toBeLessThanOrEqual(original.length);
  const compacted = applyCompaction(original, result);
  const json = (value: unknown) => JSON.stringify(value);

  // Tool calls and results stay paired, each result after its call; a pair the original view already
  // broke (recorded sessions sometimes end mid-call) may stay broken, but no new one appears.
  const originalIds = toolIds(original);
  const unpaired = (ids: { calls: string[]; results: string[] }) => [
    ...ids.calls.filter((id) => !ids.results.includes(id)),
    ...ids.results.filter((id) => !ids.calls.includes(id)),
  ];
  const { calls, results } = toolIds(compacted);
  const brokenBefore = new Set(unpaired(originalIds));
  expect(unpaired({ calls, results }).filter((id) => !brokenBefore.has(id))).toEqual([]);
  for (const id of calls.filter((call) => results.includes(call))) {
    const callAt = compacted.findIndex((message) =>
      message.content.some((b) => b.type === "tool_call" && b.id === id),
    );
    const resultAt = compacted.findIndex((message) =>
      message.content.some((b) => b.type === "tool_result" && b.callId === id),
    );
    expect(resultAt).toBeGreaterThan(callAt);
  }
  // System messages and the task stay, unchanged, in front.
  const headLength = original.findIndex((message) => message.role !== "system") + 1;
  expect(json(compacted.slice(0, headLength))).toBe(json(original.slice(0, headLength)));
  // Pinned messages stay unchanged.
  const compactedJson = new Set(compacted.map(json));
  for (const message of original) if (message.pinned) expect(compactedJson.has(json(message))).toBe(true);
  // Thinking blocks are never altered, and an assistant message keeps its thinking with its calls.
  const originalThinking = new Set(
    original.flatMap((m) => m.content.filter((b) => b.type === "thinking").map(json)),
  );
  for (const message of compacted) {
    for (const block of message.content)
      if (block.type === "thinking") expect(originalThinking.has(json(block))).toBe(true);
    const firstCall = message.content.find((block) => block.type === "tool_call");
    if (message.role !== "assistant" || firstCall?.type !== "tool_call") continue;
    const source = original.find((m) =>
      m.content.some((b) => b.type === "tool_call" && b.id === firstCall.id),
    );
    const thinking = (m: Message | undefined) => json(m?.content.filter((b) => b.type === "thinking"));
    expect(thinking(message)).toBe(thinking(source));
  }
  // Tool messages follow an assistant or another tool message.
  for (const [index, message] of compacted.entries()) {
    if (message.role === "tool") expect(["assistant", "tool"]).toContain(compacted[index - 1]?.role);
  }
  // The project's own invariant check (src/transcript/invariants.ts) agrees.
  const isSummary = (message: Message) =>
    message.content.some((block) => block.type === "summary") || isMaskedObservation(message);
  const violations = checkInvariants(
    { format, messages: [...original] },
    { format, messages: compacted },
    { isSummary },
  );
  expect(violations).toEqual([]);
  // Never larger, and the reported saving is exact.
  const after = tokens.count(compacted);
  const before = tokens.count(original);
  expect(after).toBeLessThan(before);
  expect(result.removed.tokens).toBe(before - after);
  return compacted;
}
