/**
 * A tiny RequestHandler for the wrapper tests: records every request and outcome, and can rewrite params,
 * throw from prepare or from settle.
 */

import type { CallOutcome, OutgoingRequest, RequestHandler } from "../../src/wrapper/index.js";

export interface RecordingHandlerOptions {
  /** Returns the params to send; the default sends the user's object itself. */
  rewrite?: (params: Record<string, unknown>) => Record<string, unknown>;
  /** prepare() rejects. */
  prepareFails?: boolean;
  /** settle() throws synchronously ("sync") or rejects ("async"). */
  settleFails?: "sync" | "async";
}

export interface RecordingHandler extends RequestHandler {
  requests: OutgoingRequest[];
  outcomes: CallOutcome[];
  /** The only outcome so far; fails the test when there is not exactly one. */
  onlyOutcome(): CallOutcome;
  /**
   * The only outcome, once the call has settled (compactor reads its own copy of the response, so a call settles
   * when the provider's answer ends, a moment after the caller got it).
   */
  outcome(): Promise<CallOutcome>;
}

export function recordingHandler(options: RecordingHandlerOptions = {}): RecordingHandler {
  const requests: OutgoingRequest[] = [];
  const outcomes: CallOutcome[] = [];
  return {
    requests,
    outcomes,
    onlyOutcome() {
      if (outcomes.length !== 1) throw new Error(`expected exactly one outcome, got ${outcomes.length}`);
      return outcomes[0] as CallOutcome;
    },
    async outcome() {
      for (let waited = 0; outcomes.length === 0 && waited < 5_000; waited += 5) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      return this.onlyOutcome();
    },
    async prepare(request) {
      requests.push(request);
      if (options.prepareFails) throw new Error("prepare failed on purpose");
      const params = options.rewrite ? options.rewrite(request.params) : request.params;
      return {
        params,
        settle(outcome) {
          outcomes.push(outcome);
          if (options.settleFails === "sync") throw new Error("settle failed on purpose");
          if (options.settleFails === "async") return Promise.reject(new Error("settle rejected on purpose"));
          return Promise.resolve();
        },
      };
    },
  };
}

/** A fixed clock, so that two test servers answer byte-identical bodies. */
export const fixedClock = (): number => Date.UTC(2025, 0, 1);
