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
/** Sessions this long give a compaction enough later calls to pay back (marot-spotter's three, entireio-cli's...). */
const longCalls = 100;

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
    }, 600_000);

    it("replays the long sessions (marot-spotter's three at least), priced, under all three settings", () => {
      expect(reports.size).toBe(3);
      const long = rows("none").filter((row) => row.calls >= longCalls);
      expect(long.length).toBeGreaterThanOrEqual(3 * 3);
      expect(long.length % 3).toBe(0);
      for (const row of rows("none")) expect(row.costUsd, label(row)).not.toBeNull();
    });

    it("per-call masking costs more than no compaction wherever it compacts, with either provider's caching", () => {
      const cached = rows("masking-every-call").filter((row) => row.setting !== "no-cache");
      const compacting = cached.filter((row) => row.compactions > 0);
      const long = cached.filter((row) => row.calls >= longCalls);
      // It compacts on every long session, and costs more on nearly every session where it compacts (one new
      // Claude Code session, ee7e610ffc3f, is 0.6% cheaper under OpenAI prices) and on all of them together.
      expect(compacting.filter((row) => row.calls >= longCalls)).toHaveLength(long.length);
      const dearer = compacting.filter((row) => (row.costUsd as number) > (row.baselineCostUsd as number));
      expect(dearer.length / compacting.length).toBeGreaterThanOrEqual(0.9);
      for (const setting of ["anthropic", "openai"]) {
        const rowsOf = compacting.filter((row) => row.setting === setting);
        const cost = rowsOf.reduce((sum, row) => sum + (row.costUsd as number), 0);
        const baseline = rowsOf.reduce((sum, row) => sum + (row.baselineCostUsd as number), 0);
        expect(cost, setting).toBeGreaterThan(baseline * 1.2);
      }
    });

    it("per-call masking saves without caching: the loss above is the cache effect, not the masking", () => {
      for (const row of rows("masking-every-call").filter(
        (row) => row.setting === "no-cache" && row.compactions > 0,
      )) {
        expect(row.costUsd as number, label(row)).toBeLessThan(row.baselineCostUsd as number);
      }
    });

    // Told the real cache lifetime (Claude Code writes 1-hour entries), a cache-aware strategy declines
    // compactions it used to make at the 5-minute price: on some long sessions none pays, and it then costs
    // exactly what no compaction costs. Where it compacts, it saves; over the long sessions it saves.
    for (const strategy of ["cache-aware-masking", "default"]) {
      it(`${strategy} never costs more than no compaction, saves wherever it compacts on a long session, and saves on the long sessions together`, () => {
        for (const setting of priceSettings) {
          let cost = 0;
          let baseline = 0;
          for (const row of rows(strategy).filter((row) => row.setting === setting.label)) {
            expect(row.costUsd as number, label(row)).toBeLessThanOrEqual((row.baselineCostUsd as number) + 1e-9);
            if (row.calls < longCalls) continue;
            cost += row.costUsd as number;
            baseline += row.baselineCostUsd as number;
            if (row.compactions > 0)
              expect(row.costUsd as number, label(row)).toBeLessThan(row.baselineCostUsd as number);
          }
          expect(cost, `${setting.label} ${strategy}: long sessions together`).toBeLessThan(baseline);
        }
      });
    }

    it("cache-aware compactions are rare: a handful per long session where per-call masking makes dozens", () => {
      for (const strategy of ["cache-aware-masking", "default"]) {
        const long = rows(strategy).filter((row) => row.calls >= longCalls);
        // Most long sessions still see one.
        expect(long.filter((row) => row.compactions > 0).length * 2, strategy).toBeGreaterThan(long.length);
        for (const row of long) {
          const perCall = rows("masking-every-call").find(
            (other) => other.setting === row.setting && other.transcript === row.transcript,
          );
          expect(row.compactions, label(row)).toBeLessThanOrEqual(8);
          expect(perCall?.compactions ?? 0, label(row)).toBeGreaterThan(5 * row.compactions);
        }
      }
    });
  },
);
