/**
 * Validation of a saved {@link CalibrationState}: a state read back from a store is checked field by field
 * before it is trusted, and the error names the field and what was expected.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import type { CalibrationState } from "./calibration.js";

function finite(field: string, value: unknown, minimum: number | undefined): number {
  if (typeof value !== "number" || !Number.isFinite(value) || (minimum !== undefined && value < minimum)) {
    const expected = minimum === undefined ? "a finite number" : `a finite number >= ${minimum}`;
    throw new InvalidOptionError(field, expected, value);
  }
  return value;
}

/** Returns `value` typed as a {@link CalibrationState}, or throws {@link InvalidOptionError} naming the field. */
export function checkCalibrationState(value: unknown): CalibrationState {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidOptionError("state", "a calibration state object", value);
  }
  const state = value as Record<string, unknown>;
  if (state.version !== 1) throw new InvalidOptionError("state.version", "1", state.version);
  const ratio = finite("state.ratio", state.ratio, 0);
  if (ratio === 0) throw new InvalidOptionError("state.ratio", "a positive number", ratio);
  finite("state.offset", state.offset, undefined);
  const observations = finite("state.observations", state.observations, 0);
  if (!Number.isInteger(observations)) {
    throw new InvalidOptionError("state.observations", "a non-negative integer", observations);
  }
  finite("state.trueIncrement", state.trueIncrement, undefined);
  finite("state.estimateIncrement", state.estimateIncrement, 0);
  if (state.last !== undefined) {
    if (typeof state.last !== "object" || state.last === null) {
      throw new InvalidOptionError("state.last", "an object { estimate, actual } or absent", state.last);
    }
    const last = state.last as Record<string, unknown>;
    finite("state.last.estimate", last.estimate, 0);
    finite("state.last.actual", last.actual, 0);
  }
  return value as CalibrationState;
}
