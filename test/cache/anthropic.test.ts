import { describe, expect, it } from "vitest";
import { createAnthropicCacheSimulator } from "../../src/cache/index.js";
import { InvalidOptionError } from "../../src/errors.js";
import { blocks, minute, segment, withLastBreakpoint } from "./helpers.js";

const model = "claude-sonnet-4-5";
const start = Date.UTC(2026, 0, 1);

describe("Anthropic breakpoints", () => {
  it("writes the prefix up to a breakpoint, then reads it on the next call", () => {
    const cache = createAnthropicCacheSimulator({ model });
    const first = cache.call([segment("system", 2000), segment("user-1", 500, "5m")], start);
    expect(first).toEqual({
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 2500,
      cacheWrite1hTokens: 0,
    });
    const second = cache.call(
      [
        segment("system", 2000),
        segment("user-1", 500),
        segment("assistant-1", 300),
        segment("user-2", 200, "5m"),
      ],
      start + 10_000,
    );
    expect(second).toEqual({
      inputTokens: 0,
      cacheReadTokens: 2500,
      cacheWrite5mTokens: 500,
      cacheWrite1hTokens: 0,
    });
  });

  it("bills tokens after the last breakpoint as uncached input", () => {
    const cache = createAnthropicCacheSimulator({ model });
    const usage = cache.call([segment("system", 2000, "5m"), segment("user-1", 700)], start);
    expect(usage).toEqual({
      inputTokens: 700,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 2000,
      cacheWrite1hTokens: 0,
    });
  });

  it("caches nothing without breakpoints in explicit mode", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call([segment("system", 5000)], start);
    expect(cache.call([segment("system", 5000)], start + 1000).inputTokens).toBe(5000);
  });

  it("does not reuse within one call what that call writes", () => {
    const cache = createAnthropicCacheSimulator({ model });
    const usage = cache.call([segment("a", 2000, "5m"), segment("b", 2000, "5m")], start);
    expect(usage.cacheReadTokens).toBe(0);
    expect(usage.cacheWrite5mTokens).toBe(4000);
  });

  it("invalidates everything after a changed early block", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call([segment("tools", 3000), segment("system", 1000, "5m"), segment("user", 500, "5m")], start);
    const changed = cache.call(
      [segment("tools-v2", 3000), segment("system", 1000, "5m"), segment("user", 500, "5m")],
      start + 1000,
    );
    expect(changed.cacheReadTokens).toBe(0);
    expect(changed.cacheWrite5mTokens).toBe(4500);
  });

  it("reads the longest live prefix and writes the rest when a late block changes", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call([segment("system", 3000, "5m"), segment("user", 500), segment("tail", 800, "5m")], start);
    const usage = cache.call(
      [segment("system", 3000, "5m"), segment("user", 500), segment("tail-edited", 800, "5m")],
      start + 1000,
    );
    expect(usage).toEqual({
      inputTokens: 0,
      cacheReadTokens: 3000,
      cacheWrite5mTokens: 1300,
      cacheWrite1hTokens: 0,
    });
  });
});

describe("Anthropic lifetimes", () => {
  const prompt = [segment("system", 2000, "5m")];

  it("expires a 5-minute entry five minutes after its last use", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call(prompt, start);
    expect(cache.call(prompt, start + 5 * minute - 1).cacheReadTokens).toBe(2000);
    expect(cache.call(prompt, start + 10 * minute).cacheReadTokens).toBe(0);
  });

  it("refreshes the lifetime on every hit", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call(prompt, start);
    cache.call(prompt, start + 4 * minute);
    expect(cache.call(prompt, start + 8 * minute).cacheReadTokens).toBe(2000);
  });

  it("keeps a 1-hour entry past five minutes and reports its writes apart", () => {
    const cache = createAnthropicCacheSimulator({ model });
    const first = cache.call([segment("system", 2000, "1h"), segment("user", 600, "5m")], start);
    expect(first).toEqual({
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 600,
      cacheWrite1hTokens: 2000,
    });
    const later = cache.call(
      [segment("system", 2000, "1h"), segment("user-2", 600, "5m")],
      start + 30 * minute,
    );
    expect(later).toEqual({
      inputTokens: 0,
      cacheReadTokens: 2000,
      cacheWrite5mTokens: 600,
      cacheWrite1hTokens: 0,
    });
    expect(cache.call([segment("system", 2000, "1h")], start + 91 * minute).cacheReadTokens).toBe(0);
  });

  it("takes no time to pass when calls have no timestamp", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call(prompt, start);
    expect(cache.call(prompt).cacheReadTokens).toBe(2000);
  });
});

