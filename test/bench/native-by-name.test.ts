/**
 * `compactor bench --strategies native`: provider-native compaction benched by name on the built-in sample
 * sessions (replayed offline: the session's own model summarizes, billed at its prices), beside the default.
 * A default `compactor bench` run leaves it out (where the API offers none it is the default again).
 */
import { describe, expect, it } from "vitest";
import { benchStrategies, strategySpecsByName } from "../../src/replay/catalog.js";
import { cli } from "../support/cli.js";

describe("compactor bench --strategies native", () => {
  it("replays native compaction by name: it compacts and its summaries are spend", async () => {
    const run = await cli("bench", "--strategies", "none,default,native", "--json");
    expect(run.code, run.stderr).toBe(0);
    const summary = (JSON.parse(run.stdout) as { summary: Array<{ strategy: string; compactions: number; summarizerCostUsd: number }> }).summary;
    const native = summary.find((row) => row.strategy === "native");
    expect(native?.compactions).toBeGreaterThan(0);
    expect(native?.summarizerCostUsd).toBeGreaterThan(0);
  }, 120_000);

  it("is in the catalog by name, not in a default run", () => {
    expect(strategySpecsByName(["native"])[0]?.name).toBe("native");
    expect(benchStrategies().map((spec) => spec.name)).not.toContain("native");
  });
});
