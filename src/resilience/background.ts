/**
 * Work that follows a call but must never hold up the next one: persisting the session (a frozen Redis must not
 * stall the agent) and settling the budget. Saves of one session run one at a time and coalesce: while one is
 * in flight, later calls only mark the session dirty, and the next save sends everything pending at once.
 * `flush()` (and `sessionReport`) waits for them; the user's calls never do.
 *
 * Totals are sent as deltas since the last successful save, so two processes writing one session add up their
 * calls and dollars instead of overwriting each other. A save names the stored version the copy was built on
 * (compare-and-set): when another process saved the session since (two calls at the same instant), nothing is
 * written, the session's conflict resolver (the runtime's: reload, merge this copy's unsaved calls into the stored
 * session, see resilience/shared-session) runs, and the save is tried again. When the store has lost writes (a
 * Redis restart without persistence: the stored history is shorter than the change expects), the whole session
 * is written again once.
 *
 * @module
 */
import { emptyTotals, type LiveSession } from "../session/live-session.js";
import { StoreConflictError, StoreVersionConflictError } from "../store/errors.js";
import type { RecallTotals, SessionStore, SessionTotals } from "../store/types.js";

interface Persister {
  /** The save loop under way, if any. */
  running: Promise<void> | undefined;
  /** Another save was asked for while one was running. */
  again: boolean;
  /** Totals as of the last successful save (or the load): the next save sends the difference. */
  saved: SessionTotals;
  /** Other background tasks of the session (budget settlements). */
  tasks: Set<Promise<unknown>>;
  /** The last save failed: the meta may hold changes the store has not seen. */
  failed: boolean;
  /** Recall totals as of the last successful save (or the load). */
  savedRecall: RecallTotals | undefined;
  /** Makes the copy the stored session plus its own unsaved changes, after a version conflict. */
  resolve: ((state: LiveSession) => Promise<void>) | undefined;
}

/** Version conflicts one save loop resolves before it saves without comparing (totals still add up). */
const maxConflictRounds = 4;

const persisters = new WeakMap<LiveSession, Persister>();

function persisterOf(state: LiveSession): Persister {
  let persister = persisters.get(state);
  if (!persister) {
    persister = {
      running: undefined,
      again: false,
      saved: emptyTotals(),
      tasks: new Set(),
      failed: false,
      savedRecall: undefined,
      resolve: undefined,
    };
    persisters.set(state, persister);
  }
  return persister;
}

/**
 * Records the totals a session was loaded with, so that later saves send only what this process added.
 * Call once, right after the session is built from its stored record.
 */
export function markLoaded(state: LiveSession, stored: boolean): void {
  const persister = persisterOf(state);
  persister.saved = stored ? { ...state.meta.totals } : emptyTotals();
  persister.savedRecall = stored && state.meta.recall ? { ...state.meta.recall } : undefined;
}

/**
 * Sets what a save of the session does when another writer saved since the copy's version: `resolve` makes the
 * copy the stored session plus its own unsaved changes (and its version the stored one); the save is then tried
 * again. Without one, the save is made without comparing versions.
 */
export function onVersionConflict(state: LiveSession, resolve: (state: LiveSession) => Promise<void>): void {
  persisterOf(state).resolve = resolve;
}

function difference(now: SessionTotals, before: SessionTotals): SessionTotals {
  const delta = emptyTotals();
  for (const key of Object.keys(delta) as Array<keyof SessionTotals>) delta[key] = now[key] - before[key];
  return delta;
}

/**
 * Asks for the session's pending changes (history from `dirtyFrom`, pending ledger entries, meta, totals) to be
 * saved, without waiting: the returned promise settles when the save loop ends, and never rejects. Failures
 * are reported through `report` and leave the changes pending for the next save.
 */
export function persistInBackground(
  state: LiveSession,
  store: SessionStore,
  report: (error: unknown) => void,
): Promise<void> {
  const persister = persisterOf(state);
  if (persister.running) {
    persister.again = true;
    return persister.running;
  }
  const loop = async () => {
    let repaired = false;
    let conflicts = 0;
    do {
      persister.again = false;
      let failure: unknown;
      try {
        await saveOnce(state, store, persister, false, conflicts < maxConflictRounds);
        continue;
      } catch (error) {
        failure = error;
      }
      if (failure instanceof StoreVersionConflictError) {
        // Another process saved the session since this copy's version: merge, then save again.
        conflicts++;
        try {
          if (conflicts <= maxConflictRounds && persister.resolve) await persister.resolve(state);
          persister.again = true;
          continue;
        } catch (error) {
          failure = error;
        }
      }
      if (failure instanceof StoreConflictError && !repaired) {
        // The store lost writes (or another writer trimmed it): write the whole session again, once.
        repaired = true;
        try {
          await saveOnce(state, store, persister, true);
          continue;
        } catch (error) {
          failure = error;
        }
      }
      persister.failed = true;
      report(failure);
      break;
    } while (persister.again);
  };
  persister.running = loop().finally(() => {
    persister.running = undefined;
  });
  return persister.running;
}

