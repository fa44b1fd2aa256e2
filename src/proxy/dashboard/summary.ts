/**
 * `GET /api/summary`: the JSON the dashboard is drawn from. Every dollar figure is a session report's
 * (`buildSessionReport`, the function behind `sessionReport` and `proxy.report`), and the totals are their sums:
 * the dashboard computes no saving of its own.
 *
 * @module
 */
import type { LiveSession } from "../../session/live-session.js";
import { buildSessionReport, type SessionSummary } from "../../session/session-report.js";
import type { ProviderFormat } from "../../transcript/types.js";
import type { ProxySession, SessionSource } from "../session-id.js";
import type { DashboardBudgets, ResolvedBudgets } from "./budgets.js";

/** Version of the {@link DashboardSummary} shape; bumped when a field changes meaning or goes away. */
export const DASHBOARD_SUMMARY_VERSION = 1;

/** How the saving is defined and measured, in words (shown on the dashboard under the saving). */
export const SAVING_DEFINITION = {
  saving: "uncompacted cost − cost − summarizer cost (negative when compaction cost more than it saved)",
  ratio: "saving / uncompacted cost",
  uncompacted:
    "what the same calls would have cost had the full, uncompacted history been sent: a call sent uncompacted is its own " +
    "counterfactual; after a compaction, the previous call's counterfactual plus what the agent appended (exact when the " +
    "view did not change, else from a fit of the provider's token counts), its prompt-cache split from the same cache " +
    "model as the bill, at the same list prices",
  cost: "list prices applied to the usage the provider reported for each call (priced models only)",
} as const;

/** One session of the proxy. */
export interface DashboardSession {
  id: string;
  /** Where the id came from: the `x-compactor-session` header, Claude Code's or Codex's own id, or a hash. */
  source: SessionSource;
  /** The API of its last call, when it made one. */
  api: ProviderFormat | null;
  /** Prompt tokens of the last call as the provider reported them (what the model saw), 0 before a call. */
  contextTokens: number;
  /** True while a compaction checkpoint is active (the view sent is shorter than the history). */
  compacted: boolean;
  /** Last call settled (epoch ms), else the session's last change. */
  lastActivityAt: number;
  /** `cacheReadTokens / promptTokens` of the session, 0 before a call. */
  cacheHitRatio: number;
  /** The session report, exactly as `proxy.report(id)` (and `sessionReport`) gives it. */
  report: SessionSummary;
}

/** Sums over every session of the proxy (not only the ones listed). */
export interface DashboardTotals {
  sessions: number;
  calls: number;
  promptTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Sum of the reports' `costUsd`. */
  costUsd: number;
  /** Sum of the reports' `uncompactedCostUsd`: the denominator of the saving. */
  uncompactedCostUsd: number;
  /** Sum of the reports' `summarizerCostUsd`. */
  summarizerCostUsd: number;
  /** Sum of the reports' `realisedSavingUsd`. */
  realisedSavingUsd: number;
  /** `realisedSavingUsd / uncompactedCostUsd`, or 0 when nothing was spent (the reports' own rule). */
  realisedSavingRatio: number;
  /** `cacheReadTokens / promptTokens` (as `/metrics`' `compactor_cache_hit_ratio`), 0 before any call. */
  cacheHitRatio: number;
  compactions: number;
  unpricedCalls: number;
}

/**
 * What the proxy does with requests: `compacting` (its strategy runs), `shadow` (measures only: every request
 * goes out as the agent wrote it, so the realised saving stays 0), `record-only` (no strategy: calls are priced,
 * never compacted).
 */
export type ProxyMode = "compacting" | "shadow" | "record-only";

/** The body of `GET /api/summary`. */
export interface DashboardSummary {
  version: typeof DASHBOARD_SUMMARY_VERSION;
  mode: ProxyMode;
  /** When this summary was built, and when the proxy started (epoch ms). */
  generatedAt: number;
  startedAt: number;
  totals: DashboardTotals;
  /** How the figures are defined (see {@link SAVING_DEFINITION}). */
  definitions: typeof SAVING_DEFINITION;
  /** The most recently active sessions first, at most `sessionsShown` of `totals.sessions`. */
  sessions: DashboardSession[];
  budgets: DashboardBudgets;
  /** Sessions left out because they did not load in time (a frozen store); not in the totals either. */
  sessionsSkipped: number;
}

/** What {@link buildSummary} reads. */
export interface SummarySources {
  sessions(): ProxySession[];
  /** A session as this process holds it (loaded from the store when it is not in memory). */
  session(id: string): Promise<LiveSession>;
  /**
   * A session brought up to date with the store first (another proxy on the same store may have served it
   * since), as the proxy's own `report(id)` reads it. Used for the sessions listed; without it, `session`.
   */
  fresh?(id: string): Promise<LiveSession>;
  budgets: ResolvedBudgets;
  startedAt: number;
  mode: ProxyMode;
  /** Most sessions listed. @default 200 */
  maxSessions?: number;
  /** Longest wait for a session or the budget ledger. @default 1000 */
  timeoutMs?: number;
  now?: () => number;
}

