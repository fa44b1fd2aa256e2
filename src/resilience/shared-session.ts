/**
 * Sessions that several processes serve: proxies behind a load balancer, one proxy per developer, or wrapped
 * clients, all on one store (Redis). Each process keeps its own copy of a session between calls; the store
 * counts the saves of each session (its version). Before every call a process reads that version (one small
 * read, with a short timeout): when it is newer than the version its copy was built from, another process
 * served the session since, and the copy is refreshed from the store before anything is decided. So the
 * checkpoint another process made is sent again byte for byte (the provider's cache keeps hitting), and the
 * totals, call numbers and calibration go on from where that process left them.
 *
 * Never a stall: the version read and the reload each wait a bounded time, and a store that did not answer in
 * time is not asked again until that read has answered (a frozen Redis costs one timeout, not one per call);
 * meanwhile calls go on with the local copy. What this process added and has not saved yet is kept through a
 * refresh (its totals are added to the stored ones; its ledger entries and history stay pending).
 *
 * Two processes serving one session at the same instant: each save names the version its copy was built on, and
 * the store refuses it when another process saved since (compare-and-set, resilience/background). The refused
 * process reloads the session and merges (see {@link adoptStored}): totals, call counts, recall totals and spend
 * add up, ledger entries are kept, and the checkpoint kept is the one the kept history fits (the stored one when
 * both do, so that every process converges on it); the other is kept whole as an alternate, which a later
 * request of its conversation goes on through. Then it saves again. No extra store round trip on the common
 * path: the version travels with the save that was made anyway.
 *
 * @module
 */
import { forgetCalibration } from "../session/calibration-state.js";
import type { LiveSession } from "../session/live-session.js";
import { forgetCounterfactual } from "../session/shadow-cache.js";
import type { SessionRecord, SessionStore } from "../store/types.js";
import type { Message } from "../transcript/types.js";
import { isSaving, rebaseRecall, rebaseTotals, savesSettled, unsavedCalls } from "./background.js";
import { mergeCheckpoints } from "../session/alternates.js";
import { mergeRecallExchanges } from "../session/recall.js";
import { boundedWait, WaitAbandonedError } from "./wait.js";

/** How long a call waits for the stored version of its session, by default. */
export const defaultStoreCheckTimeoutMs = 250;

/** Checks a session copy against the store. */
export interface SessionSync {
  /**
   * The stored record when it is newer than `state`'s copy (and the copy can take it now: no save of its own
   * under way); undefined otherwise, or when the store is slow or down (reported, never thrown).
   */
  newer(state: LiveSession, signal?: AbortSignal): Promise<SessionRecord | undefined>;
}

/** A {@link SessionSync} on `store`: the version read waits at most `checkTimeoutMs`, the reload `loadTimeoutMs`. */
export function sessionSync(
  store: SessionStore,
  options: { checkTimeoutMs: number; loadTimeoutMs: number; report: (sessionId: string, error: unknown) => void },
): SessionSync {
  /** A read that timed out and has not answered yet: until it does, the store is not waited for again. */
  let stalled: Promise<unknown> | undefined;
  const bounded = async <T>(
    task: Promise<T>,
    what: string,
    timeoutMs: number,
    sessionId: string,
    signal: AbortSignal | undefined,
  ): Promise<T | undefined> => {
    try {
      return await boundedWait(task, what, timeoutMs, signal);
    } catch (error) {
      if (error instanceof WaitAbandonedError && error.reason === "timeout") {
        const settled = task.then(
          () => undefined,
          () => undefined,
        );
        stalled = settled;
        void settled.then(() => {
          if (stalled === settled) stalled = undefined;
        });
      }
      if (!(error instanceof WaitAbandonedError && error.reason === "aborted")) options.report(sessionId, error);
      return undefined;
    }
  };

  return {
    async newer(state, signal) {
      if (typeof store.version !== "function" || stalled !== undefined) return undefined;
      const saving = isSaving(state);
      let check: Promise<number>;
      try {
        check = Promise.resolve(store.version(state.id));
      } catch (error) {
        options.report(state.id, error);
        return undefined;
      }
      // The in-memory store answers at once: no timer for it (the wrapper's default path stays as cheap as before).
      const version =
        store.name === "memory"
          ? await check.catch(() => undefined)
          : await bounded(
              check,
              `reading the version of session "${state.id}" from the ${store.name} store`,
              options.checkTimeoutMs,
              state.id,
              signal,
            );
      // While its own save is under way, that save alone may have moved the version one step.
      if (version === undefined || version === 0 || version <= (state.storedVersion ?? -1) + (saving ? 1 : 0)) {
        return undefined;
      }
      if (isSaving(state)) {
        // Another process saved meanwhile: this copy takes the stored session once its own save has ended (that
        // save merges the other's by itself when the store refuses it, see resilience/background).
        await bounded(
          savesSettled(state),
          `waiting for this process's save of session "${state.id}" to the ${store.name} store`,
          options.loadTimeoutMs,
          state.id,
          signal,
        );
        if (isSaving(state) || version <= (state.storedVersion ?? -1)) return undefined;
      }
      const record = await bounded(
        store.load(state.id),
        `reloading session "${state.id}" from the ${store.name} store`,
        options.loadTimeoutMs,
        state.id,
        signal,
      );
      return record ?? undefined;
    },
  };
}

