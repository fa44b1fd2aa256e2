/**
 * A fixed token calibration for a replay, fitted once on the transcript's recorded prompt sizes, so that every
 * strategy of a replay sees the same token counts.
 *
 * @module
 */
import { type Calibration, linearCalibration } from "../session/calibration-state.js";
import type { TokenCounter } from "../session/token-counter.js";
import type { Transcript } from "../transcript/types.js";
import { historyEpochs } from "./transcript-steps.js";

/** Slopes outside this range are clamped: the estimate is o200k, no provider's tokenizer is that far off. */
const minimumSlope = 0.5;
const maximumSlope = 2.5;

function clampSlope(slope: number): number {
  return Math.min(maximumSlope, Math.max(minimumSlope, slope));
}

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
  return fitEpochCalibrations(transcript, tokens, fixedEstimate)[0] ?? linearCalibration(1, 0);
}

/**
 * One calibration per history epoch (see {@link historyEpochs}): a common slope `a` and an offset `b` of each
 * epoch's own. What the log did not keep changes where the recorded agent rewrote its history: a log that
 * starts in the middle of a resumed session hides the earlier history until the first compaction drops it,
 * and an agent re-injects its context (Claude Code's CLAUDE.md and reminders) after each compaction. One
 * offset for the whole session trades slope for offset and misprices every cache rewrite; the slope is
 * therefore fitted within epochs (least squares with an intercept per epoch). Index `e` is epoch `e`.
 */
export function fitEpochCalibrations(
  transcript: Transcript,
  tokens: TokenCounter,
  fixedEstimate: number,
): Calibration[] {
  const epochs = historyEpochs(transcript);
  const epochCount = (epochs.at(-1) ?? 0) + 1;
  const points: Array<Array<[number, number]>> = Array.from({ length: epochCount }, () => []);
  const prefix: number[] = [0];
  for (const message of transcript.messages) prefix.push((prefix.at(-1) ?? 0) + tokens.countMessage(message));
  transcript.calls.forEach((call, index) => {
    if (!call.usage) return;
    const recorded =
      call.usage.inputTokens +
      call.usage.cacheReadTokens +
      call.usage.cacheWrite5mTokens +
      call.usage.cacheWrite1hTokens;
    if (recorded <= 0) return;
    const estimate = fixedEstimate + (prefix[call.promptEnd] ?? 0) - (prefix[call.promptStart] ?? 0);
    points[epochs[index] ?? 0]?.push([estimate, recorded]);
  });
  const all = points.flat();
  if (all.length === 0) return points.map(() => linearCalibration(1, 0));
  if (all.length === 1) {
    const [estimate, recorded] = all[0] as [number, number];
    return points.map(() => linearCalibration(1, Math.max(0, recorded - estimate)));
  }
  let covariance = 0;
  let variance = 0;
  const means = points.map((epoch) => {
    if (epoch.length === 0) return undefined;
    const meanX = epoch.reduce((sum, [x]) => sum + x, 0) / epoch.length;
    const meanY = epoch.reduce((sum, [, y]) => sum + y, 0) / epoch.length;
    for (const [x, y] of epoch) {
      covariance += (x - meanX) * (y - meanY);
      variance += (x - meanX) ** 2;
    }
    return [meanX, meanY] as const;
  });
  const slope = clampSlope(variance > 0 ? covariance / variance : 1);
  // An epoch without usable calls borrows the offset of the nearest earlier one (else the first that has one).
  const firstKnown = means.find((mean) => mean !== undefined) as readonly [number, number];
  let last = firstKnown;
  return means.map((mean) => {
    if (mean !== undefined) last = mean;
    const [meanX, meanY] = last;
    return linearCalibration(slope, Math.max(0, meanY - slope * meanX));
  });
}
