/**
 * A session's report: what it cost, what the uncompacted history would have cost, and the realised saving.
 *
 * @module
 */
import type { LiveSession } from "./live-session.js";
import { recallTotalsOf } from "./recall.js";

/** What a session cost and saved so far. */
export interface SessionSummary {
  session: string;
  model: string | undefined;
  calls: number;
  promptTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Dollars paid for the calls at list prices (priced calls only). */
  costUsd: number;
  /** Dollars the same calls would have cost with the full, uncompacted history (cache modelled alike). */
  uncompactedCostUsd: number;
  /** Dollars spent on summarizer calls. */
  summarizerCostUsd: number;
  /** `uncompactedCostUsd - costUsd - summarizerCostUsd`; negative when compaction cost more than it saved. */
  realisedSavingUsd: number;
  /** `realisedSavingUsd / uncompactedCostUsd`, or 0 when nothing was spent. */
  realisedSavingRatio: number;
  compactions: number;
  /**
   * Hidden recall round trips of reversible offload: upstream calls compactor made itself to answer the model's
   * `compactor_recall` calls, and what they cost. That cost is already in `costUsd` (spend, never saving).
   */
  recall: { turns: number; answered: number; unanswered: number; dropped: number; costUsd: number };
  /** Calls whose model has no known price, left out of the dollar figures. */
  unpricedCalls: number;
  /** History messages kept (nothing is lost). */
  historyMessages: number;
  /** One sentence a person can read. */
  verdict: string;
}

/** Builds the report of a live session from its running totals. */
export function buildSessionReport(state: LiveSession): SessionSummary {
  const totals = state.meta.totals;
  const saving = totals.uncompactedCostUsd - totals.costUsd - totals.summarizerCostUsd;
  const ratio = totals.uncompactedCostUsd > 0 ? saving / totals.uncompactedCostUsd : 0;
  const verdict =
    totals.compactions === 0
      ? `no compaction yet; ${totals.calls} calls cost $${totals.costUsd.toFixed(4)}`
      : saving >= 0
        ? `saved $${saving.toFixed(4)} (${(ratio * 100).toFixed(1)}%) over ${totals.calls} calls with ${totals.compactions} compaction(s)`
        : `compaction cost $${(-saving).toFixed(4)} MORE than it saved (${(ratio * 100).toFixed(1)}%) over ${totals.calls} calls`;
  return {
    session: state.id,
    model: state.meta.model,
    calls: totals.calls,
    promptTokens: totals.promptTokens,
    outputTokens: totals.outputTokens,
    cacheReadTokens: totals.cacheReadTokens,
    cacheWriteTokens: totals.cacheWriteTokens,
    costUsd: totals.costUsd,
    uncompactedCostUsd: totals.uncompactedCostUsd,
    summarizerCostUsd: totals.summarizerCostUsd,
    realisedSavingUsd: saving,
    realisedSavingRatio: ratio,
    compactions: totals.compactions,
    recall: { ...recallTotalsOf(state) },
    unpricedCalls: totals.unpricedCalls,
    historyMessages: state.history.length,
    verdict,
  };
}
