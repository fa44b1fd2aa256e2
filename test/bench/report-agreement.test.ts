import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { importPath } from "../../src/importers/index.js";
import { catalog } from "../../src/replay/catalog.js";
import { replayTranscript } from "../../src/replay/replay.js";
import { reportSession } from "../../src/report/report.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import type { Transcript } from "../../src/transcript/types.js";
import { sharedTranscripts, transcriptsPresent } from "../support/cli.js";

// Replays every recorded Claude Code session: seconds alone, much longer on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const none = catalog.find((spec) => spec.name === "none");

function family(transcript: Transcript): Transcript[] {
  return [transcript, ...(transcript.subsessions ?? []).flatMap(family)];
}

describe.skipIf(!transcriptsPresent)(
  "replaying no compaction agrees with `compactor report` (needs ../shared/transcripts/claude-code)",
  () => {
    it("is within 5% of the recorded bill for every Claude Code session (subagents included), at the recorded prices", async () => {
      if (!none) throw new Error("the catalog has no `none` strategy");
      const sessions = await importPath(join(sharedTranscripts, "claude-code"));
      expect(sessions.length).toBeGreaterThanOrEqual(6);
      const tokens = defaultTokenCounter();
      let replayedTotal = 0;
      let recordedTotal = 0;
      for (const session of sessions) {
        const recorded = reportSession(session).costUsd;
        expect(recorded, session.id).not.toBeNull();
        let replayed = 0;
        for (const part of family(session)) {
          if (part.calls.length === 0) continue;
          const result = await replayTranscript(part, { strategy: none, tokens });
          expect(result.costUsd, part.id).not.toBeNull();
          replayed += result.costUsd ?? 0;
        }
        const error = Math.abs(replayed - (recorded ?? 0)) / (recorded ?? 1);
        expect(
          error,
          `${session.id}: replay $${replayed.toFixed(4)} vs report $${recorded?.toFixed(4)}`,
        ).toBeLessThan(0.05);
        replayedTotal += replayed;
        recordedTotal += recorded ?? 0;
      }
      expect(Math.abs(replayedTotal - recordedTotal) / recordedTotal).toBeLessThan(0.03);
    });

    it("replays the recorded prompt sizes and outputs: calibration keeps prompt tokens within 1%", async () => {
      if (!none) throw new Error("the catalog has no `none` strategy");
      const sessions = await importPath(join(sharedTranscripts, "claude-code"));
      const tokens = defaultTokenCounter();
      for (const session of sessions) {
        const report = reportSession({ ...session, subsessions: [] });
        const result = await replayTranscript(session, { strategy: none, tokens });
        expect(result.outputTokens, session.id).toBe(report.outputTokens);
        expect(
          Math.abs(result.promptTokens - report.promptTokens) / report.promptTokens,
          session.id,
        ).toBeLessThan(0.01);
      }
    });
  },
);
