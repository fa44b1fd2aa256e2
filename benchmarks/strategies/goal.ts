/**
 * Issue 10's goal table: the default against no compaction and its peers, per cache setting and session length
 * bucket, on the recorded sessions of `../shared/transcripts`, with the ceiling of `oracle.ts` beside it.
 *
 * Settings: Anthropic caching with 5-minute and with 1-hour writes (Claude Sonnet 4.6 prices; every session
 * replayed with entries of that lifetime, `levers.ts` `withTtl`), OpenAI caching (GPT-5 prices) and, for reference,
 * no caching (Sonnet 4.6 prices). Buckets: long (≥100 calls), mid (40–99), short (<40).
 *
 * Per row: the default's saving (`1 − cost / no compaction's`, summed over the bucket's sessions), its effective
 * saving (the bench's recovery charge for forgotten facts added to its cost), recall (micro-averaged over the calls
 * that used something removed earlier), sessions dearer than no compaction at their end by more than 0.5%, the
 * worst stopping-point regret (`worstStopRegret`), and the best peer: the peer policy with the lowest effective
 * cost among those whose recall is at least the default's (a peer that forgot nothing counts as recall 1).
 *
 * Goal rows (issue 10), checked under each cached setting: long sessions' effective saving ≥ 40%; their recall ≥
 * 0.95; no session of any bucket dearer (+0.5%); worst regret ≤ 2%; no peer cheaper on effective cost at equal or
 * better recall (long sessions); under other price lists (`--price-lists`), the dearer and regret rows. The script exits 1 and names the unmet rows when any is unmet.
 *
 * `--price-lists a,b` (models of the price table) or `--price-lists all` (every cached price list, as
 * `compactor bench --all-cached-prices`) adds the "never dearer" and "regret" rows under those lists
 * (`price-lists.ts`: each session priced at the list's model with its provider's caching and its recorded cache
 * lifetime; regret counted while no compaction is an alternative, its prompt within 85% of the list's window).
 *
 * After the table, the peer table: each peer policy against the default per setting and bucket (effective saving,
 * recall, dearer, worst regret) with a verdict: beaten, or why it is cheaper (forgets more, less safe, or cheaper at
 * equal recall and safety). The goal row "no peer cheaper" is the issue's: recall only.
 *
 * Run: `npx tsx benchmarks/strategies/goal.ts [--subfolders claude-code|all|a,b] [--peers a,b] [--no-oracle]
 * [--price-lists claude-fable-5-1,gpt-4o]`. Prints the table, the peer table, the unmet rows and one JSON line.
 *
 * @module
 */
import { strategySpecsByName } from "../../src/replay/catalog.js";
import { cachedPriceLists } from "../../src/replay/matrix.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { benchSetting, bucketOf, type LeverRow, outcomeCells } from "./levers.js";
import { goalSettings, type OracleBound, oracleBound, summarizeBounds } from "./oracle.js";
import { priceListRows, unmetPriceLists } from "./price-lists.js";
import { argument, loadSessions, skipWithoutTranscripts } from "./sessions.js";

/** The peer policies of the bench catalog the default is compared with. */
export const goalPeers: readonly string[] = [
  "cache-aware-masking",
  "summary-every-21",
  "claude-code-auto-compact",
  "langchain-summarization",
  "anthropic-clear-tool-uses",
  "masking-every-call",
  "sliding-window",
  "truncate",
  "lossless",
  "cold-lossless",
  "cache-aware-fact-summary",
];

/** The goal's thresholds. */
export const goal = {
  effectiveSaving: 0.4,
  recall: 0.95,
  dearerTolerance: 0.005,
  worstRegret: 0.02,
} as const;

/** One row of the goal table: the default in one setting and bucket. */
export interface GoalRow {
  setting: string;
  bucket: string;
  sessions: number;
  saving: number;
  effectiveSaving: number;
  recall: number | null;
  dearer: number;
  worstRegret: number | null;
  /** The best peer at equal or better recall, and its effective saving; `null` when none qualifies. */
  bestPeer: { strategy: string; effectiveSaving: number; recall: number | null } | null;
  /** Upper bounds on the saving (long and mid-length sessions, `oracle.ts`). */
  ceiling?: { keepUsedSaving: number; keepOnlyUsedSaving: number; floorSaving: number };
}

