import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import { createPrefixCache, type PromptLayout, type PromptSegment } from "../../src/testing/index.js";

function layout(provider: PromptLayout["provider"], segments: PromptSegment[]): PromptLayout {
  const totalTokens = segments.reduce((sum, segment) => sum + segment.tokens, 0);
  return { provider, model: "m", segments, totalTokens };
}
const part = (key: string, tokens: number, breakpoint?: "5m" | "1h"): PromptSegment =>
  breakpoint === undefined ? { key, tokens } : { key, tokens, breakpoint };

describe("the default Anthropic prefix cache", () => {
  it("splits writes between 1-hour and 5-minute breakpoints in prompt order", () => {
    const cache = createPrefixCache();
    const prompt = layout("anthropic", [
      part("tools", 800, "1h"),
      part("system", 700, "5m"),
      part("user", 50),
    ]);
    // 800 tokens alone are under the 1024 minimum: the first breakpoint that qualifies writes everything before it.
    expect(cache.anthropic(prompt, 0)).toEqual({ readTokens: 0, write5mTokens: 1500, write1hTokens: 0 });
    const longer = layout("anthropic", [
      part("more tools", 1100, "1h"),
      part("system", 700, "5m"),
      part("user", 50),
    ]);
    expect(cache.anthropic(longer, 0)).toEqual({ readTokens: 0, write5mTokens: 700, write1hTokens: 1100 });
  });

  it("reads the longest cached prefix and writes only the new tail", () => {
    const cache = createPrefixCache();
    cache.anthropic(layout("anthropic", [part("system", 2000, "5m"), part("u1", 10)]), 0);
    const next = layout("anthropic", [
      part("system", 2000),
      part("u1", 10),
      part("a1", 10),
      part("u2", 10, "5m"),
    ]);
    expect(cache.anthropic(next, 1000)).toEqual({ readTokens: 2000, write5mTokens: 30, write1hTokens: 0 });
    expect(cache.anthropic(next, 2000)).toEqual({ readTokens: 2030, write5mTokens: 0, write1hTokens: 0 });
  });

  it("forgets an entry after its TTL, and a hit refreshes it", () => {
    const cache = createPrefixCache();
    const prompt = layout("anthropic", [part("system", 2000, "5m")]);
    cache.anthropic(prompt, 0);
    expect(cache.anthropic(prompt, 4 * 60_000).readTokens).toBe(2000);
    expect(cache.anthropic(prompt, 8 * 60_000).readTokens).toBe(2000); // refreshed at minute 4
    expect(cache.anthropic(prompt, 14 * 60_000).readTokens).toBe(0);
  });

  it("looks back only a limited number of parts from a breakpoint", () => {
    const cache = createPrefixCache({ lookbackParts: 2 });
    cache.anthropic(layout("anthropic", [part("system", 2000, "5m")]), 0);
    const far = layout("anthropic", [part("system", 2000), part("x", 1), part("y", 1), part("z", 1, "5m")]);
    expect(cache.anthropic(far, 1).readTokens).toBe(0);
  });

  it("keeps a separate cache per model", () => {
    const cache = createPrefixCache();
    cache.anthropic(layout("anthropic", [part("system", 2000, "5m")]), 0);
    const other = { ...layout("anthropic", [part("system", 2000, "5m")]), model: "other" };
    expect(cache.anthropic(other, 1).readTokens).toBe(0);
  });
});

describe("the default OpenAI prefix cache", () => {
  it("caches prefixes of 1024 tokens or more and reports hits in 128-token steps", () => {
    const cache = createPrefixCache();
    expect(cache.openai(layout("openai-chat", [part("system", 1300), part("u1", 10)]), 0).readTokens).toBe(0);
    const next = layout("openai-chat", [
      part("system", 1300),
      part("u1", 10),
      part("a1", 10),
      part("u2", 10),
    ]);
    expect(cache.openai(next, 1).readTokens).toBe(1280);
  });

  it("never caches a prompt under the minimum and honours its TTL", () => {
    const cache = createPrefixCache({ openaiTtlMilliseconds: 1000 });
    const small = layout("openai-chat", [part("system", 1000)]);
    cache.openai(small, 0);
    expect(cache.openai(small, 1).readTokens).toBe(0);
    const large = layout("openai-chat", [part("system", 2048)]);
    cache.openai(large, 0);
    expect(cache.openai(large, 999).readTokens).toBe(2048);
    expect(cache.openai(large, 2000).readTokens).toBe(0);
  });

  it("rejects options that are not positive integers, naming the option", () => {
    expect(() => createPrefixCache({ openaiStepTokens: 0 })).toThrow(InvalidOptionError);
    expect(() => createPrefixCache({ anthropicMinimumTokens: 1.5 })).toThrow(/`anthropicMinimumTokens`/);
  });
});
