import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BodyMemo } from "../../src/proxy/body-memo.js";

const turn = (index: number) => [
  { role: "assistant", content: [{ type: "tool_use", id: `t${index}`, name: "bash", input: { command: `ls ${index}` } }] },
  { role: "user", content: [{ type: "tool_result", tool_use_id: `t${index}`, content: `out "${index}" \\ \n`.repeat(20) }] },
];

describe("BodyMemo: incremental parsing of a session's bodies", () => {
  it("gives what JSON.parse gives, and keeps the previous call's objects for unchanged messages", () => {
    const memo = new BodyMemo();
    const system = [{ type: "text", text: "You are an agent.", cache_control: { type: "ephemeral" } }];
    const messages: unknown[] = [{ role: "user", content: "Fix it." }];
    let previous: Record<string, unknown> | undefined;
    for (let call = 0; call < 6; call++) {
      messages.push(...turn(call));
      const text = JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 64, system, messages, stream: call % 2 === 0 });
      const parsed = memo.parse("anthropic", text, "s1");
      expect(parsed).toEqual(JSON.parse(text));
      expect(Object.keys(parsed ?? {})).toEqual(Object.keys(JSON.parse(text)));
      if (previous) {
        const before = previous.messages as unknown[];
        const now = parsed?.messages as unknown[];
        // Every message the previous body held is the very same object; the new ones are new.
        for (let index = 0; index < before.length; index++) expect(now[index]).toBe(before[index]);
        expect(now[before.length]).not.toBe(undefined);
        expect(parsed?.system).toBe(previous.system);
      }
      previous = parsed;
    }
  });

  it("re-parses a message whose text changed, and keys sessions without a name by their first message", () => {
    const memo = new BodyMemo();
    const first = { role: "user", content: "Start." };
    const a = JSON.stringify({ model: "m", messages: [first, { role: "assistant", content: "one" }] });
    const b = JSON.stringify({ model: "m", messages: [first, { role: "assistant", content: "two" }, { role: "user", content: "x" }] });
    const parsedA = memo.parse("openai-chat", a, undefined);
    const parsedB = memo.parse("openai-chat", b, undefined);
    expect(parsedB).toEqual(JSON.parse(b));
    const messagesA = (parsedA?.messages ?? []) as unknown[];
    const messagesB = (parsedB?.messages ?? []) as unknown[];
    expect(messagesB[0]).toBe(messagesA[0]);
    expect(messagesB[1]).toEqual({ role: "assistant", content: "two" });
    // Responses keep their conversation in `input`.
    const r = JSON.stringify({ model: "gpt-5", input: [first], instructions: "be brief" });
    expect(memo.parse("openai-responses", r, "r")).toEqual(JSON.parse(r));
  });

  it("hands anything it does not take to JSON.parse: malformed, non-object, __proto__, escaped keys, whitespace", () => {
    const memo = new BodyMemo();
    for (const text of [
      '{"messages": [1, 2,]}',
      '{"messages": [1, 2]',
      '{"a": 1} x',
      "[1, 2]",
      "{}",
      ' { "messages" : [ { "a" : [ 1 , "]" ] } , "x\\"y" ] , "b" : null } ',
      '{"__proto__": {"polluted": true}, "messages": []}',
      '{"m\\u0065ssages": [1], "messages": [2]}',
      '{"messages": [tru]}',
      '{"a": 1, "a": 2, "messages": []}',
    ]) {
      let expected: unknown;
      try {
        const value: unknown = JSON.parse(text);
        expected = typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
      } catch {
        expected = undefined;
      }
      const parsed = memo.parse("anthropic", text, "s");
      expect(parsed).toEqual(expected);
      if (parsed) expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    }
  });

  it("equals JSON.parse on arbitrary JSON objects, call after call on one session", () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { minLength: 1, maxLength: 4 }), fc.array(fc.jsonValue(), { maxLength: 6 }), (bodies, messages) => {
        const memo = new BodyMemo();
        for (const body of bodies) {
          const text = JSON.stringify({ ...body, messages });
          expect(memo.parse("anthropic", text, "p")).toEqual(JSON.parse(text));
          messages.push({ role: "user", content: String(messages.length) });
        }
      }),
      { numRuns: 300 },
    );
  });
});
