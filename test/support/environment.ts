/**
 * What the test run is missing from its environment, said once at the top of vitest's output (the global
 * setup prints it): vitest's default reporter shows skipped tests only as counts, not why they skipped.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const repositoryRoot = resolve(import.meta.dirname, "../..");

/**
 * The recorded sessions tests read; `COMPACTOR_TRANSCRIPTS_DIR` points elsewhere (a test of this note uses a
 * missing folder).
 */
export const transcriptsDir = process.env.COMPACTOR_TRANSCRIPTS_DIR ?? resolve(repositoryRoot, "../shared/transcripts");

function onPath(name: string): boolean {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() !== "";
  } catch {
    return false;
  }
}

/** One line per missing piece: what is absent, which tests skip, how to get it. */
export function environmentNotes(
  present: { transcripts: boolean; redis: boolean; chromium: boolean } = {
    transcripts: existsSync(transcriptsDir),
    redis: onPath("redis-server"),
    chromium: ["chromium", "chromium-browser", "google-chrome"].some(onPath),
  },
): string[] {
  const notes: string[] = [];
  if (!present.transcripts)
    notes.push(
      `${transcriptsDir} is absent: the tests on recorded sessions skip (their titles say "skipped"); put the shared transcripts beside the repository to run them`,
    );
  if (!present.redis) notes.push("redis-server is not installed: the Redis store and budget tests skip (apt-get install redis-server)");
  if (!present.chromium) notes.push("chromium is not installed: the HTML report screenshot tests skip (apt-get install chromium)");
  return notes;
}