describe("Anthropic minimum cacheable length", () => {
  it("does not cache a prefix shorter than the model's minimum", () => {
    const cache = createAnthropicCacheSimulator({ model: "claude-opus-4-6" });
    const short = cache.call([segment("system", 3000, "5m")], start);
    expect(short).toEqual({
      inputTokens: 3000,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
    });
    expect(cache.call([segment("system", 3000, "5m")], start + 1000).cacheReadTokens).toBe(0);
  });

  it("caches the same prefix for a model with a lower minimum", () => {
    const cache = createAnthropicCacheSimulator({ model: "claude-sonnet-4-5" });
    expect(cache.call([segment("system", 3000, "5m")], start).cacheWrite5mTokens).toBe(3000);
  });

  it("caches a later breakpoint once the prefix passes the minimum", () => {
    const cache = createAnthropicCacheSimulator({ model: "claude-haiku-4-5" });
    const usage = cache.call([segment("system", 3000, "5m"), segment("user", 2000, "5m")], start);
    expect(usage).toEqual({
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 5000,
      cacheWrite1hTokens: 0,
    });
  });
});

describe("Anthropic look-back", () => {
  const head = [segment("system", 2000), segment("user", 100, "5m")];
  const plainHead = [segment("system", 2000), segment("user", 100)];

  it("finds an entry 20 blocks before the breakpoint", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call(head, start);
    const usage = cache.call(withLastBreakpoint([...plainHead, ...blocks("turn", 20, 50)]), start + 1000);
    expect(usage.cacheReadTokens).toBe(2100);
    expect(usage.cacheWrite5mTokens).toBe(1000);
  });

  it("misses an entry 21 blocks before the breakpoint", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call(head, start);
    const usage = cache.call(withLastBreakpoint([...plainHead, ...blocks("turn", 21, 50)]), start + 1000);
    expect(usage.cacheReadTokens).toBe(0);
    expect(usage.cacheWrite5mTokens).toBe(3150);
  });

  it("reaches further back through a second breakpoint", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call(head, start);
    const turns = blocks("turn", 30, 50);
    const middle = turns.map((item, index) => (index === 14 ? { ...item, breakpoint: "5m" as const } : item));
    const usage = cache.call(withLastBreakpoint([...plainHead, ...middle]), start + 1000);
    expect(usage.cacheReadTokens).toBe(2100);
  });
});

describe("Anthropic request limits and modes", () => {
  it("warns about more than four breakpoints and simulates the first four", () => {
    const cache = createAnthropicCacheSimulator({ model });
    const prompt = Array.from({ length: 5 }, (_, index) => segment(`b${index}`, 1000, "5m"));
    const usage = cache.call(prompt, start);
    expect(usage.cacheWrite5mTokens).toBe(4000);
    expect(usage.inputTokens).toBe(1000);
    expect(cache.warnings.map((warning) => warning.code)).toEqual(["too-many-breakpoints"]);
  });

  it("warns when a 1-hour breakpoint follows a 5-minute one", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call([segment("a", 2000, "5m"), segment("b", 100, "1h")], start);
    expect(cache.warnings[0]?.code).toBe("ttl-order");
  });

  it("advances the automatic breakpoint with the conversation", () => {
    const cache = createAnthropicCacheSimulator({ model, mode: "automatic" });
    const first = [segment("system", 2000), segment("user-1", 300)];
    expect(cache.call(first, start).cacheWrite5mTokens).toBe(2300);
    const second = cache.call([...first, segment("assistant-1", 200), segment("user-2", 100)], start + 1000);
    expect(second).toEqual({
      inputTokens: 0,
      cacheReadTokens: 2300,
      cacheWrite5mTokens: 300,
      cacheWrite1hTokens: 0,
    });
  });

  it("counts the automatic breakpoint against the limit of four", () => {
    const cache = createAnthropicCacheSimulator({ model, mode: "automatic", ttl: "1h" });
    const prompt = [
      ...Array.from({ length: 4 }, (_, index) => segment(`b${index}`, 1000, "1h")),
      segment("x", 10),
    ];
    cache.call(prompt, start);
    expect(cache.warnings[0]?.code).toBe("too-many-breakpoints");
  });

  it("resumes from a JSON snapshot", () => {
    const cache = createAnthropicCacheSimulator({ model });
    cache.call([segment("system", 2000, "5m")], start);
    const state = JSON.parse(JSON.stringify(cache.snapshot()));
    const resumed = createAnthropicCacheSimulator({ model, state });
    expect(resumed.call([segment("system", 2000, "5m")], start + minute).cacheReadTokens).toBe(2000);
    resumed.reset();
    expect(resumed.call([segment("system", 2000, "5m")], start + minute).cacheReadTokens).toBe(0);
  });

  it("rejects bad options and segments with errors that name the field", () => {
    expect(() => createAnthropicCacheSimulator({ model: "" })).toThrow(InvalidOptionError);
    expect(() => createAnthropicCacheSimulator({ model, lookbackBlocks: -1 })).toThrow(/lookbackBlocks/);
    const cache = createAnthropicCacheSimulator({ model });
    expect(() => cache.call([segment("a", -5)], start)).toThrow(/segments\[0\]\.tokens/);
    expect(() => cache.call([{ hash: "a", tokens: 5, breakpoint: "2h" as "5m" }], start)).toThrow(
      /breakpoint/,
    );
    expect(() => cache.call([segment("a", 5)], Number.NaN)).toThrow(/timestamp/);
  });
});
