import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { measureSession, median } from "../../benchmarks/tokens/prompt-accuracy.js";
import { importPath } from "../../src/importers/index.js";
import { createTokenEstimator } from "../../src/tokens/index.js";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const transcripts = path.resolve(repositoryRoot, "../shared/transcripts");
const missing = !existsSync(transcripts);
const reason = missing ? ` (skipped: ${transcripts} is absent)` : "";

const sessions = [
  "mini-swe-agent/django__django-11815.traj.json",
  "mini-swe-agent/sympy__sympy-24661.traj.json",
  "claude-code/sniffly/ba79134d-b6e9-4867-af0c-6941038c9e4b.jsonl",
];

describe.skipIf(missing)(`calibrated estimates on recorded sessions${reason}`, () => {
  it("predict the recorded prompt tokens of calls 4+ within 3% (median), better than the raw o200k estimate", async () => {
    const estimator = createTokenEstimator();
    for (const session of sessions) {
      const [transcript] = await importPath(path.join(transcripts, session));
      if (transcript === undefined) throw new Error(`no transcript in ${session}`);
      const result = measureSession(transcript, estimator, 3);
      expect(result.judged.length, session).toBeGreaterThan(10);
      const calibrated = median(result.judged.map((call) => call.relativeError));
      const raw = median(
        result.judged.map((call) => Math.abs(call.estimate - call.recorded) / call.recorded),
      );
      expect(calibrated, session).toBeLessThan(0.03);
      expect(raw, session).toBeGreaterThan(calibrated);
    }
  });
});
