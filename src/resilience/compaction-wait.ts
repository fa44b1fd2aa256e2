/**
 * A summarizer must never stall the user's call. Three guards:
 *
 * 1. Every summarizer call has a hard time limit (`summarizerTimeoutMs`) and is aborted when it passes it, or
 *    when the caller's own request is aborted; a failure or timeout emits an `error` event (`phase:
 *    "summarizer"`), and the strategy falls back to its extractive summary.
 * 2. The user's call waits for a compaction decision at most `summarizerWaitMs`. When the summarizer is slower,
 *    the call goes out as it would have without this compaction (with the session's current checkpoint) and the
 *    summary keeps being written in the background; the next call of the session applies it, provided the
 *    history it covers is unchanged. While it is being written, no second summary is started.
 * 3. What every summarizer call cost reaches the session report and the budget, even when its summary was not
 *    used (discarded, shadow mode, an invariant violation): that money was spent.
 *
 * @module
 */
import type { CompactorEvent } from "../events/types.js";
import { type CompactionPlan, recordSummary } from "../session/compaction.js";
import type { CallGate } from "../session/gate.js";
import type { LiveSession } from "../session/live-session.js";
import { prefixHash } from "../session/raw-hash.js";
import type { Summarizer, SummaryResult } from "../../strategies/types.js";
import { boundedWait, WaitAbandonedError } from "./wait.js";

/** How long a user's call waits for a compaction that is being summarized, by default. */
export const defaultSummarizerWaitMs = 2000;
/** Longest a summarizer call may run (in the background past the wait) before it is aborted, by default. */
export const defaultSummarizerTimeoutMs = 60_000;

/** Summarizer spend of one compaction attempt. */
interface Spend {
  usd: number;
}

/** A compaction still being summarized after its call went out. */
interface LatePlan {
  done: boolean;
  plan: CompactionPlan | undefined;
  spend: Spend;
  /** The checkpoint active when it was planned: the plan extends that one only. */
  checkpointId: string | undefined;
  /** When it was started (epoch ms). */
  startedAt: number;
}

/** Marks a plan still running after one turn of the microtask queue. */
const notYetValue = Symbol("not yet");
const notYet = Promise.resolve(notYetValue);

const latePlans = new WeakMap<LiveSession, LatePlan>();
/** Summaries of the plans applied to each session (what `recordSummary` learns from). */
const appliedSummaries = new WeakMap<LiveSession, SummaryResult[]>();

/** Notes a plan that is about to be applied to the session; returns it. */
function applying(state: LiveSession, plan: CompactionPlan | undefined): CompactionPlan | undefined {
  if (plan?.summary && plan.summary.model !== "extractive") {
    const list = appliedSummaries.get(state) ?? [];
    list.push(plan.summary);
    if (list.length > 50) list.shift();
    appliedSummaries.set(state, list);
  }
  return plan;
}

/** What {@link compactWithin} needs from the runtime. */
export interface CompactionWait {
  state: LiveSession;
  /** The session's summarizer for the call's model, if any. */
  summarizer: Summarizer | undefined;
  /**
   * Runs the trigger and strategy on `view` (the session as of this call: it reads through to the session until
   * the call stops waiting, then keeps the history as it was) with the given (guarded) summarizer.
   */
  plan(summarizer: Summarizer | undefined, view: LiveSession): Promise<CompactionPlan | undefined>;
  /** Whether a plan is applied when it passes its checks (false in shadow mode). */
  applies: boolean;
  waitMs: number;
  timeoutMs: number;
  /** The caller's signal: the wait ends and the summarizer is aborted when it fires. */
  signal: AbortSignal | undefined;
  gate: CallGate | undefined;
  emit: (event: CompactorEvent) => void;
  now: () => number;
}

/**
 * The compaction plan for this call: a late plan from an earlier call when one is ready and still fits, else a
 * fresh one if it is ready within the wait; undefined otherwise. Never waits longer than `waitMs`.
 */
