/**
 * Session stores with one deliberate flaw each, for the contract kit's own tests: a correct in-process store
 * (records kept as objects, every save copied) that a flaw changes in one place.
 *
 * @module
 */
import { StoreConflictError, StoreVersionConflictError } from "../../src/store/errors.js";
import type { SessionChange, SessionRecord, SessionStore, SessionTotals } from "../../src/store/types.js";

/** The flaws a {@link flawedStore} can have. */
export type Flaw =
  | "none"
  /** Applies every save, whatever its `ifVersion`. */
  | "ignores-if-version"
  /** Checks the version, waits, then writes: two racing saves both pass the check. */
  | "non-atomic-cas"
  /** Leaves `meta.calibration` out of what it writes (a column nobody added). */
  | "drops-calibration"
  /** Keeps the caller's meta object and adds deltas into its totals in place. */
  | "keeps-caller-meta"
  /** Reads all sessions, waits, writes all sessions back (one shared file): concurrent saves overwrite each other. */
  | "read-modify-write"
  /** Takes `meta.totals` as they are, ignoring `totalsDelta`. */
  | "takes-meta-totals"
  /** Appends a history that starts past the stored end (the memory store before this branch). */
  | "appends-past-end"
  /** Merges the new meta into the stored one instead of replacing it. */
  | "merges-meta"
  /** Has no `version()` method. */
  | "no-version"
  /** Counts each save twice. */
  | "version-steps-2"
  /** Rejects a stale save with an error that only looks like compactor's (another copy of the package). */
  | "foreign-conflict-error"
  /** Writes the ledger entries, then checks `ifVersion`. */
  | "writes-before-cas"
  /** `delete` removes the meta but leaves the ledger behind. */
  | "delete-keeps-ledger"
  /** Answers `null` for a session it never saved. */
  | "null-for-unknown"
  /** `list` never answers. */
  | "hangs-on-list"
  /** `load` returns the store's own live record (which later saves change). */
  | "shared-load";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** A store with `flaws`. Without one (`"none"`) it keeps the contract. */
export function flawedStore(...flaws: Flaw[]): SessionStore {
  const has = (flaw: Flaw) => flaws.includes(flaw);
  let sessions = new Map<string, SessionRecord>();
  const replies = new Map<string, string>();
  const copy = <T>(value: T): T => structuredClone(value);

  const save = async (sessionId: string, change: SessionChange) => {
    let all = sessions;
    if (has("read-modify-write")) {
      all = new Map(copy([...sessions]));
      await tick();
    }
    const stored = all.get(sessionId);
    const version = stored?.version ?? 0;
    if (has("writes-before-cas") && stored && change.ledger) stored.ledger.push(...copy(change.ledger));
    if (change.ifVersion !== undefined && !has("ignores-if-version") && change.ifVersion !== version) {
      const error = new StoreVersionConflictError(sessionId, change.ifVersion, version);
      if (!has("foreign-conflict-error")) throw error;
      const { sessionId: id, expectedVersion, storedVersion } = error;
      throw Object.assign(new Error(error.message), {
        name: "StoreVersionConflictError",
        sessionId: id,
        expectedVersion,
        storedVersion,
      });
    }
    if (has("non-atomic-cas")) await tick();
    const record: SessionRecord = stored ?? {
      meta: change.meta,
      history: [],
      historyHashes: [],
      ledger: [],
      version: 0,
    };
    if (change.history) {
      const { from, messages, hashes } = change.history;
      if (from > record.history.length && !has("appends-past-end")) {
        throw new StoreConflictError(sessionId, from, record.history.length);
      }
      record.history = [...record.history.slice(0, from), ...copy(messages)];
      record.historyHashes = [...record.historyHashes.slice(0, from), ...hashes];
    }
    const add = stored !== undefined && change.totalsDelta !== undefined && !change.replaceTotals;
    if (has("keeps-caller-meta")) {
      if (add) addInto(stored.meta.totals, change.totalsDelta as SessionTotals);
      const totals = add ? stored.meta.totals : change.meta.totals;
      change.meta.totals = totals;
      record.meta = change.meta;
    } else {
      const totals =
        add && !has("takes-meta-totals")
          ? addInto(copy(stored.meta.totals), change.totalsDelta as SessionTotals)
          : copy(change.meta.totals);
      const meta =
        has("merges-meta") && stored ? { ...stored.meta, ...copy(change.meta) } : copy(change.meta);
      if (has("drops-calibration")) delete meta.calibration;
      record.meta = { ...meta, totals };
    }
    if (change.ledger && !has("writes-before-cas")) record.ledger.push(...copy(change.ledger));
    else if (change.ledger && !stored) record.ledger.push(...copy(change.ledger));
    record.version = (record.version ?? 0) + (has("version-steps-2") ? 2 : 1);
    all.set(sessionId, record);
    sessions = all;
    return { version: record.version };
  };

  const store: SessionStore = {
    name: `flawed:${flaws.join("+")}`,
    async load(sessionId) {
      const record = sessions.get(sessionId);
      if (!record) return has("null-for-unknown") ? (null as unknown as undefined) : undefined;
      return has("shared-load") ? record : copy(record);
    },
    async version(sessionId) {
      return sessions.get(sessionId)?.version ?? 0;
    },
    save,
    async delete(sessionId) {
      const record = sessions.get(sessionId);
      sessions.delete(sessionId);
      if (has("delete-keeps-ledger") && record) {
        leftovers.set(sessionId, record.ledger);
      }
    },
    async list() {
      if (has("hangs-on-list")) await new Promise(() => {});
      return [...sessions.keys()];
    },
    async linkResponse(responseId, sessionId) {
      replies.set(responseId, sessionId);
    },
    async responseSession(responseId) {
      return replies.get(responseId);
    },
  };
  // A delete that leaves the ledger behind: the next first save of the id finds it again.
  const leftovers = new Map<string, SessionRecord["ledger"]>();
  if (has("delete-keeps-ledger")) {
    store.save = async (sessionId, change) => {
      const left = leftovers.get(sessionId);
      const result = await save(sessionId, change);
      if (left) {
        leftovers.delete(sessionId);
        sessions.get(sessionId)?.ledger.unshift(...left);
      }
      return result;
    };
  }
  if (has("no-version")) delete store.version;
  return store;
}

function addInto(totals: SessionTotals, delta: SessionTotals): SessionTotals {
  for (const key of Object.keys(delta) as Array<keyof SessionTotals>) totals[key] += delta[key];
  return totals;
}
