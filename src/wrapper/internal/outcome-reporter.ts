/**
 * Reports how one call ended to its prepared request, exactly once, timed from the moment the request was
 * handed to the SDK. Whatever `settle` does (throw, reject) never reaches the user's call.
 *
 * @module
 */

import type { CallOutcome, PreparedRequest } from "../contract.js";

/** Settles one prepared request. */
export class OutcomeReporter {
  readonly #prepared: PreparedRequest | undefined;
  readonly #startedAt: number;
  #settled = false;

  /** `prepared` is undefined when the handler failed to prepare: then there is nothing to settle. */
  constructor(prepared: PreparedRequest | undefined, startedAt: number = performance.now()) {
    this.#prepared = prepared;
    this.#startedAt = startedAt;
  }

  /** True once an outcome was reported (or there is nothing to report to). */
  get settled(): boolean {
    return this.#settled || this.#prepared === undefined;
  }

  /** The call returned a complete body. */
  response(response: unknown): void {
    this.#settle({ kind: "response", response, durationMs: this.#elapsed() });
  }

  /** The caller's read of a streamed body ended; `completed` is false when it broke off or stopped early. */
  stream(events: unknown[], completed: boolean): void {
    this.#settle({ kind: "stream", events, completed, durationMs: this.#elapsed() });
  }

  /** The call failed: `error` is what the SDK threw, unchanged. */
  error(error: unknown): void {
    this.#settle({ kind: "error", error, durationMs: this.#elapsed() });
  }

  #elapsed(): number {
    return performance.now() - this.#startedAt;
  }

  #settle(outcome: CallOutcome): void {
    if (this.settled) return;
    this.#settled = true;
    const prepared = this.#prepared as PreparedRequest;
    try {
      const result: unknown = prepared.settle(outcome);
      if (typeof (result as Promise<void> | undefined)?.then === "function") {
        (result as Promise<void>).then(undefined, () => {});
      }
    } catch {
      // settle must never make the user's call fail.
    }
  }
}
