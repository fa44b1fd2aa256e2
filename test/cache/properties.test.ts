import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CacheSimulatorOptions,
  createCacheSimulator,
  type PromptSegment,
} from "../../src/cache/index.js";
import { promptTotal } from "./helpers.js";

const segmentArbitrary: fc.Arbitrary<PromptSegment> = fc.record(
  {
    hash: fc.constantFrom("a", "b", "c", "d", "e", "f"),
    tokens: fc.integer({ min: 0, max: 3000 }),
    breakpoint: fc.constantFrom("5m" as const, "1h" as const),
  },
  { requiredKeys: ["hash", "tokens"] },
);

/** Calls that share prefixes often: each call extends or edits the previous one. */
const callsArbitrary = fc.array(
  fc.record({
    keep: fc.nat({ max: 12 }),
    added: fc.array(segmentArbitrary, { maxLength: 8 }),
    gapMs: fc.integer({ min: 0, max: 20 * 60_000 }),
  }),
  { minLength: 1, maxLength: 25 },
);

const configurations: CacheSimulatorOptions[] = [
  { provider: "anthropic", model: "claude-sonnet-4-5" },
  { provider: "anthropic", model: "claude-opus-4-6", mode: "automatic", ttl: "1h" },
  { provider: "anthropic", model: "claude-haiku-4-5", lookbackBlocks: 2 },
  { provider: "openai", model: "gpt-5.1" },
  { provider: "openai", model: "gpt-5.6", mode: "explicit" },
];

describe.each(configurations)("cache accounting for $provider $model $mode", (options) => {
  it("always splits every prompt token into exactly one of read, write and uncached", () => {
    // Guards against a vacuous pass: the generated calls must make the cache read and write, many times.
    let reads = 0;
    let writes = 0;
    fc.assert(
      fc.property(callsArbitrary, (calls) => {
        const cache = createCacheSimulator(options);
        let previous: PromptSegment[] = [];
        let clock = 1_000_000;
        for (const step of calls) {
          const prompt = [...previous.slice(0, step.keep), ...step.added];
          clock += step.gapMs;
          const usage = cache.call(prompt, clock);
          const total = prompt.reduce((sum, item) => sum + item.tokens, 0);
          expect(promptTotal(usage)).toBe(total);
          for (const value of Object.values(usage)) expect(value).toBeGreaterThanOrEqual(0);
          if (usage.cacheReadTokens > 0) reads++;
          if (usage.cacheWrite5mTokens + usage.cacheWrite1hTokens > 0) writes++;
          previous = prompt;
        }
      }),
      { numRuns: 300 },
    );
    expect(reads, "calls that read from the cache").toBeGreaterThanOrEqual(100);
    // OpenAI before GPT-5.6 reports no writes; every other configuration writes.
    if (options.provider === "anthropic" || options.mode === "explicit")
      expect(writes, "calls that wrote to the cache").toBeGreaterThanOrEqual(100);
  });

  it("predicts the same after a snapshot round trip as without one", () => {
    // Guard: some runs resume from a snapshot that holds entries and then read from it (about 20 of 100 for
    // OpenAI, whose 1,024-token minimum makes reads rarer; more for Anthropic).
    let resumedReads = 0;
    fc.assert(
      fc.property(callsArbitrary, fc.nat({ max: 24 }), (calls, cut) => {
        const straight = createCacheSimulator(options);
        let resumed = createCacheSimulator(options);
        let previous: PromptSegment[] = [];
        let clock = 1_000_000;
        calls.forEach((step, index) => {
          if (index === cut) resumed = createCacheSimulator({ ...options, state: resumed.snapshot() });
          const prompt = [...previous.slice(0, step.keep), ...step.added];
          clock += step.gapMs;
          const usage = resumed.call(prompt, clock);
          expect(usage).toEqual(straight.call(prompt, clock));
          if (index >= cut && cut > 0 && usage.cacheReadTokens > 0) resumedReads++;
          previous = prompt;
        });
      }),
      { numRuns: 100 },
    );
    expect(resumedReads, "calls after a resume that read from the cache").toBeGreaterThanOrEqual(5);
  });
});