async function saveOnce(
  state: LiveSession,
  store: SessionStore,
  persister: Persister,
  whole: boolean,
  compare = false,
): Promise<void> {
  const from = whole ? 0 : state.dirtyFrom;
  const length = state.history.length;
  const hashes = from === undefined ? [] : state.historyHashes.slice(from, length);
  const entries = state.pendingLedger.length;
  const totals = { ...state.meta.totals };
  const totalsDelta = difference(totals, persister.saved);
  const recall = state.meta.recall ? { ...state.meta.recall } : undefined;
  const ifVersion =
    compare && !whole && persister.resolve && state.storedVersion !== undefined && typeof store.version === "function"
      ? state.storedVersion
      : undefined;
  const result = await store.save(state.id, {
    meta: state.meta,
    ...(from !== undefined ? { history: { from, messages: state.history.slice(from, length), hashes } } : {}),
    ...(entries > 0 ? { ledger: state.pendingLedger.slice(0, entries) } : {}),
    totalsDelta,
    ...(whole ? { replaceTotals: true } : {}),
    ...(ifVersion !== undefined ? { ifVersion } : {}),
  });
  persister.saved = totals;
  persister.savedRecall = recall;
  persister.failed = false;
  noteSaved(state, result);
  state.pendingLedger.splice(0, entries);
  if (from === undefined || state.dirtyFrom === undefined) return;
  if (!whole && state.dirtyFrom !== from) return; // the history was rewritten further back meanwhile
  // Still dirty from the first message that differs from what was just saved (the agent may have sent more).
  let index = from;
  while (index < length && state.historyHashes[index] === hashes[index - from]) index++;
  if (index === length && state.historyHashes.length === length) delete state.dirtyFrom;
  else state.dirtyFrom = Math.min(index, state.dirtyFrom);
}

/**
 * Keeps the copy's known version after one of its own saves: when the store's version went up by exactly this
 * save, the copy is the store's latest; otherwise another process saved in between, and the copy is marked one
 * behind so that the next call refreshes it (totals then include the other process's calls).
 */
function noteSaved(state: LiveSession, result: unknown): void {
  const version = (result as { version?: unknown } | undefined)?.version;
  if (typeof version !== "number" || !Number.isSafeInteger(version)) return;
  state.storedVersion = state.storedVersion === version - 1 ? version : version - 1;
}

/** Resolves when the session's save loop (if one is under way) has ended. Never rejects. */
export function savesSettled(state: LiveSession): Promise<void> {
  return persisters.get(state)?.running ?? Promise.resolve();
}

/** True while a save of the session is under way. */
export function isSaving(state: LiveSession): boolean {
  return persisters.get(state)?.running !== undefined;
}

/**
 * Moves the save baseline onto totals read from the store (which include other processes' calls): returns the
 * session's totals on that base, that is the stored ones plus what this process added and has not saved yet.
 * Call only while no save is under way.
 */
export function rebaseTotals(state: LiveSession, stored: SessionTotals): SessionTotals {
  const persister = persisterOf(state);
  const unsaved = difference(state.meta.totals, persister.saved);
  const totals = { ...stored };
  for (const key of Object.keys(unsaved) as Array<keyof SessionTotals>) totals[key] = (totals[key] ?? 0) + unsaved[key];
  persister.saved = { ...stored };
  return totals;
}

/**
 * Like {@link rebaseTotals} for the recall totals of reversible offload: the stored ones plus what this process
 * added and has not saved yet.
 */
export function rebaseRecall(state: LiveSession, stored: RecallTotals | undefined): RecallTotals | undefined {
  const persister = persisterOf(state);
  const local = state.meta.recall;
  const saved = persister.savedRecall;
  persister.savedRecall = stored ? { ...stored } : undefined;
  if (!local) return stored ? { ...stored } : undefined;
  const merged: RecallTotals = stored ? { ...stored } : { turns: 0, answered: 0, unanswered: 0, dropped: 0, costUsd: 0 };
  for (const key of Object.keys(merged) as Array<keyof RecallTotals>) merged[key] += local[key] - (saved?.[key] ?? 0);
  return merged;
}

/** Calls this copy made that no save has carried yet. */
export function unsavedCalls(state: LiveSession): number {
  return Math.max(0, state.meta.totals.calls - persisterOf(state).saved.calls);
}

/** Runs `task` after the call without making anyone wait for it; `flush()` waits for it. Never rejects. */
export function inBackground(
  state: LiveSession,
  task: Promise<unknown>,
  report?: (error: unknown) => void,
): void {
  const { tasks } = persisterOf(state);
  const tracked = task.then(
    () => undefined,
    (error: unknown) => {
      report?.(error);
    },
  );
  tasks.add(tracked);
  tracked.then(() => tasks.delete(tracked));
}

/** Resolves when every save and background task of the session has ended. */
export async function settledInBackground(state: LiveSession): Promise<void> {
  const persister = persisters.get(state);
  if (!persister) return;
  while (persister.running || persister.tasks.size > 0) {
    await Promise.all([persister.running, ...persister.tasks]);
  }
}

/** True when nothing of the session is pending: no save or task under way, nothing unsaved. */
export function isQuiet(state: LiveSession): boolean {
  const persister = persisters.get(state);
  if (persister && (persister.running || persister.tasks.size > 0 || persister.failed)) return false;
  return state.dirtyFrom === undefined && state.pendingLedger.length === 0;
}
