import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, hashBlocks, hashMessage } from "../../src/transcript/hash.js";
import type { Message } from "../../src/transcript/types.js";
import { neutralConversationArbitrary, propertyParameters } from "../support/arbitraries.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and leaves out undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"z":0}]},"b":1}',
    );
  });

  it("agrees with JSON.parse: the canonical text parses back to an equal value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toStrictEqual(JSON.parse(JSON.stringify(value)));
      }),
      propertyParameters(300),
    );
  });
});

describe("hashMessage", () => {
  const message: Message = {
    role: "user",
    content: [{ type: "text", text: "fix the bug" }],
    extra: { name: "a", id: 2 },
  };

  it("is the SHA-256 of the canonical JSON, in hex", () => {
    const expected = createHash("sha256").update(canonicalJson(message)).digest("hex");
    expect(hashMessage(message)).toBe(expected);
    expect(hashMessage(message)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("does not depend on key order, but does on every byte of content", () => {
    const reordered: Message = {
      extra: { id: 2, name: "a" },
      content: [{ text: "fix the bug", type: "text" }],
      role: "user",
    };
    expect(hashMessage(reordered)).toBe(hashMessage(message));
    expect(hashMessage({ ...message, content: [{ type: "text", text: "fix the bug " }] })).not.toBe(
      hashMessage(message),
    );
    expect(hashMessage({ ...message, role: "assistant" })).not.toBe(hashMessage(message));
  });

  it("ignores the pinned flag, which does not change what is sent", () => {
    expect(hashMessage({ ...message, pinned: true })).toBe(hashMessage(message));
  });

  it("gives distinct messages of real-shaped sessions distinct hashes", () => {
    fc.assert(
      fc.property(neutralConversationArbitrary("anthropic"), (conversation) => {
        const byHash = new Map<string, string>();
        for (const item of conversation.messages) {
          const json = canonicalJson(item);
          const hash = hashMessage(item);
          expect(byHash.get(hash) ?? json).toBe(json);
          byHash.set(hash, json);
        }
      }),
      propertyParameters(200),
    );
  });
});

describe("hashBlocks", () => {
  it("hashes the block list in order", () => {
    const first = { type: "text", text: "a" } as const;
    const second = { type: "text", text: "b" } as const;
    expect(hashBlocks([first, second])).not.toBe(hashBlocks([second, first]));
    expect(hashBlocks([])).toBe(createHash("sha256").update("[]").digest("hex"));
  });
});