function promptOf(session: LiveSession): number {
  const usage = session.meta.lastUsage;
  if (!usage) return 0;
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

const ratio = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

/** The totals of several session reports: sums, and the saving ratio by the reports' own rule. */
export function sumReports(reports: readonly SessionSummary[]): DashboardTotals {
  const totals: DashboardTotals = {
    sessions: reports.length,
    calls: 0,
    promptTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    uncompactedCostUsd: 0,
    summarizerCostUsd: 0,
    realisedSavingUsd: 0,
    realisedSavingRatio: 0,
    cacheHitRatio: 0,
    compactions: 0,
    unpricedCalls: 0,
  };
  for (const report of reports) {
    totals.calls += report.calls;
    totals.promptTokens += report.promptTokens;
    totals.outputTokens += report.outputTokens;
    totals.cacheReadTokens += report.cacheReadTokens;
    totals.cacheWriteTokens += report.cacheWriteTokens;
    totals.costUsd += report.costUsd;
    totals.uncompactedCostUsd += report.uncompactedCostUsd;
    totals.summarizerCostUsd += report.summarizerCostUsd;
    totals.realisedSavingUsd += report.realisedSavingUsd;
    totals.compactions += report.compactions;
    totals.unpricedCalls += report.unpricedCalls;
  }
  totals.realisedSavingRatio = ratio(totals.realisedSavingUsd, totals.uncompactedCostUsd);
  totals.cacheHitRatio = ratio(totals.cacheReadTokens, totals.promptTokens);
  return totals;
}

/** Resolves to undefined after `ms` (one timer for the whole summary), and a way to cancel it. */
function deadline(ms: number): { expired: Promise<undefined>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref?.();
  });
  return { expired, cancel: () => clearTimeout(timer) };
}

/**
 * Builds the summary. A session that does not load within the timeout (a frozen store) is left out of this
 * summary rather than holding the dashboard; it is counted in `sessionsSkipped`.
 */
export async function buildSummary(sources: SummarySources): Promise<DashboardSummary> {
  const now = sources.now ?? Date.now;
  const timeoutMs = sources.timeoutMs ?? 1000;
  const maxSessions = sources.maxSessions ?? 200;
  const seen = sources.sessions();
  const wait = deadline(timeoutMs);
  const load = (read: (id: string) => Promise<LiveSession>, seenSession: ProxySession) =>
    Promise.race([read(seenSession.id).catch(() => undefined), wait.expired]).then((state) =>
      state === undefined ? undefined : row(seenSession, state),
    );
  let skipped = 0;
  try {
    const loaded = await Promise.all(seen.map((seenSession) => load(sources.session, seenSession)));
    const sessions = byActivity(loaded.filter((entry): entry is DashboardSession => entry !== undefined));
    skipped = loaded.length - sessions.length;
    if (sources.fresh !== undefined) {
      // The listed sessions are read as the proxy's report reads them: up to date with the store.
      const fresh = sources.fresh;
      const listed = sessions.slice(0, maxSessions);
      const refreshed = await Promise.all(
        listed.map((session) => load(fresh, { id: session.id, source: session.source })),
      );
      refreshed.forEach((entry, index) => {
        if (entry !== undefined) sessions[index] = entry;
      });
      byActivity(sessions);
    }
    return await finish(sessions);
  } finally {
    wait.cancel();
  }

  async function finish(sessions: DashboardSession[]): Promise<DashboardSummary> {
    const totals = sumReports(sessions.map((session) => session.report));
    const budgets = await sources.budgets.read(
      sessions.map((session) => session.id),
      timeoutMs,
    );
    return {
      version: DASHBOARD_SUMMARY_VERSION,
      mode: sources.mode,
      generatedAt: now(),
      startedAt: sources.startedAt,
      totals,
      definitions: SAVING_DEFINITION,
      sessions: sessions.slice(0, maxSessions),
      budgets,
      sessionsSkipped: skipped,
    };
  }
}

function row(seen: ProxySession, state: LiveSession): DashboardSession {
  const report = buildSessionReport(state);
  return {
    id: seen.id,
    source: seen.source,
    api: state.meta.provider ?? null,
    contextTokens: promptOf(state),
    compacted: state.meta.checkpoint !== undefined,
    lastActivityAt: state.meta.lastCallAt ?? state.meta.updatedAt,
    cacheHitRatio: ratio(report.cacheReadTokens, report.promptTokens),
    report,
  };
}

/** Most recently active first (ties by id), in place. */
function byActivity(sessions: DashboardSession[]): DashboardSession[] {
  return sessions.sort(
    (left, right) => right.lastActivityAt - left.lastActivityAt || (left.id < right.id ? -1 : 1),
  );
}
