/**
 * Locates the recorded sessions in ../shared/transcripts (beside the repository) for tests that read them.
 * They are never copied into the repository; tests skip, saying why, when the folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repositoryRoot = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** `<repo>/../shared/transcripts`. */
export const transcriptsFolder = path.resolve(repositoryRoot, "../shared/transcripts");

/** True when the shared transcripts are missing: use with `describe.skipIf`. */
export const transcriptsMissing = !existsSync(transcriptsFolder);

/** Why the tests were skipped, for the describe title. */
export const skipReason = transcriptsMissing ? ` (skipped: ${transcriptsFolder} is absent)` : "";

/** A path inside the shared transcripts folder. */
export function transcriptPath(...parts: string[]): string {
  return path.join(transcriptsFolder, ...parts);
}

/** Files of one sub-folder whose names end with `suffix`, sorted. */
export function transcriptFiles(folder: string, suffix: string): string[] {
  if (transcriptsMissing) return [];
  return readdirSync(transcriptPath(folder))
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => transcriptPath(folder, name));
}

/** Raw JSON as the tests read it, to count things independently of the importers. */
// biome-ignore lint/suspicious/noExplicitAny: raw JSON of recorded sessions, inspected field by field in tests
export type RawJson = any;

/** The parsed JSON of a file. */
export function readJson(file: string): RawJson {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** The parsed records of a JSONL file. */
export function readJsonLines(file: string): RawJson[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}