export async function compactWithin(input: CompactionWait): Promise<CompactionPlan | undefined> {
  const { state } = input;
  const late = latePlans.get(state);
  if (late) {
    // A summary is still being written: this call goes as it is. One that outlived every time limit (a strategy
    // with a summarizer of its own, which compactor cannot abort) is given up, so compaction can resume.
    const abandoned = input.now() - late.startedAt > input.waitMs + input.timeoutMs;
    if (!late.done && !abandoned) return undefined;
    latePlans.delete(state);
    const fits = late.done && late.plan !== undefined && stillFits(state, late);
    countSpend(state, late.spend, fits && input.applies ? late.plan : undefined);
    if (fits) return input.applies ? applying(state, late.plan) : late.plan;
  }
  const spend: Spend = { usd: 0 };
  const summarizer = input.summarizer && guardSummarizer(input, spend);
  // The plan reads the session through `view`, a shallow copy (the same history arrays and meta while the call
  // waits: nothing else changes the session then, its queue is held); if the call stops waiting, the view keeps
  // this call's history (later calls change the session's own arrays), so the late plan is checked against what
  // it summarized. Not `Object.create(state)`: an object used as a prototype makes V8 slow down every later
  // write to it and every read through it (measured: 0.04 ms more per call, the whole plan stage thrice over).
  const view: LiveSession = { ...state };
  // What the session learnt from its applied summaries is kept per session object: the view learns it too.
  for (const summary of appliedSummaries.get(state) ?? []) recordSummary(view, summary);
  const running = input.plan(summarizer, view);
  try {
    // Most calls decide at once (the trigger did not fire): no timer or abort listener is armed for those.
    const early = await Promise.race([running, notYet]);
    const plan =
      early === notYetValue
        ? await boundedWait(running, "the compaction's summary", input.waitMs, input.signal)
        : (early as CompactionPlan | undefined);
    const applied = plan && input.applies && plan.violations.length === 0 ? plan : undefined;
    countSpend(state, spend, applied);
    if (applied) applying(state, applied);
    return plan;
  } catch (error) {
    if (!(error instanceof WaitAbandonedError)) {
      countSpend(state, spend, undefined);
      throw error;
    }
    view.history = state.history.slice();
    view.historyHashes = state.historyHashes.slice();
    view.historyTokens = state.historyTokens.slice();
    const entry: LatePlan = {
      done: false,
      plan: undefined,
      spend,
      checkpointId: state.meta.checkpoint?.id,
      startedAt: input.now(),
    };
    latePlans.set(state, entry);
    running.then(
      (plan) => {
        entry.plan = plan && plan.violations.length === 0 ? plan : undefined;
        entry.done = true;
      },
      () => {
        entry.done = true;
      },
    );
    input.emit({
      type: "error",
      session: state.id,
      time: input.now(),
      phase: "summarizer",
      message: `${error.message}; the call was sent without waiting, and the summary is applied on a later call once written`,
      fallback: "sent-uncompacted",
    });
    return undefined;
  }
}

/** True when the late plan's covered history is still the session's, under the same checkpoint. */
function stillFits(state: LiveSession, late: LatePlan): boolean {
  const plan = late.plan;
  if (!plan || state.meta.checkpoint?.id !== late.checkpointId) return false;
  const { covered } = plan.checkpoint;
  return (
    covered <= state.history.length && prefixHash(state.historyHashes, covered) === plan.checkpoint.prefixHash
  );
}

/**
 * Adds the attempt's summarizer spend to the session's totals, less what the applied plan (if any) adds itself
 * when it is applied.
 */
function countSpend(state: LiveSession, spend: Spend, applied: CompactionPlan | undefined): void {
  const counted = applied?.summarizerCostUsd ?? 0;
  const extra = spend.usd - counted;
  if (extra > 1e-12) state.meta.totals.summarizerCostUsd += extra;
  spend.usd = 0;
}

/** The summarizer with a time limit, the caller's abort, error events and spend accounting. */
function guardSummarizer(input: CompactionWait, spend: Spend): Summarizer {
  const base = input.summarizer as Summarizer;
  const { state } = input;
  return async (request) => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    const signals = [input.signal, request.signal].filter((signal): signal is AbortSignal => !!signal);
    for (const signal of signals) {
      if (signal.aborted) abort();
      else signal.addEventListener("abort", abort, { once: true });
    }
    try {
      const task = Promise.resolve().then(() => base({ ...request, signal: controller.signal }));
      const result = await boundedWait(task, "the summarizer", input.timeoutMs, controller.signal);
      recordSpend(input, result);
      spend.usd += result?.costUsd ?? 0;
      return result;
    } catch (error) {
      controller.abort();
      input.emit({
        type: "error",
        session: state.id,
        time: input.now(),
        phase: "summarizer",
        message: `The summarizer failed: ${error instanceof Error ? error.message : String(error)}`,
        fallback: "extractive-summary",
      });
      throw error;
    } finally {
      for (const signal of signals) signal.removeEventListener("abort", abort);
    }
  };
}

/** A gate that can count spend that was not reserved beforehand (the budget gate can). */
interface RecordingGate extends CallGate {
  recordSpend(
    sessionId: string,
    model: string,
    amount: { usd: number | null; tokens: number },
    emit: (event: CompactorEvent) => void,
  ): Promise<void>;
}

function recordSpend(input: CompactionWait, result: SummaryResult | undefined): void {
  const gate = input.gate as Partial<RecordingGate> | undefined;
  if (!result || typeof gate?.recordSpend !== "function") return;
  const usage = result.usage;
  const tokens = usage
    ? usage.inputTokens +
      usage.cacheReadTokens +
      usage.cacheWrite5mTokens +
      usage.cacheWrite1hTokens +
      usage.outputTokens
    : 0;
  if ((result.costUsd ?? 0) <= 0 && tokens === 0) return;
  gate.recordSpend(input.state.id, result.model, { usd: result.costUsd, tokens }, input.emit).catch(() => {});
}