/** The goal rows a table fails, one sentence each (empty when every row holds). */
export function unmetGoals(rows: readonly GoalRow[]): string[] {
  const unmet: string[] = [];
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  for (const row of rows) {
    if (row.setting === "no-cache" || row.bucket === "all") continue;
    const where = `${row.setting}, ${row.bucket} sessions`;
    if (row.bucket === "long" && !row.setting.startsWith("list ")) {
      if (row.effectiveSaving < goal.effectiveSaving)
        unmet.push(`${where}: effective saving ${percent(row.effectiveSaving)} < 40%`);
      if (row.recall !== null && row.recall < goal.recall)
        unmet.push(`${where}: recall ${row.recall.toFixed(3)} < 0.95`);
      if (row.bestPeer && row.bestPeer.effectiveSaving > row.effectiveSaving + 1e-9)
        unmet.push(
          `${where}: ${row.bestPeer.strategy} is cheaper at equal or better recall (${percent(row.bestPeer.effectiveSaving)} effective)`,
        );
    }
    if (row.dearer > 0) unmet.push(`${where}: ${row.dearer} dearer than no compaction (+0.5%)`);
    if (row.worstRegret !== null && row.worstRegret > goal.worstRegret)
      unmet.push(`${where}: worst stopping-point regret ${percent(row.worstRegret)} > 2%`);
  }
  return unmet;
}

/** The goal rows of one setting from the bench's rows of the default and its peers. */
export function goalRows(lines: readonly LeverRow[], peers: readonly string[]): GoalRow[] {
  const rows: GoalRow[] = [];
  for (const line of lines.filter((candidate) => candidate.strategy === "default")) {
    const own = line.recall ?? 1;
    let best: GoalRow["bestPeer"] = null;
    for (const peer of lines.filter(
      (candidate) => candidate.bucket === line.bucket && peers.includes(candidate.strategy),
    )) {
      if ((peer.recall ?? 1) < own) continue;
      if (best === null || peer.effectiveSaving > best.effectiveSaving)
        best = { strategy: peer.strategy, effectiveSaving: peer.effectiveSaving, recall: peer.recall };
    }
    rows.push({
      setting: line.setting,
      bucket: line.bucket,
      sessions: line.sessions,
      saving: line.saving,
      effectiveSaving: line.effectiveSaving,
      recall: line.recall,
      dearer: line.dearer,
      worstRegret: line.worstRegret,
      bestPeer: best,
    });
  }
  return rows;
}

/** One peer policy against the default in one setting and bucket. */
export interface PeerRow {
  setting: string;
  bucket: string;
  strategy: string;
  effectiveSaving: number;
  recall: number | null;
  dearer: number;
  worstRegret: number | null;
  /**
   * `beaten`: the default's effective saving is at least the peer's. Otherwise why the peer is cheaper:
   * `forgets more` (its recall is below the default's), `less safe` (a session dearer than no compaction, +0.5%,
   * or a worst regret above 2%, where the default has neither), or `cheaper at equal recall and safety` (a gap).
   */
  verdict: "beaten" | "forgets more" | "less safe" | "cheaper at equal recall and safety";
}