/**
 * Makes `state` the stored `record` plus what this process has not saved yet: the stored totals, call count and
 * recall totals plus this process's unsaved ones; its pending ledger entries (numbered after the stored calls);
 * the history that is the agent's latest (this copy's when it has unsaved messages, unless the stored one extends
 * it); and the checkpoint the kept history fits (see `mergeCheckpoints`; the other is kept as an alternate).
 * Caches built from the old copy (token counts of changed messages, the checkpoint's raw form, calibration, the
 * counterfactual's cache model) are rebuilt when the history changes. Does nothing when the copy has caught up
 * meanwhile, or while a save is under way (unless `duringSave`: the save loop's own merge after a version
 * conflict). Call inside the session's queue.
 */
export function adoptStored(
  state: LiveSession,
  record: SessionRecord,
  count: (message: Message) => number,
  duringSave = false,
): boolean {
  const version = record.version ?? 0;
  if (version <= (state.storedVersion ?? -1) && !duringSave) return false;
  if (isSaving(state) && !duringSave) return false;
  const local = state.meta;
  const stored = record.meta;
  const unsaved = unsavedCalls(state);
  const totals = rebaseTotals(state, stored.totals);
  const recall = rebaseRecall(state, stored.recall);

  // The history: this copy's unsaved one is the agent's latest, unless the stored one extends it.
  let common = 0;
  const limit = Math.min(state.historyHashes.length, record.historyHashes.length);
  while (common < limit && state.historyHashes[common] === record.historyHashes[common]) common++;
  const keepLocalHistory =
    state.dirtyFrom !== undefined && !(common === state.historyHashes.length && record.historyHashes.length > common);
  const meta = structuredClone(keepLocalHistory ? local : stored);
  if (keepLocalHistory) {
    state.dirtyFrom = Math.min(state.dirtyFrom ?? common, common);
  } else {
    const tokens: number[] = [];
    for (let index = 0; index < record.history.length; index++) {
      const same = state.historyHashes[index] === record.historyHashes[index];
      tokens.push(same ? (state.historyTokens[index] as number) : count(record.history[index] as Message));
    }
    replaceAll(state.history, record.history);
    replaceAll(state.historyHashes, record.historyHashes);
    replaceAll(state.historyTokens, tokens);
    delete state.dirtyFrom;
  }
  meta.totals = totals;
  const exchanges = mergeRecallExchanges(stored.recallExchanges, local.recallExchanges);
  if (exchanges) meta.recallExchanges = exchanges;
  else delete meta.recallExchanges;
  if (recall) meta.recall = recall;
  else delete meta.recall;
  // Calls this copy made and has not saved yet are numbered after the stored ones.
  const shift = stored.calls - (local.calls - unsaved);
  meta.calls = stored.calls + unsaved;
  if (shift !== 0) for (const entry of state.pendingLedger) entry.callIndex += shift;
  // The last call's answer (a thread or Responses chain continues from it): the later of the two.
  const latest = (stored.lastCallAt ?? 0) > (local.lastCallAt ?? 0) ? stored : local;
  for (const key of ["lastCallAt", "lastUsage", "lastResponse"] as const) {
    if (latest[key] === undefined) delete meta[key];
    else (meta as unknown as Record<string, unknown>)[key] = structuredClone(latest[key]);
  }
  meta.updatedAt = Math.max(stored.updatedAt, local.updatedAt);
  mergeCheckpoints(meta, local, stored, state.historyHashes);

  if (state.rawReplacement?.checkpointId !== meta.checkpoint?.id) state.rawReplacement = undefined;
  state.meta = meta;
  state.lastRaw = undefined;
  state.historySum = undefined;
  state.historySumDirtyFrom = 0;
  state.storedVersion = version;
  if (!keepLocalHistory) {
    forgetCalibration(state);
    forgetCounterfactual(state);
  }
  return true;
}

/** Replaces an array's content in place (others may hold the array). */
function replaceAll<T>(target: T[], source: readonly T[]): void {
  target.length = 0;
  for (const item of source) target.push(item);
}
