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
