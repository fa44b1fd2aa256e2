/**
 * The cache effect on real sessions: replays every recorded session of `../shared/transcripts` under no
 * compaction, per-call observation masking, prompt-cache-aware masking, the default strategy and the peers'
 * policies, priced three ways (Anthropic prices with caching, OpenAI prices with caching, no caching), and
 * prints per-session tables of each strategy's cost against no compaction, a summary per setting, the README's
 * claims checked by `cache-effect-checks.ts` (exit code 1 when one breaks), and one JSON line. About 4 minutes
 * on an idle 2-core machine (90 + 67 + 35 s), 15 on a busy one.
 *
 * Run: `npx tsx benchmarks/strategies/cache-effect.ts [--only claude-code,mini-swe-agent] [--strategies a,b]
 * [--settings anthropic,openai,no-cache]`.
 *
 * @module
 */
import { renderTable } from "../../src/cli/table.js";
import { byEffectiveCost, runBench } from "../../src/replay/bench.js";
import { strategySpecsByName } from "../../src/replay/catalog.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import {
  type CheckFailure,
  cacheEffectClaims,
  checkCacheEffect,
  priceSettings,
} from "./cache-effect-checks.js";
import { groupOf, loadSessions, transcriptsFolder, transcriptsPresent } from "./sessions.js";
import { groupTable, sessionTable, summaryColumns } from "./tables.js";

const defaultStrategies = [
  "none",
  "masking-every-call",
  "cache-aware-masking",
  "default",
  "truncate",
  "summary-every-21",
  "claude-code-auto-compact",
  "langchain-summarization",
  "anthropic-clear-tool-uses",
  "sliding-window",
];

function argument(name: string): string[] | undefined {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  return value === undefined
    ? undefined
    : value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
}

async function main(): Promise<void> {
  if (!transcriptsPresent()) {
    console.log(`skipped: no recorded sessions at ${transcriptsFolder}`);
    return;
  }
  const only = argument("only") ?? [];
  const strategies = argument("strategies") ?? defaultStrategies;
  const wanted = argument("settings");
  const settings = priceSettings.filter((setting) => !wanted || wanted.includes(setting.label));
  const transcripts = await loadSessions(only);
  const specs = strategySpecsByName(strategies.includes("none") ? strategies : ["none", ...strategies]);
  const tokens = defaultTokenCounter();
  const json: Record<string, unknown> = { sessions: transcripts.length, settings: {} };
  const failures: CheckFailure[] = [];
  for (const setting of settings) {
    const started = performance.now();
    const report = await runBench({
      transcripts,
      strategies: specs,
      priceModel: setting.priceModel,
      cache: setting.cache,
      tokens,
    });
    const seconds = (performance.now() - started) / 1000;
    const groups = new Map<string, Set<string>>();
    for (const transcript of transcripts) {
      const group = groupOf(transcript);
      groups.set(group, (groups.get(group) ?? new Set<string>()).add(transcript.id));
    }
    const names = specs.map((spec) => spec.name);
    console.log(
      `\n=== ${setting.label}: prices ${setting.priceModel}, cache ${setting.cache} (${seconds.toFixed(1)} s) ===`,
    );
    for (const [group, ids] of groups) {
      console.log(`\n${group}: cost of each strategy against none (c = compactions)\n`);
      console.log(
        sessionTable({ ...report, results: report.results.filter((row) => ids.has(row.transcript)) }, names),
      );
    }
    const byGroup = groupTable(report, groups, names);
    console.log("\nsaving against none, by group (negative: costs more)\n");
    console.log(byGroup.table);
    console.log(`\nall ${transcripts.length} sessions\n`);
    console.log(renderTable(byEffectiveCost(report.summary), summaryColumns));
    const settingFailures = checkCacheEffect(setting, report);
    failures.push(...settingFailures);
    (json.settings as Record<string, unknown>)[setting.label] = {
      priceModel: setting.priceModel,
      cache: setting.cache,
      seconds: Number(seconds.toFixed(2)),
      summary: report.summary.map((row) => ({
        strategy: row.strategy,
        costUsd: Number(row.costUsd.toFixed(4)),
        savingRatio: Number(row.savingRatio.toFixed(4)),
        effectiveCostUsd: Number(row.effectiveCostUsd.toFixed(4)),
        effectiveSavingRatio: Number(row.effectiveSavingRatio.toFixed(4)),
        recall: row.recall === null ? null : Number(row.recall.toFixed(4)),
        recallCalls: row.recallCalls,
        worstStopRegret: row.worstStopRegret,
        sessionsCheaper: row.sessionsCheaper,
        sessionsDearer: row.sessionsDearer,
        compactions: row.compactions,
      })),
      savingByGroup: byGroup.savings,
      failures: settingFailures,
    };
  }
  console.log(
    `\nthe README's claims (cache-effect-checks.ts): ${failures.length === 0 ? "all hold" : `${failures.length} failed`}`,
  );
  for (const claim of cacheEffectClaims) {
    const checked = settings.filter((setting) => claim.applies(setting)).map((setting) => setting.label);
    if (checked.length === 0) continue;
    const broken = failures.filter((failure) => failure.claim === claim.id);
    console.log(`  ${broken.length === 0 ? "holds" : "FAILS"} [${checked.join(", ")}] ${claim.text}`);
    for (const failure of broken) console.log(`    ${failure.setting}: ${failure.detail}`);
  }
  json.failures = failures.length;
  console.log(JSON.stringify({ benchmark: "strategies/cache-effect", ...json }));
  if (failures.length > 0) process.exitCode = 1;
}

await main();
