/**
 * Errors of the stores and of everything else that keeps shared state in them (the budget ledger).
 *
 * @module
 */
import { CompactorError } from "../errors.js";

/**
 * The store could not be reached or did not answer in time (Redis down, connection refused, command timeout).
 * The original error is kept as `cause`.
 */
export class StoreUnavailableError extends CompactorError {
  override name = "StoreUnavailableError";
  /** Which store: `redis`. */
  readonly store: string;
  /** What was being done: `save session "task-42"`, `reserve budget`, ... */
  readonly operation: string;

  constructor(store: string, operation: string, options: { cause: unknown }) {
    super(`The ${store} store is unavailable (${operation}): ${describeCause(options.cause)}`, options);
    this.store = store;
    this.operation = operation;
  }
}

/**
 * A session change does not fit the stored state: its history starts past the end of the stored history,
 * which means another writer changed the session in between (or the caller lost track of it).
 */
export class StoreConflictError extends CompactorError {
  override name = "StoreConflictError";
  readonly sessionId: string;
  /** Index the change's history starts at. */
  readonly from: number;
  /** Length of the stored history. */
  readonly storedLength: number;

  constructor(sessionId: string, from: number, storedLength: number) {
    super(
      `Session "${sessionId}": the change's history starts at message ${from} but the store holds ${storedLength}; ` +
        "expected `history.from` to be at most the stored length (another writer may have changed the session).",
    );
    this.sessionId = sessionId;
    this.from = from;
    this.storedLength = storedLength;
  }
}

/**
 * A session change was made on a copy of the session older than the stored one: it names the version it was
 * made on (`SessionChange.ifVersion`), and another writer (another process serving the same session at the same
 * instant) saved since. Nothing was written; the writer reloads the session, merges its own unsaved calls into it
 * and saves again (the runtime does this by itself).
 */
export class StoreVersionConflictError extends CompactorError {
  override name = "StoreVersionConflictError";
  readonly sessionId: string;
  /** The version the change was made on. */
  readonly expectedVersion: number;
  /** The stored version. */
  readonly storedVersion: number;

  constructor(sessionId: string, expectedVersion: number, storedVersion: number) {
    super(
      `Session "${sessionId}": the change was made on version ${expectedVersion} but the store holds version ${storedVersion}; ` +
        "expected them to be equal (another writer saved the session since: reload, merge and save again).",
    );
    this.sessionId = sessionId;
    this.expectedVersion = expectedVersion;
    this.storedVersion = storedVersion;
  }
}

/** A stored value cannot be read back: names the key and what was expected there. */
export class StoreDataError extends CompactorError {
  override name = "StoreDataError";
  readonly key: string;
  readonly expected: string;

  constructor(key: string, expected: string, options?: { cause?: unknown }) {
    super(`Stored value at "${key}" is not ${expected}`, options);
    this.key = key;
    this.expected = expected;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
