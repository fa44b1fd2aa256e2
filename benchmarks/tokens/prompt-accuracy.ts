/**
 * Replays one recorded session's calls through the estimator and an online calibration, the way the
 * library runs them: the estimate of each call's prompt is made before its usage is known, judged against
 * the recorded prompt tokens, and then the usage is fed to the calibration.
 *
 * @module
 */
import {
  createCalibration,
  createSessionCounter,
  priorRatioForModel,
  type TokenEstimator,
} from "../../src/tokens/index.js";
import type { Transcript } from "../../src/transcript/types.js";
import { promptTokensOf } from "../../src/usage/normalize.js";

/** One call with recorded usage. */
export interface CallAccuracy {
  /** Index of the call among the session's calls with usage. */
  call: number;
  recorded: number;
  /** Raw o200k estimate of the visible prompt. */
  estimate: number;
  /** Calibrated prediction, made before this call's usage was observed. */
  predicted: number;
  /** |predicted − recorded| / recorded. */
  relativeError: number;
  /** The same error with a calibration frozen after the calibration calls (no online learning). */
  frozenRelativeError: number;
}

/** Result of one session. */
export interface SessionAccuracy {
  id: string;
  format: string;
  model: string;
  calls: CallAccuracy[];
  /** Calls judged (those after the calibration calls). */
  judged: CallAccuracy[];
  finalRatio: number;
  finalOffset: number;
  /** Milliseconds spent estimating (counting), calibration excluded. */
  estimateMs: number;
}

/** Median of a list (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A quantile in [0, 1] by nearest rank (NaN when empty). */
export function quantile(values: readonly number[], share: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Replays a session; calls `[0, calibrationCalls)` only calibrate, later calls are judged and calibrate. */
export function measureSession(
  transcript: Transcript,
  estimator: TokenEstimator,
  calibrationCalls: number,
): SessionAccuracy {
  const counter = createSessionCounter({ estimator });
  const calibration = createCalibration({ priorRatio: priorRatioForModel(transcript.model) });
  const frozen = createCalibration({ priorRatio: priorRatioForModel(transcript.model) });
  const calls: CallAccuracy[] = [];
  let estimateMs = 0;
  for (const call of transcript.calls) {
    if (call.usage === undefined) continue;
    const recorded = promptTokensOf(call.usage);
    if (recorded <= 0) continue;
    const started = performance.now();
    const estimate =
      estimator.countSystem(transcript.system) +
      estimator.countTools(transcript.tools) +
      counter.count(transcript.messages.slice(call.promptStart, call.promptEnd)).total;
    estimateMs += performance.now() - started;
    const predicted = calibration.calibrated(estimate);
    calls.push({
      call: calls.length,
      recorded,
      estimate,
      predicted,
      relativeError: Math.abs(predicted - recorded) / recorded,
      frozenRelativeError: Math.abs(frozen.calibrated(estimate) - recorded) / recorded,
    });
    calibration.observe(estimate, recorded);
    if (calls.length <= calibrationCalls) frozen.observe(estimate, recorded);
  }
  return {
    id: transcript.id,
    format: transcript.format,
    model: transcript.model ?? "unknown",
    calls,
    judged: calls.slice(calibrationCalls),
    finalRatio: calibration.ratio,
    finalOffset: calibration.offset,
    estimateMs,
  };
}
