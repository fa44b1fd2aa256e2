/**
 * The README's claims about the cache effect and the default strategy on the recorded sessions, as checks computed
 * from a bench report: `cache-effect.ts` runs them on every session of `../shared/transcripts` and exits 1 when one
 * breaks. Each claim's `text` is what the README says ("What each saved on the real sessions" and "Results on the
 * recorded sessions"); the thresholds in it are the claim's own words, never a measured result, so a change of the
 * default or of the replay that falsifies a sentence of the README fails here. Tested with falsifying reports in
 * `test/bench/cache-effect-checks.test.ts`.
 *
 * @module
 */
import type { BenchReport, BenchResult } from "../../src/replay/bench.js";
import type { CacheMode } from "../../src/replay/replay.js";

/** One way of pricing the replays. */
export interface PriceSetting {
  /** Short label for tables: "anthropic", "openai", "no-cache". */
  label: string;
  priceModel: string;
  cache: CacheMode;
}

/** The three settings of the benchmark: Anthropic and OpenAI prices with caching, and no caching at all. */
export const priceSettings: readonly PriceSetting[] = [
  { label: "anthropic", priceModel: "claude-sonnet-4-6", cache: "provider" },
  { label: "openai", priceModel: "gpt-5", cache: "provider" },
  { label: "no-cache", priceModel: "claude-sonnet-4-6", cache: "none" },
];

/** Dollars a strategy may exceed the baseline by and still count as "no more" (float noise). */
export const costTolerance = 1e-9;

/** A session is "long" (a compaction can pay back there) from this many calls. */
export const longSessionCalls = 100;

/** One claim of the README, checked on one setting's report. */
export interface CacheEffectClaim {
  /** Stable name, for tables and tests. */
  id: string;
  /** The claim as the README states it. */
  text: string;
  /** Which settings the claim is about. */
  applies: (setting: PriceSetting) => boolean;
  /** What contradicts the claim in `report` (empty when it holds); a claim about strategies not run holds vacuously. */
  check: (report: BenchReport) => string[];
}

/** One failed claim under one setting. */
export interface CheckFailure {
  setting: string;
  claim: string;
  text: string;
  /** What in the report contradicts it. */
  detail: string;
}

function rowsOf(report: BenchReport, strategy: string): BenchResult[] {
  return report.results.filter((row) => row.strategy === strategy);
}

function priced(row: BenchResult): row is BenchResult & { costUsd: number; baselineCostUsd: number } {
  return row.costUsd !== null && row.baselineCostUsd !== null;
}

function dearer(row: BenchResult): boolean {
  return !priced(row) || row.costUsd > row.baselineCostUsd + costTolerance;
}

function cheaper(row: BenchResult): boolean {
  return priced(row) && row.costUsd < row.baselineCostUsd - costTolerance;
}

function excess(row: BenchResult): number {
  return priced(row) && row.baselineCostUsd > 0
    ? row.costUsd / row.baselineCostUsd - 1
    : Number.POSITIVE_INFINITY;
}

