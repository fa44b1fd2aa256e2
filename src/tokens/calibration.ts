/**
 * Per-(session, model) calibration of token estimates against the prompt tokens the provider reports.
 *
 * Model: `true ≈ ratio · estimate + offset`. `ratio` corrects the tokenizer (o200k undercounts Claude by
 * 15–35%); `offset` absorbs what the estimate never saw: a system prompt or tools the log did not keep,
 * Claude's hidden tool-use prompt, framing differences.
 *
 * Online fit, after each call with usage:
 * - `ratio` is a ratio of exponentially weighted moving averages of the increments between consecutive calls,
 *   `EWMA(Δtrue) / EWMA(|Δestimate|)`. Increments cancel the constant hidden prefix, and averaging numerator
 *   and denominator separately weights each step by its size, so small noisy steps barely move it. Steps
 *   smaller than {@link CalibrationOptions.minIncrement} or whose own ratio falls outside
 *   {@link CalibrationOptions.ratioBounds} (a changed hidden prefix, a provider-side edit) are skipped.
 * - `offset` is an EWMA of the residual `true − ratio · estimate`, so it re-anchors on the latest truth.
 *
 * The state is plain JSON ({@link CalibrationState}) so a store can keep it between processes.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import type { Usage } from "../transcript/types.js";
import { promptTokensOf } from "../usage/normalize.js";
import { checkCalibrationState } from "./calibration-state.js";

/** Serializable calibration state (plain JSON). */
export interface CalibrationState {
  version: 1;
  /** Current `ratio` (`a`). */
  ratio: number;
  /** Current `offset` (`b`), in tokens. */
  offset: number;
  /** Calls observed so far. */
  observations: number;
  /** EWMA of the true prompt increments (sign-aligned with the estimate increments). */
  trueIncrement: number;
  /** EWMA of the absolute estimate increments; 0 until the first usable increment. */
  estimateIncrement: number;
  /** The last observation, the base of the next increment. */
  last?: { estimate: number; actual: number };
}

/** Options of {@link createCalibration}. */
export interface CalibrationOptions {
  /**
   * Ratio assumed before the first usable increment (see {@link priorRatioForModel}).
   * @default 1
   */
  priorRatio?: number;
  /**
   * Weight of the newest increment in the ratio's moving averages, in (0, 1].
   * @default 0.3
   */
  ratioSmoothing?: number;
  /**
   * Weight of the newest residual in the offset's moving average, in (0, 1]; 1 anchors on the latest call.
   * @default 0.7
   */
  offsetSmoothing?: number;
  /**
   * Smallest estimate increment (tokens) that updates the ratio.
   * @default 32
   */
  minIncrement?: number;
  /**
   * Increments whose own ratio falls outside `[low, high]` do not update the ratio.
   * @default [0.5, 3]
   */
  ratioBounds?: readonly [number, number];
}

/** An online calibration for one session and model. */
export interface Calibration {
  /** Records a call: the estimate of its prompt and the truth (prompt tokens, or the reported usage). */
  observe(estimate: number, actual: number | Usage): void;
  /** The calibrated prompt size for an estimate: `max(0, round(ratio · estimate + offset))`. */
  calibrated(estimate: number): number;
  /** A calibrated size difference (tokens removed or added): `ratio · tokens`, no offset. */
  scale(tokens: number): number;
  /** Current ratio. */
  readonly ratio: number;
  /** Current offset in tokens. */
  readonly offset: number;
  /** Calls observed. */
  readonly observations: number;
  /** A copy of the state, plain JSON. */
  state(): CalibrationState;
}

/**
 * A starting ratio by model name, used until the first increments arrive: 1.2 for Claude models (o200k
 * undercounts Claude by roughly 15–35%; erring high keeps thresholds from firing late), 1 otherwise.
 */
export function priorRatioForModel(model: string | undefined): number {
  return model !== undefined && /claude/i.test(model) ? 1.2 : 1;
}

function checkFraction(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0 && value <= 1)) {
    throw new InvalidOptionError(field, "a number in (0, 1]", value);
  }
  return value;
}

function checkPositive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new InvalidOptionError(field, "a positive number", value);
  return value;
}

function checkTokens(field: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0))
    throw new InvalidOptionError(field, "a non-negative number", value);
  return value;
}

/** Creates a calibration, fresh or from a saved {@link CalibrationState}. */
export function createCalibration(options: CalibrationOptions = {}, saved?: CalibrationState): Calibration {
  const priorRatio = checkPositive("priorRatio", options.priorRatio, 1);
  const ratioSmoothing = checkFraction("ratioSmoothing", options.ratioSmoothing, 0.3);
  const offsetSmoothing = checkFraction("offsetSmoothing", options.offsetSmoothing, 0.7);
  const minIncrement = checkPositive("minIncrement", options.minIncrement, 32);
  const [low, high] = options.ratioBounds ?? [0.5, 3];
  if (!(low > 0 && high >= low && Number.isFinite(high))) {
    throw new InvalidOptionError("ratioBounds", "[low, high] with 0 < low <= high", options.ratioBounds);
  }
  const state: CalibrationState =
    saved === undefined
      ? { version: 1, ratio: priorRatio, offset: 0, observations: 0, trueIncrement: 0, estimateIncrement: 0 }
      : structuredClone(checkCalibrationState(saved));

  function updateRatio(estimate: number, actual: number): void {
    const last = state.last;
    if (last === undefined) return;
    const estimateStep = estimate - last.estimate;
    const trueStep = actual - last.actual;
    if (Math.abs(estimateStep) < minIncrement) return;
    const stepRatio = trueStep / estimateStep;
    if (stepRatio < low || stepRatio > high) return;
    const alignedTrueStep = Math.sign(estimateStep) * trueStep;
    if (state.estimateIncrement === 0) {
      state.trueIncrement = alignedTrueStep;
      state.estimateIncrement = Math.abs(estimateStep);
    } else {
      state.trueIncrement += ratioSmoothing * (alignedTrueStep - state.trueIncrement);
      state.estimateIncrement += ratioSmoothing * (Math.abs(estimateStep) - state.estimateIncrement);
    }
    state.ratio = state.trueIncrement / state.estimateIncrement;
  }

  return {
    observe(estimate, actual) {
      checkTokens("estimate", estimate);
      const truth = checkTokens("actual", typeof actual === "number" ? actual : promptTokensOf(actual));
      updateRatio(estimate, truth);
      const residual = truth - state.ratio * estimate;
      state.offset =
        state.observations === 0 ? residual : state.offset + offsetSmoothing * (residual - state.offset);
      state.observations += 1;
      state.last = { estimate, actual: truth };
    },
    calibrated: (estimate) => Math.max(0, Math.round(state.ratio * estimate + state.offset)),
    scale: (tokens) => state.ratio * tokens,
    get ratio() {
      return state.ratio;
    },
    get offset() {
      return state.offset;
    },
    get observations() {
      return state.observations;
    },
    // Plain numbers and one nested pair: a field-by-field copy (cheaper than structuredClone on every call).
    state: () => (state.last === undefined ? { ...state } : { ...state, last: { ...state.last } }),
  };
}
