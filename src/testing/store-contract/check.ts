/**
 * What one contract check is, and the helpers the checks share.
 *
 * @module
 */
import { StoreConflictError, StoreVersionConflictError } from "../../store/errors.js";
import type { SessionRecord, SessionStore } from "../../store/types.js";
import { ContractViolation, ensure, ensureEqual, outcome, show } from "./compare.js";

/** What a check needs beyond the store itself; without it the check is skipped. */
export type CheckNeed = "versions" | "responseLinks" | "peer";

/** What a check is given: a fresh, empty store. */
export interface CheckContext {
  store: SessionStore;
  /** Another instance on the same data (another process), when the caller can open one. */
  peer(): Promise<SessionStore | undefined>;
  /** The store counts versions (the caller did not pass `versions: false`). */
  versions: boolean;
}

/** One rule of the contract. */
export interface ContractCheck {
  /** Stable id: `round-trip`, `cas-stale`, ... */
  id: string;
  /** The rule, as a sentence. */
  title: string;
  /** What breaks in compactor when a store does not keep it. */
  why: string;
  /** What it needs beyond the store; without one of them it is skipped. */
  needs?: CheckNeed[];
  run(context: CheckContext): Promise<void>;
}

/** Loads `sessionId` and insists it is there. */
export async function loaded(store: SessionStore, sessionId: string): Promise<SessionRecord> {
  const record = await store.load(sessionId);
  ensure(
    typeof record === "object" && record !== null,
    `load("${sessionId}") after a save: expected the session, got ${show(record)}`,
  );
  return record;
}

/**
 * A snapshot of the record's data as the runtime reads it (the version left out), for before/after comparisons:
 * a copy, since a store's load may return an object the store changes later.
 */
export function dataOf(record: SessionRecord | undefined): unknown {
  if (!record) return record;
  return structuredClone({
    meta: record.meta,
    history: record.history,
    historyHashes: record.historyHashes,
    ledger: record.ledger,
  });
}

/** Insists that `promise` (a save) rejects with compactor's `StoreVersionConflictError` and the right fields. */
export async function ensureVersionConflict(
  promise: Promise<unknown>,
  sessionId: string,
  expectedVersion: number,
  storedVersion: number,
  what: string,
): Promise<void> {
  const result = await outcome(promise);
  ensure(
    !result.ok,
    `${what}: expected the save to reject with StoreVersionConflictError (the store holds version ${storedVersion}, ` +
      `the change says \`ifVersion: ${expectedVersion}\`), but it resolved with ${show(result.ok && result.value)}: ` +
      "the store ignores `ifVersion`",
  );
  const error = (result as { error: unknown }).error;
  ensureClass(error, StoreVersionConflictError, "StoreVersionConflictError", what);
  ensureEqual(
    {
      sessionId: (error as StoreVersionConflictError).sessionId,
      expectedVersion: (error as StoreVersionConflictError).expectedVersion,
      storedVersion: (error as StoreVersionConflictError).storedVersion,
    },
    { sessionId, expectedVersion, storedVersion },
    `${what}: the StoreVersionConflictError's fields`,
  );
}

/** Insists that `promise` (a save) rejects with compactor's `StoreConflictError` and the right fields. */
export async function ensureHistoryConflict(
  promise: Promise<unknown>,
  sessionId: string,
  from: number,
  storedLength: number,
  what: string,
): Promise<void> {
  const result = await outcome(promise);
  ensure(
    !result.ok,
    `${what}: expected the save to reject with StoreConflictError (its history starts at message ${from}, the store ` +
      `holds ${storedLength}), but it resolved with ${show(result.ok && result.value)}`,
  );
  const error = (result as { error: unknown }).error;
  ensureClass(error, StoreConflictError, "StoreConflictError", what);
  ensureEqual(
    {
      sessionId: (error as StoreConflictError).sessionId,
      from: (error as StoreConflictError).from,
      storedLength: (error as StoreConflictError).storedLength,
    },
    { sessionId, from, storedLength },
    `${what}: the StoreConflictError's fields`,
  );
}

function ensureClass(
  error: unknown,
  type: abstract new (...args: never[]) => unknown,
  name: string,
  what: string,
): void {
  if (error instanceof type) return;
  if (error instanceof Error && error.name === name) {
    throw new ContractViolation(
      `${what}: the store rejected with a ${name} from another copy of compactor; the runtime recognises only the ` +
        'class of the compactor it runs (import it from the same "compactor" package your application uses)',
    );
  }
  throw new ContractViolation(`${what}: expected a ${name} (exported by "compactor"), got ${show(error)}`);
}
