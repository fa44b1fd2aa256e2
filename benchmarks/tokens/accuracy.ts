/**
 * Accuracy of calibrated prompt-token estimates on real recorded sessions (../shared/transcripts): the
 * mini-swe-agent sessions (Gemini 3 Pro) and the Claude Code sessions (Claude Opus 4.6, Sonnet 4), main
 * sessions and subagents. Each session calibrates on its first 3 calls; every later call is predicted before
 * its usage is seen (calibration keeps learning online, as in the library) and judged against the recorded
 * prompt tokens. Target: median absolute relative error under 3%. For comparison it also reports the raw o200k
 * error and the error of a calibration frozen after the first 3 calls.
 *
 * Run: `npx tsx benchmarks/tokens/accuracy.ts [--json] [files or folders]`
 *
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderTable } from "../../src/cli/table.js";
import { importPath } from "../../src/importers/index.js";
import { createTokenEstimator } from "../../src/tokens/index.js";
import type { Transcript } from "../../src/transcript/types.js";
import { measureSession, median, quantile, type SessionAccuracy } from "./prompt-accuracy.js";

const calibrationCalls = 3;
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const sharedTranscripts = path.resolve(repositoryRoot, "../shared/transcripts");
const defaultSources = [
  path.join(sharedTranscripts, "mini-swe-agent"),
  path.join(sharedTranscripts, "claude-code"),
];

const argumentsGiven = process.argv.slice(2);
const jsonOnly = argumentsGiven.includes("--json");
const sources = argumentsGiven.filter((argument) => argument !== "--json");
const inputs = sources.length > 0 ? sources : defaultSources;
const missing = inputs.filter((input) => !existsSync(input));
if (missing.length > 0) {
  console.error(
    `accuracy: not found: ${missing.join(", ")} (the recorded sessions live in ../shared/transcripts)`,
  );
  process.exit(1);
}

/** Main sessions and their subagents, each with enough calls to judge. */
function flatten(transcripts: readonly Transcript[]): Transcript[] {
  return transcripts.flatMap((transcript) => [transcript, ...flatten(transcript.subsessions ?? [])]);
}

const estimator = createTokenEstimator();
const sessions: SessionAccuracy[] = [];
for (const input of inputs) {
  for (const transcript of flatten(await importPath(input))) {
    const result = measureSession(transcript, estimator, calibrationCalls);
    if (result.judged.length > 0) sessions.push(result);
  }
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
const allErrors = sessions.flatMap((session) => session.judged.map((call) => call.relativeError));
const rawErrors = sessions.flatMap((session) =>
  session.judged.map((call) => Math.abs(call.estimate - call.recorded) / call.recorded),
);
const frozenErrors = sessions.flatMap((session) => session.judged.map((call) => call.frozenRelativeError));
const byFormat = [...new Set(sessions.map((session) => session.format))].map((format) => {
  const errors = sessions
    .filter((session) => session.format === format)
    .flatMap((session) => session.judged.map((call) => call.relativeError));
  return { format, judgedCalls: errors.length, medianError: median(errors), p90Error: quantile(errors, 0.9) };
});
const summary = {
  benchmark: "tokens/accuracy",
  calibrationCalls,
  sessions: sessions.length,
  judgedCalls: allErrors.length,
  medianError: median(allErrors),
  p90Error: quantile(allErrors, 0.9),
  medianOfSessionMedians: median(
    sessions.map((session) => median(session.judged.map((call) => call.relativeError))),
  ),
  uncalibratedMedianError: median(rawErrors),
  frozenMedianError: median(frozenErrors),
  frozenP90Error: quantile(frozenErrors, 0.9),
  byFormat,
  perSession: sessions.map((session) => ({
    id: session.id,
    format: session.format,
    model: session.model,
    judgedCalls: session.judged.length,
    medianError: median(session.judged.map((call) => call.relativeError)),
    p90Error: quantile(
      session.judged.map((call) => call.relativeError),
      0.9,
    ),
    frozenMedianError: median(session.judged.map((call) => call.frozenRelativeError)),
    ratio: Number(session.finalRatio.toFixed(4)),
    offset: Math.round(session.finalOffset),
    estimateMs: Number(session.estimateMs.toFixed(1)),
  })),
};

if (!jsonOnly) {
  console.log(
    renderTable(summary.perSession, [
      { heading: "session", cell: (row) => row.id.slice(0, 48), align: "left" },
      { heading: "format", cell: (row) => row.format, align: "left" },
      { heading: "model", cell: (row) => row.model.replace(/^.*\//, ""), align: "left" },
      { heading: "judged", cell: (row) => String(row.judgedCalls) },
      { heading: "median err", cell: (row) => percent(row.medianError) },
      { heading: "p90 err", cell: (row) => percent(row.p90Error) },
      { heading: "frozen err", cell: (row) => percent(row.frozenMedianError) },
      { heading: "ratio", cell: (row) => row.ratio.toFixed(3) },
      { heading: "offset", cell: (row) => String(row.offset) },
      { heading: "estimate ms", cell: (row) => row.estimateMs.toFixed(1) },
    ]),
  );
  console.log();
  for (const group of byFormat) {
    console.log(
      `${group.format}: ${group.judgedCalls} calls judged, median ${percent(group.medianError)}, p90 ${percent(group.p90Error)}`,
    );
  }
  console.log(
    `total: ${summary.sessions} sessions, ${summary.judgedCalls} calls judged; median error ${percent(summary.medianError)} ` +
      `(p90 ${percent(summary.p90Error)}, median of session medians ${percent(summary.medianOfSessionMedians)}; ` +
      `uncalibrated o200k ${percent(summary.uncalibratedMedianError)}); target < 3%`,
  );
  console.log(
    `calibration frozen after ${calibrationCalls} calls (no online learning): median ${percent(summary.frozenMedianError)}, ` +
      `p90 ${percent(summary.frozenP90Error)}`,
  );
}
console.log(JSON.stringify(summary));
// The target printed above: a median error of 3% or more fails the run.
if (!(summary.medianError < 0.03)) process.exitCode = 1;
