import { describe, expect, it } from "vitest";
import { createOpenAICacheSimulator } from "../../src/cache/index.js";
import { minute, segment } from "./helpers.js";

const model = "gpt-5.1";
const start = Date.UTC(2026, 0, 1);

describe("OpenAI automatic prefix caching", () => {
  it("caches nothing for prompts under 1,024 tokens", () => {
    const cache = createOpenAICacheSimulator({ model });
    cache.call([segment("system", 1000)], start);
    expect(cache.call([segment("system", 1000), segment("user", 20)], start + 1000).cacheReadTokens).toBe(0);
  });

  it("reads a seen prefix in 128-token steps beyond the first 1,024", () => {
    const cache = createOpenAICacheSimulator({ model });
    const first = cache.call([segment("system", 1300)], start);
    expect(first).toEqual({
      inputTokens: 1300,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
    });
    const second = cache.call([segment("system", 1300), segment("user", 50)], start + 1000);
    expect(second).toEqual({
      inputTokens: 70,
      cacheReadTokens: 1280,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
    });
  });

  it("reads exactly 1,024 tokens of a 1,100-token match", () => {
    const cache = createOpenAICacheSimulator({ model });
    cache.call([segment("a", 1100)], start);
    expect(cache.call([segment("a", 1100), segment("b", 900)], start + 1000).cacheReadTokens).toBe(1024);
  });

  it("reads the longest common prefix when a later block differs", () => {
    const cache = createOpenAICacheSimulator({ model });
    cache.call([segment("system", 2000), segment("user", 3000), segment("tail", 500)], start);
    const usage = cache.call(
      [segment("system", 2000), segment("user", 3000), segment("other", 500)],
      start + 1000,
    );
    expect(usage.cacheReadTokens).toBe(4992);
  });

  it("misses after a changed first block", () => {
    const cache = createOpenAICacheSimulator({ model });
    cache.call([segment("system", 2000), segment("user", 3000)], start);
    expect(cache.call([segment("system-2", 2000), segment("user", 3000)], start + 1000).cacheReadTokens).toBe(
      0,
    );
  });

  it("forgets in-memory prefixes after five idle minutes", () => {
    const cache = createOpenAICacheSimulator({ model });
    cache.call([segment("system", 2048)], start);
    expect(cache.call([segment("system", 2048)], start + 4 * minute).cacheReadTokens).toBe(2048);
    expect(cache.call([segment("system", 2048)], start + 10 * minute).cacheReadTokens).toBe(0);
  });

  it("keeps prefixes for a day with 24h retention", () => {
    const cache = createOpenAICacheSimulator({ model, retention: "24h" });
    cache.call([segment("system", 2048)], start);
    expect(cache.call([segment("system", 2048)], start + 6 * 60 * minute).cacheReadTokens).toBe(2048);
  });

  it("resumes from a JSON snapshot", () => {
    const cache = createOpenAICacheSimulator({ model });
    cache.call([segment("system", 2048)], start);
    const resumed = createOpenAICacheSimulator({
      model,
      state: JSON.parse(JSON.stringify(cache.snapshot())),
    });
    expect(resumed.call([segment("system", 2048)], start + minute).cacheReadTokens).toBe(2048);
    expect(() =>
      createOpenAICacheSimulator({ model, state: { ...cache.snapshot(), provider: "anthropic" } }),
    ).toThrow(/state\.provider/);
  });
});

describe("OpenAI explicit breakpoints (GPT-5.6+)", () => {
  it("bills writes at breakpoints as 5-minute writes and keeps them 30 minutes", () => {
    const cache = createOpenAICacheSimulator({ model: "gpt-5.6", mode: "explicit" });
    const first = cache.call([segment("system", 4000, "5m"), segment("user", 100)], start);
    expect(first).toEqual({
      inputTokens: 100,
      cacheReadTokens: 0,
      cacheWrite5mTokens: 4000,
      cacheWrite1hTokens: 0,
    });
    expect(cache.call([segment("system", 4000, "5m")], start + 29 * minute).cacheReadTokens).toBe(4000);
    expect(cache.call([segment("system", 4000, "5m")], start + 60 * minute).cacheReadTokens).toBe(0);
  });
});
