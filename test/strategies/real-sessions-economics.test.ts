/**
 * The cache effect on the real Claude Code sessions in ../shared/transcripts (read from there, never copied;
 * skipped when absent), replayed with `runBench` under Anthropic prices with caching, OpenAI prices with
 * caching, and no caching: per-call masking costs more than no compaction, while the cache-aware strategies
 * never cost more and save on the long sessions. `benchmarks/strategies/cache-effect.ts` prints the tables for
 * every recorded session.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type PriceSetting, priceSettings } from "../../benchmarks/strategies/cache-effect-checks.js";
import { loadSessions, transcriptsFolder, transcriptsPresent } from "../../benchmarks/strategies/sessions.js";
import { type BenchReport, type BenchResult, runBench } from "../../src/replay/bench.js";
import { strategySpecsByName } from "../../src/replay/catalog.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";

const present = transcriptsPresent();
const strategies = ["none", "masking-every-call", "cache-aware-masking", "default"];
/** Sessions this long give a compaction enough later calls to pay back (most of the recorded sessions). */
const longCalls = 100;
/** Named long sessions that must be among them. */
const namedLong = [
  "4d5611e5-241a-462a-8d15-5122611a9569.jsonl",
  "8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl",
  "fa812bfe-b295-4cca-9c2f-fdf01028cb46.jsonl",
  "2a075ef186b4-0.jsonl",
];
let longSessions = 0;

const reports = new Map<string, { setting: PriceSetting; report: BenchReport }>();

function rows(strategy: string): Array<BenchResult & { setting: string }> {
  return [...reports.values()].flatMap(({ setting, report }) =>
    report.results
      .filter((row) => row.strategy === strategy)
      .map((row) => ({ ...row, setting: setting.label })),
  );
}

function label(row: BenchResult & { setting: string }): string {
  return `${row.setting} ${row.strategy} ${row.transcript}: $${row.costUsd?.toFixed(4)} vs none $${row.baselineCostUsd?.toFixed(4)}`;
}

describe.skipIf(!present)(
  `compaction economics on the Claude Code sessions (skipped: needs ${transcriptsFolder})`,
  () => {
    beforeAll(async () => {
      const transcripts = await loadSessions(["claude-code"]);
      longSessions = transcripts.filter((transcript) => transcript.calls.length >= longCalls).length;
      const tokens = defaultTokenCounter();
      const specs = strategySpecsByName(strategies);
      for (const setting of priceSettings) {
        const report = await runBench({
          transcripts,
          strategies: specs,
          priceModel: setting.priceModel,
          cache: setting.cache,
          tokens,
        });
        reports.set(setting.label, { setting, report });
      }
    }, 120_000);

    it("replays every long session (the three marot-spotter ones among them), priced, under all three settings", () => {
      expect(reports.size).toBe(3);
      const long = rows("none").filter((row) => row.calls >= longCalls);
      expect(longSessions).toBeGreaterThanOrEqual(namedLong.length);
      expect(long).toHaveLength(3 * longSessions);
      for (const name of namedLong)
        expect(
          long.filter((row) => row.transcript === name),
          name,
        ).toHaveLength(3);
      for (const row of rows("none")) expect(row.costUsd, label(row)).not.toBeNull();
    });

    it("per-call masking costs more than no compaction wherever it compacts, with either provider's caching", () => {
      const cached = rows("masking-every-call").filter((row) => row.setting !== "no-cache");
      const compacting = cached.filter((row) => row.compactions > 0);
      // Per-call masking compacts on every long session, under either provider's caching.
      expect(compacting.filter((row) => row.calls >= longCalls)).toHaveLength(2 * longSessions);
      for (const row of compacting)
        expect(row.costUsd as number, label(row)).toBeGreaterThan(row.baselineCostUsd as number);
    });

    it("per-call masking saves without caching: the loss above is the cache effect, not the masking", () => {
      for (const row of rows("masking-every-call").filter(
        (row) => row.setting === "no-cache" && row.compactions > 0,
      )) {
        expect(row.costUsd as number, label(row)).toBeLessThan(row.baselineCostUsd as number);
      }
    });

    it("cache-aware masking never costs more than no compaction, and costs less on every long session", () => {
      for (const row of rows("cache-aware-masking")) {
        expect(row.costUsd as number, label(row)).toBeLessThanOrEqual((row.baselineCostUsd as number) + 1e-9);
        if (row.calls >= longCalls)
          expect(row.costUsd as number, label(row)).toBeLessThan(row.baselineCostUsd as number);
      }
    });

    it("the default strategy never costs more than no compaction, and saves on every long session", () => {
      for (const row of rows("default")) {
        expect(row.costUsd as number, label(row)).toBeLessThanOrEqual((row.baselineCostUsd as number) + 1e-9);
        if (row.calls >= longCalls)
          expect(row.costUsd as number, label(row)).toBeLessThan(row.baselineCostUsd as number);
      }
    });

    it("cache-aware compactions are rare: a handful per long session where per-call masking makes dozens", () => {
      for (const strategy of ["cache-aware-masking", "default"]) {
        for (const row of rows(strategy).filter((row) => row.calls >= longCalls)) {
          const perCall = rows("masking-every-call").find(
            (other) => other.setting === row.setting && other.transcript === row.transcript,
          );
          expect(row.compactions, label(row)).toBeGreaterThan(0);
          expect(row.compactions, label(row)).toBeLessThanOrEqual(8);
          expect(perCall?.compactions ?? 0, label(row)).toBeGreaterThan(5 * row.compactions);
        }
      }
    });
  },
);
