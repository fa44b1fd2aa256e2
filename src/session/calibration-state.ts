/**
 * The token calibration as the runtime uses it: estimates (o200k) mapped onto the provider's counts, learnt
 * per session from the usage each response reports.
 *
 * @module
 */
import {
  type Calibration as OnlineCalibration,
  type CalibrationState,
  createCalibration,
  priorRatioForModel,
} from "../tokens/index.js";
import type { LiveSession } from "./live-session.js";

/** Estimate → provider tokens. */
export interface Calibration {
  /** A size difference or a single message: `ratio · tokens`. */
  scale(tokens: number): number;
  /** A whole prompt: `ratio · estimate + offset` (the offset absorbs hidden prompt parts). */
  predict(estimate: number): number;
}

/** A fixed linear calibration. */
export function linearCalibration(ratio: number, offset: number): Calibration {
  return { scale: (tokens) => ratio * tokens, predict: (estimate) => Math.max(0, ratio * estimate + offset) };
}

const online = new WeakMap<LiveSession, OnlineCalibration>();

function onlineOf(state: LiveSession): OnlineCalibration {
  let calibration = online.get(state);
  if (!calibration) {
    const saved = state.meta.calibration as CalibrationState | undefined;
    try {
      calibration = createCalibration({ priorRatio: priorRatioForModel(state.meta.model) }, saved);
    } catch {
      calibration = createCalibration({ priorRatio: priorRatioForModel(state.meta.model) });
    }
    online.set(state, calibration);
  }
  return calibration;
}

/** The view of each online calibration, made once (it reads the calibration's current state). */
const views = new WeakMap<OnlineCalibration, Calibration>();

/** The session's current calibration. */
export function calibrationOf(state: LiveSession): Calibration {
  const calibration = onlineOf(state);
  let view = views.get(calibration);
  if (!view) {
    view = {
      scale: (tokens) => calibration.scale(tokens),
      predict: (estimate) => calibration.calibrated(estimate),
    };
    views.set(calibration, view);
  }
  return view;
}

/** Records a call's estimated and reported prompt tokens, and keeps the state in the session's meta. */
export function recordCalibration(
  state: LiveSession,
  _model: string,
  estimate: number,
  actual: number,
): void {
  const calibration = onlineOf(state);
  calibration.observe(estimate, actual);
  state.meta.calibration = calibration.state();
}

/** Drops the in-memory calibration, so that it is rebuilt from `meta.calibration` (after a refresh from the store). */
export function forgetCalibration(state: LiveSession): void {
  online.delete(state);
}
