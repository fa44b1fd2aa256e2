/**
 * Reading the sessions a command was given: every path is read, and files that cannot be read are listed with
 * the reason instead of aborting the whole run.
 *
 * @module
 */
import { CompactorError } from "../errors.js";
import { importPathWithSkips } from "../importers/index.js";
import { inputFileError } from "./fs-errors.js";
import type { Transcript } from "../transcript/types.js";

/** A file (or path) that was not read, and why. */
export interface SkippedInput {
  file: string;
  /** What was wrong, with the place in the file when known: `at line 3: expected valid JSON (...)`. */
  reason: string;
}

/** What {@link readSessions} read and what it skipped. */
export interface ReadSessionsResult {
  transcripts: Transcript[];
  skipped: SkippedInput[];
}

/** A message without the `<file>: ` it starts with (the list names the file already). */
function withoutFile(file: string, message: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

function skippedOf(path: string, error: CompactorError): SkippedInput {
  const file = "file" in error && typeof error.file === "string" ? error.file : path;
  return { file, reason: withoutFile(file, error.message) };
}

/**
 * Imports each path (a file or a folder). A path or file compactor cannot read (missing, not a regular file,
 * malformed, of no known format) is recorded in `skipped` with the reason; other paths are still read.
 */
export async function readSessions(paths: readonly string[]): Promise<ReadSessionsResult> {
  const transcripts: Transcript[] = [];
  const skipped: SkippedInput[] = [];
  for (const path of paths) {
    try {
      const read = await importPathWithSkips(path);
      transcripts.push(...read.transcripts);
      for (const entry of read.skipped) skipped.push({ file: entry.file, reason: withoutFile(entry.file, entry.message) });
    } catch (error) {
      // A file-system error deeper in a folder (a subfolder that may not be read) names its own path.
      const where = typeof error === "object" && error !== null && "path" in error ? String(error.path) : path;
      const known = inputFileError(where, error);
      if (!CompactorError.isInstance(known)) throw error;
      skipped.push(skippedOf(path, known));
    }
  }
  return { transcripts, skipped };
}

/** Writes the skipped files, at most `limit` of them, one per line. */
export function describeSkipped(skipped: readonly SkippedInput[], limit = 20): string {
  if (skipped.length === 0) return "";
  const lines = skipped.slice(0, limit).map((entry) => `  ${entry.file}: ${entry.reason}\n`);
  const more = skipped.length > limit ? `  … and ${skipped.length - limit} more (--json lists them all)\n` : "";
  return `compactor: skipped ${plural(skipped.length, "file")}:\n${lines.join("")}${more}`;
}

/** `1 session`, `2 sessions`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? noun : nouns}`;
}

/** The models the calls of these sessions were made with (each call's own, else its session's), for output. */
export function pricedModels(transcripts: readonly Transcript[], limit = 6): string {
  const models = new Set<string>();
  const visit = (transcript: Transcript) => {
    for (const call of transcript.calls) {
      const model = call.model ?? transcript.model;
      if (model !== undefined) models.add(model);
    }
    for (const sub of transcript.subsessions ?? []) visit(sub);
  };
  for (const transcript of transcripts) visit(transcript);
  const names = [...models].sort();
  if (names.length === 0) return "none recorded";
  return names.length > limit ? `${names.slice(0, limit).join(", ")} and ${names.length - limit} more` : names.join(", ");
}
