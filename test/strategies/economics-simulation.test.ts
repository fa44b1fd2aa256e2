import { describe, expect, it } from "vitest";
import { cacheAware } from "../../strategies/cache-aware.js";
import { defaultStrategy } from "../../strategies/default.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import { summarize } from "../../strategies/summarize.js";
import type { PriceView } from "../../strategies/types.js";
import { type SimulationResult, simulate } from "./simulate.js";

/** Claude Sonnet 4.5 list prices, $ per million tokens (ECONOMICS.md). */
const sonnet: PriceView = { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 };
/** 60 calls 30 s apart, each adding a turn with a tool result of about 1,000 tokens (summaries are extractive: free). */
const session = { calls: 60, resultCharacters: 4000, prices: sonnet, contextWindow: 200_000 };
/** The window's part: a compaction above 30k tokens whatever it costs (`forcedWatermark`), down to 10k. */
const watermarks = { highWatermark: 30_000, lowWatermark: 10_000, forcedWatermark: 30_000 };

function line(name: string, result: SimulationResult): string {
  return `${name.padEnd(28)} $${result.costUsd.toFixed(4)}  compactions ${String(result.compactions).padStart(3)}  peak ${result.peakTokens}`;
}

describe("the central economic fact, on a simulated cached session", () => {
  it("compacting a little on every call costs more than never compacting; rare large compactions cost less", async () => {
    const results = {
      never: await simulate(null, session),
      "summarize every call": await simulate(summarize({ keepTurns: 3 }), session),
      "mask every call (last 10)": await simulate(observationMasking({ keepLast: 10 }), session),
      "cache-aware summarize": await simulate(cacheAware(summarize({ keepTurns: 3 }), watermarks), session),
      "cache-aware mask": await simulate(
        cacheAware(observationMasking({ keepLast: 10 }), watermarks),
        session,
      ),
      default: await simulate(defaultStrategy({ cacheAware: watermarks }), session),
    };
    console.info(
      Object.entries(results)
        .map(([name, result]) => line(name, result))
        .join("\n"),
    );
    const never = results.never.costUsd;
    expect(results["summarize every call"].compactions).toBeGreaterThan(50);
    expect(results["summarize every call"].costUsd).toBeGreaterThan(never);
    expect(results["mask every call (last 10)"].costUsd).toBeGreaterThan(never);
    for (const name of ["cache-aware summarize", "cache-aware mask", "default"] as const) {
      expect(results[name].compactions, name).toBeGreaterThan(0);
      expect(results[name].compactions, name).toBeLessThan(10);
      expect(results[name].costUsd, name).toBeLessThan(never);
      expect(results[name].peakTokens, name).toBeLessThanOrEqual(31_000);
    }
    // With the forced watermark left at its default (85% of the window, here 30k × 0.85 / 0.6 = 42.5k), the default
    // lets the prompt grow past the high watermark until a compaction fits its regret bound or the forced
    // watermark is passed: never further, still cheaper than never compacting.
    const { forcedWatermark: _forced, ...unforced } = watermarks;
    const held = await simulate(defaultStrategy({ cacheAware: unforced }), session);
    console.info(line("default, forced at 42.5k", held));
    expect(held.compactions).toBeGreaterThan(0);
    expect(held.peakTokens).toBeGreaterThan(31_000);
    expect(held.peakTokens).toBeLessThanOrEqual(42_500);
    expect(held.costUsd).toBeLessThan(never);
  });

  it("declines every compaction when the calls left are too few to pay it back", async () => {
    const short = { ...session, calls: 8, resultCharacters: 16_000, tellRemainingCalls: true };
    const result = await simulate(
      cacheAware(observationMasking({ keepLast: 2 }), { highWatermark: 20_000 }),
      short,
    );
    expect(result.compactions).toBe(0);
    const eager = await simulate(observationMasking({ keepLast: 2 }), short);
    expect(eager.costUsd).toBeGreaterThan(result.costUsd);
  });
});