/** Each peer of `peers` against the default, per setting and bucket, from the bench's rows. */
export function peerRows(lines: readonly LeverRow[], peers: readonly string[]): PeerRow[] {
  const rows: PeerRow[] = [];
  const unsafe = (line: LeverRow) => line.dearer > 0 || (line.worstRegret ?? 0) > goal.worstRegret;
  for (const own of lines.filter((line) => line.strategy === "default" && line.bucket !== "short")) {
    for (const peer of lines.filter(
      (line) => line.setting === own.setting && line.bucket === own.bucket && peers.includes(line.strategy),
    )) {
      const verdict: PeerRow["verdict"] =
        own.effectiveSaving >= peer.effectiveSaving - 1e-9
          ? "beaten"
          : (peer.recall ?? 1) < (own.recall ?? 1)
            ? "forgets more"
            : unsafe(peer) && !unsafe(own)
              ? "less safe"
              : "cheaper at equal recall and safety";
      rows.push({
        setting: own.setting,
        bucket: own.bucket,
        strategy: peer.strategy,
        effectiveSaving: peer.effectiveSaving,
        recall: peer.recall,
        dearer: peer.dearer,
        worstRegret: peer.worstRegret,
        verdict,
      });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  if (skipWithoutTranscripts()) return;
  const named = argument("--subfolders") ?? "claude-code";
  const subfolders = named === "all" ? [] : named.split(",").filter(Boolean);
  const peers = (argument("--peers")?.split(",") ?? goalPeers).filter(Boolean);
  const sessions = await loadSessions(subfolders);
  const tokens = defaultTokenCounter();
  const specs = strategySpecsByName(["none", "default", ...peers]);
  const rows: GoalRow[] = [];
  const lines: LeverRow[] = [];
  for (const setting of goalSettings) {
    const settingLines = await benchSetting(setting, sessions, specs, tokens);
    lines.push(...settingLines);
    const settingRows = goalRows(settingLines, peers);
    if (!process.argv.includes("--no-oracle")) {
      for (const bucket of ["long", "mid"] as const) {
        const bounds: OracleBound[] = [];
        for (const session of sessions.filter((candidate) => bucketOf(candidate.calls.length) === bucket)) {
          const bound = await oracleBound(session, setting, tokens);
          if (bound) bounds.push(bound);
        }
        const row = settingRows.find((candidate) => candidate.bucket === bucket);
        if (row && bounds.length > 0) {
          const { keepUsedSaving, keepOnlyUsedSaving, floorSaving } = summarizeBounds(bounds);
          row.ceiling = { keepUsedSaving, keepOnlyUsedSaving, floorSaving };
        }
      }
    }
    rows.push(...settingRows);
  }
  const lists = argument("--price-lists");
  const all = cachedPriceLists();
  const chosen =
    lists === "all"
      ? all
      : (lists?.split(",").filter(Boolean) ?? []).map(
          (model) => all.find((list) => list.models.includes(model)) ?? { provider: "?", model },
        );
  const listRows = chosen.length > 0 ? await priceListRows(sessions, chosen) : [];
  const percent = (value: number | null | undefined) =>
    value === null || value === undefined ? "-" : `${(value * 100).toFixed(1)}%`;
  console.log(
    `goal table: default vs no compaction, ${sessions.length} sessions (${subfolders.join(", ") || "all"})`,
  );
  console.log(
    "setting       bucket  sessions   saving  effective  recall  dearer  worst regret  best peer (recall ≥ default's)         ceiling: mask unused / keep only used / floor",
  );
  for (const row of rows) {
    const peer = row.bestPeer ? `${row.bestPeer.strategy} ${percent(row.bestPeer.effectiveSaving)}` : "-";
    const ceiling = row.ceiling
      ? `${percent(row.ceiling.keepUsedSaving)} / ${percent(row.ceiling.keepOnlyUsedSaving)} / ${percent(row.ceiling.floorSaving)}   default effective / keep only used: ${percent(row.effectiveSaving / row.ceiling.keepOnlyUsedSaving)}`
      : "";
    console.log(
      [
        row.setting.padEnd(13),
        row.bucket.padEnd(6),
        ...outcomeCells(row),
        `  ${peer.padEnd(38)}`,
        ceiling,
      ].join(" "),
    );
  }
  if (listRows.length > 0) {
    console.log(
      "\nunder other price lists (price-lists.ts: regret while no compaction is an alternative, i.e. its prompt within 85% of the window)",
    );
    console.log(
      "model                         window  sessions  dearer  worst regret  window-bound  regret to 100%",
    );
    for (const row of listRows)
      console.log(
        [
          row.model.padEnd(28),
          String(row.contextWindow ?? "-").padStart(8),
          String(row.sessions).padStart(9),
          String(row.dearer).padStart(7),
          percent(row.worstRegret?.ratio).padStart(13),
          String(row.windowBound).padStart(13),
          percent(row.worstRegretToWindow?.ratio).padStart(15),
        ].join(" "),
      );
  }
  const peerTable = peerRows(lines, peers);
  console.log(
    "\npeers (each bench policy against the default, same sessions and setting; verdict: beaten = the default's effective saving is at least the peer's; else why the peer is cheaper)",
  );
  console.log(
    "setting       bucket  peer                          effective  recall  dearer  worst regret  verdict",
  );
  for (const peer of peerTable)
    console.log(
      [
        peer.setting.padEnd(13),
        peer.bucket.padEnd(6),
        peer.strategy.padEnd(28),
        percent(peer.effectiveSaving).padStart(10),
        (peer.recall === null ? "-" : peer.recall.toFixed(3)).padStart(7),
        String(peer.dearer).padStart(7),
        percent(peer.worstRegret).padStart(13),
        ` ${peer.verdict}`,
      ].join(" "),
    );
  const unmet = [...unmetGoals(rows), ...unmetPriceLists(listRows)];
  console.log(unmet.length === 0 ? "\nevery goal row holds" : `\nunmet goal rows (${unmet.length}):`);
  for (const line of unmet) console.log(`- ${line}`);
  console.log(
    JSON.stringify({
      benchmark: "strategy-goal",
      subfolders,
      peers,
      rows,
      priceLists: listRows,
      peerRows: peerTable,
      unmet,
    }),
  );
  if (unmet.length > 0) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
