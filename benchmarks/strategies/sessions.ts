/**
 * Loads the real recorded sessions of `../shared/transcripts` for the strategy benchmarks and tests: every
 * importable file, with subagent sessions flattened beside their parents, keeping those with recorded calls.
 *
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importPath } from "../../src/importers/index.js";
import type { Transcript } from "../../src/transcript/types.js";

/** The repository root (two folders above this file). */
export const repositoryRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the recorded sessions live: `../shared/transcripts` beside the repository. */
export const transcriptsFolder: string = path.resolve(repositoryRoot, "../shared/transcripts");

/** True when the recorded sessions are present. */
export function transcriptsPresent(folder: string = transcriptsFolder): boolean {
  return existsSync(folder);
}

function flatten(transcripts: readonly Transcript[]): Transcript[] {
  return transcripts.flatMap((transcript) => [transcript, ...flatten(transcript.subsessions ?? [])]);
}

/**
 * Imports the sessions under `subfolders` of `folder` (all of it when none are named), parents and subagents
 * alike, and keeps those with at least one recorded call.
 */
export async function loadSessions(
  subfolders: readonly string[] = [],
  folder: string = transcriptsFolder,
): Promise<Transcript[]> {
  const roots = subfolders.length === 0 ? [folder] : subfolders.map((name) => path.join(folder, name));
  const transcripts: Transcript[] = [];
  for (const root of roots) transcripts.push(...(await importPath(root)));
  return flatten(transcripts).filter((transcript) => transcript.calls.length > 0);
}

/** The group a session belongs to, from its file's folder under `folder` ("claude-code/marot-spotter"). */
export function groupOf(transcript: Transcript, folder: string = transcriptsFolder): string {
  const relative = path.relative(folder, path.dirname(transcript.file));
  return relative === "" ? "." : relative.split(path.sep).join("/");
}

/** The value given after `name` (e.g. `--subfolders`) on this process's command line, if any. */
export function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/**
 * True, after saying so on stdout, when the recorded sessions are absent (they live outside the repository), so
 * that a benchmark over them can stop with exit code 0.
 */
export function skipWithoutTranscripts(folder: string = transcriptsFolder): boolean {
  if (transcriptsPresent(folder)) return false;
  console.log(`skipped: ${folder} is absent (the recorded sessions live outside the repository)`);
  return true;
}
