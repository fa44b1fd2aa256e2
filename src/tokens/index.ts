/**
 * Token estimation: o200k counts of neutral requests (memoised per message, incremental per session) and
 * their per-session calibration against the usage providers report.
 *
 * @module
 */
export {
  type Calibration,
  type CalibrationOptions,
  type CalibrationState,
  createCalibration,
  priorRatioForModel,
} from "./calibration.js";
export { checkCalibrationState } from "./calibration-state.js";
export { opaqueCharactersPerToken, toolBlockOverhead } from "./counting-rules.js";
export {
  createTokenEstimator,
  getDefaultTokenEstimator,
  type TokenEstimator,
  type TokenEstimatorOptions,
  type TokenEstimatorStats,
} from "./estimator.js";
export {
  createSessionCounter,
  type SessionCounter,
  type SessionCounterOptions,
  type SessionCountResult,
} from "./session-counter.js";
export {
  countO200kTokens,
  isO200kLoaded,
  maxPieceLength,
  o200kTokenizer,
  type TextTokenizer,
} from "./text-tokenizer.js";
