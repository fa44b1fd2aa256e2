/**
 * The sizes the proxy scales an agent's usage by (`PreparedRequest.promptSizes`, `src/session/runtime.ts`) are
 * summed per session from the part of each list that is the very same objects as the last call's. On a session
 * that grows, compacts, is rewritten in the middle by the agent and has messages swapped for equal copies, every
 * call's sizes equal a count of both requests from scratch with a fresh counter.
 */
import { describe, expect, it } from "vitest";
import { createRuntime } from "../../src/session/runtime.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { memoryStore } from "../../src/store/memory.js";
import { createTokenEstimator } from "../../src/tokens/index.js";
import { observationMasking, tokenThreshold } from "../../strategies/index.js";

function turn(index: number): unknown[] {
  const id = `toolu_${index}`;
  return [
    { role: "assistant", content: [{ type: "tool_use", id, name: "bash", input: { command: `cat src/mod_${index}.py` } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: `value_${index} = compute(request)\n`.repeat(80) }] },
  ];
}

/** Tokens of a request's system prompt, tools and messages, each part counted on its own, from scratch. */
function recount(params: Record<string, unknown>): number {
  const fresh = defaultTokenCounter(createTokenEstimator());
  let total = 0;
  if (typeof params.system === "string") total += fresh.countRaw(params.system);
  for (const tool of (params.tools as unknown[] | undefined) ?? []) total += fresh.countRaw(tool);
  for (const message of params.messages as unknown[]) total += fresh.countRaw(message);
  return total;
}

describe("prompt sizes summed from what each call's lists share with the last", () => {
  it("equal a count from scratch on every compacted call", async () => {
    const runtime = createRuntime({
      store: memoryStore(),
      strategy: observationMasking({ keepLast: 2 }),
      trigger: tokenThreshold(4_000),
      emit: () => {},
      defaultSession: "s",
    });
    const tools = [{ name: "bash", description: "Run a command", input_schema: { type: "object", properties: {} } }];
    let messages: unknown[] = [{ role: "user", content: "Fix the handler." }];
    const compared: number[] = [];
    for (let index = 0; index < 40; index++) {
      messages = [...messages, ...turn(index), { role: "assistant", content: "ok" }, { role: "user", content: `Go on ${index}.` }];
      // The agent rewrites a message in the middle (a new object) at call 25, and re-sends equal copies at 30.
      if (index === 25) messages[2] = { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_0", content: "trimmed" }] };
      if (index === 30) messages = structuredClone(messages);
      const params = { model: "claude-sonnet-4-6", max_tokens: 64, system: "You are a coding agent.", tools, messages };
      const prepared = await runtime.prepare({ format: "anthropic", sessionId: "s", params, stream: false });
      if (prepared.promptSizes) {
        const sizes = prepared.promptSizes();
        expect(sizes.agent).toBe(recount(params));
        expect(sizes.sent).toBe(recount(prepared.params));
        expect(sizes.sent).toBeLessThan(sizes.agent);
        compared.push(index);
      }
      await prepared.settle({
        kind: "response",
        response: {
          id: "m",
          type: "message",
          role: "assistant",
          model: "claude-sonnet-4-6",
          content: [{ type: "text", text: "ok" }],
          stop_reason: "end_turn",
          usage: { input_tokens: 1000, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
        },
        durationMs: 1,
      });
    }
    // Compacted calls before and after the rewrite and the copies.
    expect(compared.length).toBeGreaterThanOrEqual(15);
    expect(compared).toEqual(expect.arrayContaining([24, 25, 26, 30, 31, 39]));
  });
});
