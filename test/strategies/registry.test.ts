import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import { strategyByName, strategyNames } from "../../strategies/registry.js";
import { contextFor, expectValidCompaction, toolHistory } from "./support.js";

describe("strategyByName", () => {
  it("builds every named strategy", () => {
    const names = strategyNames.map((name) => strategyByName(name).name);
    expect(names).toEqual([
      "none",
      "truncate",
      "observation-masking",
      "summarize",
      "cache-aware(observation-masking)",
      "observation-masking+summarize",
      "cache-aware(lossless+observation-masking+fact-summary)",
      "native-compaction(cache-aware(lossless+observation-masking+fact-summary))",
    ]);
  });

  it("passes options through, to the wrapped strategy too", async () => {
    const messages = toolHistory(12);
    const masking = strategyByName("observation-masking", { keepLast: 2 });
    const result = await masking.compact(messages, contextFor(messages));
    expect(result?.removed.toolResults).toBe(10);
    const wrapped = strategyByName("cache-aware", {
      inner: "summarize",
      innerOptions: { keepTurns: 2 },
      highWatermark: 1000,
    });
    expect(wrapped.name).toBe("cache-aware(summarize)");
    const compacted = await wrapped.compact(messages, contextFor(messages));
    expectValidCompaction(messages, compacted as NonNullable<typeof compacted>);
    expect(compacted?.keepFrom).toBe(messages.length - 4);
    expect(await strategyByName("none").compact(messages, contextFor(messages))).toBeNull();
  });

  it("rejects unknown names and bad options with typed errors", () => {
    expect(() => strategyByName("smart")).toThrow(InvalidOptionError);
    expect(() => strategyByName("smart")).toThrow(/one of none, truncate/);
    expect(() => strategyByName("cache-aware", { inner: "default" as never })).toThrow(/`inner`/);
    expect(() => strategyByName("observation-masking", { keepLast: -3 })).toThrow(/keepLast/);
  });
});
