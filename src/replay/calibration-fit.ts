/**
 * A fixed token calibration for a replay, fitted once on the transcript's recorded prompt sizes, so that every
 * strategy of a replay sees the same token counts.
 *
 * @module
 */
import { linearCalibration, type Calibration } from "../session/calibration-state.js";
import type { TokenCounter } from "../session/token-counter.js";
import type { Transcript } from "../transcript/types.js";

/**
 * Fits `recorded ≈ a · estimate + b` by least squares over the calls with recorded usage, where `estimate` is
 * the o200k estimate of the call's visible prompt (system, tools, messages) and `b` absorbs what the log did not
 * keep (Claude Code's system prompt and tools, the provider's hidden tool prompt). With fewer than two
 * usable calls: `a = 1` and `b` from the one call, or no correction at all.
 */
export function fitCalibration(
  transcript: Transcript,
  tokens: TokenCounter,
  fixedEstimate: number,
): Calibration {
  const points: Array<[number, number]> = [];
  const prefix: number[] = [0];
  for (const message of transcript.messages) prefix.push((prefix.at(-1) ?? 0) + tokens.countMessage(message));
  for (const call of transcript.calls) {
    if (!call.usage) continue;
    const recorded =
      call.usage.inputTokens +
      call.usage.cacheReadTokens +
      call.usage.cacheWrite5mTokens +
      call.usage.cacheWrite1hTokens;
    if (recorded <= 0) continue;
    const estimate = fixedEstimate + (prefix[call.promptEnd] ?? 0) - (prefix[call.promptStart] ?? 0);
    points.push([estimate, recorded]);
  }
  if (points.length === 0) return linearCalibration(1, 0);
  if (points.length === 1) {
    const [estimate, recorded] = points[0] as [number, number];
    return linearCalibration(1, Math.max(0, recorded - estimate));
  }
  const count = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / count;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / count;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  let slope = variance > 0 ? covariance / variance : 1;
  slope = Math.min(2.5, Math.max(0.5, slope));
  const offset = Math.max(0, meanY - slope * meanX);
  return linearCalibration(slope, offset);
}