function totals(rows: readonly BenchResult[]): { cost: number; baseline: number } {
  let cost = 0;
  let baseline = 0;
  for (const row of rows) {
    if (!priced(row)) return { cost: Number.NaN, baseline: Number.NaN };
    cost += row.costUsd;
    baseline += row.baselineCostUsd;
  }
  return { cost, baseline };
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const label = (row: BenchResult) =>
  `${row.transcript} (${row.calls} calls, ${row.compactions} compactions): $${row.costUsd?.toFixed(4)} vs $${row.baselineCostUsd?.toFixed(4)}`;
const withCaching = (setting: PriceSetting) => setting.cache === "provider";
const everySetting = () => true;

/** Per-call strategies: each compacts on every call once it starts. */
const perCallStrategies = ["masking-every-call", "sliding-window"];
/** Share of the sessions where it compacts on which per-call masking must be dearer with caching. */
const perCallDearerShare = 0.9;
/** `default` may be dearer on at most one session in this many... */
const defaultDearerOneIn = 20;
/** ... and by at most this share of no compaction's cost on any one. */
const defaultMaxExcess = 0.05;

/** The README's claims, in the order the benchmark prints them. */
export const cacheEffectClaims: readonly CacheEffectClaim[] = [
  {
    id: "per-call-dearer-with-caching",
    text: `With provider caching, compacting on every call (${perCallStrategies.join(", ")}) costs more than no compaction over all sessions together, and per-call masking is dearer on at least ${percent(perCallDearerShare)} of the sessions where it compacts`,
    applies: withCaching,
    check: (report) => {
      const problems: string[] = [];
      for (const strategy of perCallStrategies) {
        const rows = rowsOf(report, strategy);
        if (rows.length === 0) continue;
        const { cost, baseline } = totals(rows);
        if (!(cost > baseline))
          problems.push(`${strategy}: $${cost.toFixed(4)} in all against $${baseline.toFixed(4)}`);
      }
      const compacting = rowsOf(report, "masking-every-call").filter((row) => row.compactions > 0);
      const notDearer = compacting.filter((row) => !dearer(row));
      if (
        compacting.length > 0 &&
        compacting.length - notDearer.length < perCallDearerShare * compacting.length
      ) {
        problems.push(
          `masking-every-call dearer on ${compacting.length - notDearer.length} of ${compacting.length} compacting sessions; not dearer on ${notDearer.map(label).join("; ")}`,
        );
      }
      return problems;
    },
  },
  {
    id: "per-call-masking-saves-without-caching",
    text: "Without caching, per-call masking costs less than no compaction on every session where it compacts (the loss with caching is the cache effect, not the masking)",
    applies: (setting) => setting.cache === "none",
    check: (report) =>
      rowsOf(report, "masking-every-call")
        .filter((row) => row.compactions > 0 && !cheaper(row))
        .map((row) => `masking-every-call not cheaper: ${label(row)}`),
  },
  {
    id: "default-rarely-dearer",
    text: `\`default\` is dearer than no compaction at the recorded calls on at most 1 session in ${defaultDearerOneIn}, and by at most ${percent(defaultMaxExcess)} on any session`,
    applies: everySetting,
    check: (report) => {
      const rows = rowsOf(report, "default");
      const dearerRows = rows.filter(dearer);
      const problems: string[] = [];
      if (dearerRows.length * defaultDearerOneIn > rows.length) {
        problems.push(
          `dearer on ${dearerRows.length} of ${rows.length} sessions: ${dearerRows.map(label).join("; ")}`,
        );
      }
      for (const row of dearerRows) {
        if (excess(row) > defaultMaxExcess) problems.push(`dearer by ${percent(excess(row))}: ${label(row)}`);
      }
      return problems;
    },
  },
  {
    id: "cache-aware-masking-never-dearer",
    text: "`cache-aware-masking` is never dearer than no compaction at the recorded calls",
    applies: everySetting,
    check: (report) =>
      rowsOf(report, "cache-aware-masking")
        .filter(dearer)
        .map((row) => `dearer: ${label(row)}`),
  },
  {
    id: "cache-aware-saves-on-long-sessions",
    text: `\`default\` and \`cache-aware-masking\` cost less than no compaction over the long sessions (≥ ${longSessionCalls} calls) together`,
    applies: everySetting,
    check: (report) => {
      const problems: string[] = [];
      for (const strategy of ["default", "cache-aware-masking"]) {
        const rows = rowsOf(report, strategy).filter((row) => row.calls >= longSessionCalls);
        if (rows.length === 0) continue;
        const { cost, baseline } = totals(rows);
        if (!(cost < baseline)) {
          problems.push(
            `${strategy}: $${cost.toFixed(4)} against $${baseline.toFixed(4)} on ${rows.length} long sessions`,
          );
        }
      }
      return problems;
    },
  },
  {
    id: "default-leaves-shorter-sessions-alone",
    text: `With Anthropic prices (cached) and without caching, \`default\` makes no compaction on a session under ${longSessionCalls} calls`,
    applies: (setting) => setting.label === "anthropic" || setting.cache === "none",
    check: (report) =>
      rowsOf(report, "default")
        .filter((row) => row.calls < longSessionCalls && row.compactions > 0)
        .map((row) => `compacts: ${label(row)}`),
  },
  {
    id: "default-pays-on-shorter-sessions",
    text: `Where \`default\` compacts a session under ${longSessionCalls} calls (with OpenAI prices), that session costs less than no compaction`,
    applies: everySetting,
    check: (report) =>
      rowsOf(report, "default")
        .filter((row) => row.calls < longSessionCalls && row.compactions > 0 && !cheaper(row))
        .map((row) => `compacts and is not cheaper: ${label(row)}`),
  },
  {
    id: "default-safer-than-summary-every-21",
    text: "With caching, `default` is dearer than no compaction on fewer sessions than `summary-every-21`, and its worst stopping point is lower",
    applies: withCaching,
    check: (report) => {
      const mine = rowsOf(report, "default");
      const theirs = rowsOf(report, "summary-every-21");
      if (mine.length === 0 || theirs.length === 0) return [];
      const problems: string[] = [];
      const [myDearer, theirDearer] = [mine.filter(dearer).length, theirs.filter(dearer).length];
      if (myDearer >= theirDearer)
        problems.push(`dearer on ${myDearer} sessions, summary-every-21 on ${theirDearer}`);
      const worst = (rows: BenchResult[]) =>
        Math.max(
          Number.NEGATIVE_INFINITY,
          ...rows.map((row) => row.worstStopRegret?.excessRatio ?? Number.NEGATIVE_INFINITY),
        );
      if (worst(mine) >= worst(theirs)) {
        problems.push(`worst stop ${percent(worst(mine))}, summary-every-21 ${percent(worst(theirs))}`);
      }
      return problems;
    },
  },
];

/** Checks the README's claims that apply to `setting` on its report; returns what failed. */
export function checkCacheEffect(
  setting: PriceSetting,
  report: BenchReport,
  claims: readonly CacheEffectClaim[] = cacheEffectClaims,
): CheckFailure[] {
  return claims
    .filter((claim) => claim.applies(setting))
    .flatMap((claim) =>
      claim
        .check(report)
        .map((detail) => ({ setting: setting.label, claim: claim.id, text: claim.text, detail })),
    );
}
