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
