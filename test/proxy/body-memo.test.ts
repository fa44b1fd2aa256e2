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

describe("BodyMemo on bytes: identical prefix compared, only the rest scanned and parsed", () => {
  const decode = (bytes: Buffer) => {
    try {
      const value: unknown = JSON.parse(bytes.toString("utf8"));
      return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
    } catch {
      return undefined;
    }
  };

  it("reuses every earlier message when the body extends the previous one, whatever comes after the conversation", () => {
    const memo = new BodyMemo();
    const messages: unknown[] = [{ role: "user", content: "Début — ünïcödé 😀 \u2028" }];
    let previous: Record<string, unknown> | undefined;
    for (let call = 0; call < 5; call++) {
      messages.push(...turn(call));
      const bytes = Buffer.from(JSON.stringify({ model: "m", messages, max_tokens: 64, stream: true, metadata: { call: 1 } }));
      const parsed = memo.read("anthropic", bytes, "s")?.params;
      expect(parsed).toEqual(decode(bytes));
      if (previous) {
        const before = previous.messages as unknown[];
        const now = (parsed?.messages ?? []) as unknown[];
        for (let index = 0; index < before.length; index++) expect(now[index]).toBe(before[index]);
        // Fields after the conversation, unchanged, keep their objects too.
        expect(parsed?.metadata).toBe(previous.metadata);
      }
      previous = parsed;
    }
  });

  it("handles a moved cache_control marker, a literal that grows (64 → 640), and bytes that are not UTF-8", () => {
    const memo = new BodyMemo();
    const a = { role: "user", content: [{ type: "text", text: "one", cache_control: { type: "ephemeral" } }] };
    const a2 = { role: "user", content: [{ type: "text", text: "one" }] };
    const b = { role: "assistant", content: "two" };
    const first = Buffer.from(JSON.stringify({ messages: [{ role: "user", content: "x" }, a], max_tokens: 64 }));
    const second = Buffer.from(JSON.stringify({ messages: [{ role: "user", content: "x" }, a2, b], max_tokens: 640 }));
    const p1 = memo.read("anthropic", first, "c")?.params;
    const p2 = memo.read("anthropic", second, "c")?.params;
    expect(p1).toEqual(decode(first));
    expect(p2).toEqual(decode(second));
    expect(((p2?.messages ?? []) as unknown[])[0]).toBe(((p1?.messages ?? []) as unknown[])[0]);
    // Invalid UTF-8 inside a string: decoded as Buffer#toString decodes it (U+FFFD), in the prefix or after it.
    const broken = Buffer.concat([Buffer.from('{"messages":[{"role":"user","content":"x'), Buffer.from([0xc3, 0xff, 0xe2, 0x82]), Buffer.from('"}],"max_tokens":640}')]);
    expect(memo.read("anthropic", broken, "c")?.params).toEqual(decode(broken));
    const longer = Buffer.concat([broken.subarray(0, broken.length - 17), Buffer.from(',{"role":"assistant","content":"\u00e9"}],"max_tokens":640}')]);
    const parsed = memo.read("anthropic", longer, "c")?.params;
    expect(parsed).toEqual(decode(longer));
  });

  it("equals JSON.parse over random edits of a session's bodies (append, change, drop, reorder fields)", () => {
    const item = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ role: fc.constantFrom("user", "assistant"), content: fc.string({ unit: "binary" }) }));
    const edit = fc.record({
      kind: fc.constantFrom("append", "change", "drop", "field", "same", "literal", "reorder"),
      at: fc.nat(),
      value: item,
      key: fc.constantFrom("model", "max_tokens", "system", "stream", "tools", "zz"),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), fc.array(edit, { minLength: 1, maxLength: 8 }), fc.boolean(), (start, edits, named) => {
        const memo = new BodyMemo();
        const messages = [...start];
        let body: Record<string, unknown> = { model: "m", max_tokens: 6, messages, stream: false };
        for (const step of edits) {
          if (step.kind === "append") messages.push(step.value);
          else if (step.kind === "change" && messages.length > 0) messages[step.at % messages.length] = step.value;
          else if (step.kind === "drop" && messages.length > 0) messages.splice(step.at % messages.length, 1);
          else if (step.kind === "field") body = { ...body, [step.key]: step.value };
          else if (step.kind === "literal") body = { ...body, max_tokens: typeof body.max_tokens === "number" ? body.max_tokens * 10 + (step.at % 10) : 6 };
          else if (step.kind === "reorder") body = Object.fromEntries(Object.entries(body).reverse());
          body.messages = messages;
          const bytes = Buffer.from(step.at % 3 === 0 ? JSON.stringify(body, null, 1) : JSON.stringify(body));
          expect(memo.read("anthropic", bytes, named ? "n" : undefined)?.params).toEqual(decode(bytes));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("serialize: what JSON.stringify gives, reusing the body's bytes for what is unchanged", () => {
    const item = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ role: fc.constantFrom("user", "assistant"), content: fc.string() }));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), fc.array(fc.tuple(fc.constantFrom("replace", "insert", "drop", "field", "undefined"), fc.nat(), item), { maxLength: 6 }), (start, edits) => {
        const memo = new BodyMemo();
        const bytes = Buffer.from(JSON.stringify({ model: "m", system: [{ type: "text", text: "s" }], messages: start, stream: true }));
        const read = memo.read("anthropic", bytes, "s");
        if (read === undefined) throw new Error("not read");
        const messages = [...(read.params.messages as unknown[])];
        let sent: Record<string, unknown> = { ...read.params, messages };
        for (const [kind, at, value] of edits) {
          if (kind === "replace" && messages.length > 0) messages[at % messages.length] = value;
          else if (kind === "insert") messages.splice(at % (messages.length + 1), 0, value);
          else if (kind === "drop" && messages.length > 0) messages.splice(at % messages.length, 1);
          else if (kind === "field") sent = { ...sent, [at % 2 === 0 ? "system" : "extra"]: value };
          else if (kind === "undefined") sent = { ...sent, stream: undefined };
        }
        const out = read.serialize(sent);
        expect(JSON.parse(out.toString("utf8"))).toEqual(JSON.parse(JSON.stringify(sent)));
        expect(Object.keys(JSON.parse(out.toString("utf8")))).toEqual(Object.keys(JSON.parse(JSON.stringify(sent))));
      }),
      { numRuns: 400 },
    );
    // Unchanged objects go out as the caller's own bytes (spacing included), not re-serialised.
    const memo = new BodyMemo();
    const spaced = Buffer.from('{"model": "m", "messages": [{"role": "user",  "content": "a"}, {"role": "user", "content": "b"}]}');
    const read = memo.read("anthropic", spaced, "t");
    const messages = read?.params.messages as unknown[];
    const out = read?.serialize({ ...read.params, messages: [{ role: "user", content: "summary" }, messages[1]] }).toString();
    expect(out).toBe('{"model":"m","messages":[{"role":"user","content":"summary"},{"role": "user", "content": "b"}]}');
  });

  it("serialize: the body's own bytes for its items, however many compactor-made items come before (the look-up index)", () => {
    // Spaced bytes, so that an item written from its own bytes differs from JSON.stringify of it.
    const spacedItem = (tag: string) => `{"role": "user",  "content": "${tag}"}`;
    const pick = fc.tuple(fc.constantFrom("body", "made", "other"), fc.nat());
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(pick, { maxLength: 60 }), fc.boolean(), (count, picks, twice) => {
        const memo = new BodyMemo();
        // Items another session's body parsed: known to the memo, but none of this body's items.
        const other = memo.read("anthropic", Buffer.from(`{"messages": [${spacedItem("o0")}, ${spacedItem("o1")}]}`), "other");
        const others = other?.params.messages as unknown[];
        const tags = Array.from({ length: count }, (_, index) => `b${index}`);
        const text = `{"model": "m", "messages": [${tags.map(spacedItem).join(",  ")}], "stream": true}`;
        let read = memo.read("anthropic", Buffer.from(text), "s");
        // The same session's next call (one more item): earlier items are the previous body's objects.
        const made = Array.from({ length: 24 }, (_, index) => ({ role: "user", content: `made ${index}` }));
        if (twice) {
          read?.serialize({ ...read.params, messages: made });
          tags.push(`b${count}`);
          read = memo.read("anthropic", Buffer.from(`{"model": "m", "messages": [${tags.map(spacedItem).join(",  ")}], "stream": true}`), "s");
        }
        if (read === undefined) throw new Error("not read");
        const body = read.params.messages as unknown[];
        const list: unknown[] = [];
        let expected = "";
        let previous = -2;
        for (const [kind, at] of picks) {
          const index = kind === "body" && body.length > 0 ? at % body.length : -1;
          const element = index >= 0 ? body[index] : kind === "other" ? others[at % others.length] : made[at % made.length];
          // A run of the body's consecutive items goes out as one slice of its bytes, separators included.
          expected += list.length === 0 ? "" : index >= 0 && index === previous + 1 ? ",  " : ",";
          expected += index >= 0 ? spacedItem(tags[index] as string) : JSON.stringify(element);
          list.push(element);
          previous = index >= 0 ? index : -2;
        }
        const out = read.serialize({ ...read.params, messages: list }).toString("utf8");
        expect(out).toBe(`{"model":"m","messages":[${expected}],"stream":true}`);
        // The other session's items, written out in this one, are still its own bytes there.
        const again = other?.serialize({ messages: [others[1], others[0]] }).toString("utf8");
        expect(again).toBe(`{"messages":[${spacedItem("o1")},${spacedItem("o0")}]}`);
      }),
      { numRuns: 300 },
    );
  });
});
