/**
 * Importing transcript files and folders from disk.
 *
 * @module
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Transcript } from "../transcript/types.js";
import { claudeCodeParentFile } from "./claude-code.js";
import { combineOpenHandsLlmLogs } from "./openhands-llm-log.js";
import { readTranscriptFile, statInput } from "./read-input.js";
import { parseRecognisedText, parseTranscriptText } from "./registry.js";

/** Options of {@link importPath}. */
export interface ImportPathOptions {
  /**
   * Called for each file of a folder that was skipped because no importer recognises its content.
   * @default undefined (skipped silently)
   */
  onSkip?: (file: string, reason: string) => void;
  /**
   * Combine the OpenHands LiteLLM call logs of one folder into one transcript (they are the calls of one
   * session); when false each log is a one-call transcript.
   * @default true
   */
  combineLlmLogs?: boolean;
  /**
   * Attach Claude Code subagent files (`<session>__subagents__agent-*.jsonl`, `<session>/subagents/agent-*.jsonl`)
   * to their parent session's `subsessions` when the parent is imported too.
   * @default true
   */
  attachSubagents?: boolean;
}

const transcriptExtensions = [".json", ".jsonl", ".ndjson", ".traj"];
const ignoredNames =
  /^(?:licen[sc]e|readme|copying|notice|changelog)(?:\..*)?$|^results_summary\.json$|^package(?:-lock)?\.json$/i;

/** Reads one transcript file; one file may hold several sessions. */
export async function importTranscript(file: string): Promise<Transcript[]> {
  return parseTranscriptText(file, await readTranscriptFile(file));
}

function isCandidate(name: string): boolean {
  if (name.startsWith(".") || ignoredNames.test(name)) return false;
  return transcriptExtensions.some((extension) => name.endsWith(extension));
}

/**
 * Every candidate transcript file under `folder`, recursively, sorted by path (code-unit order). Symbolic
 * links are followed (to files and to folders, each real folder listed once); broken links are skipped.
 */
async function listFiles(
  folder: string,
  onSkip: ImportPathOptions["onSkip"],
  seen = new Set<string>(),
): Promise<string[]> {
  const found: string[] = [];
  const real = await realpath(folder);
  if (seen.has(real)) return found;
  seen.add(real);
  const entries = await readdir(folder, { withFileTypes: true });
  for (const entry of entries) {
    const path = join(folder, entry.name);
    const target = entry.isSymbolicLink() ? await stat(path).catch(() => undefined) : entry;
    if (target === undefined && isCandidate(entry.name)) onSkip?.(path, "a broken symbolic link");
    if (target?.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "node_modules")
        found.push(...(await listFiles(path, onSkip, seen)));
    } else if (target?.isFile() && isCandidate(entry.name)) {
      found.push(path);
    }
  }
  return found.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
}

function combineLogs(transcripts: Transcript[]): Transcript[] {
  const groups = new Map<string, Transcript[]>();
  for (const transcript of transcripts) {
    if (transcript.format !== "openhands-llm-log") continue;
    const folder = dirname(transcript.file);
    groups.set(folder, [...(groups.get(folder) ?? []), transcript]);
  }
  const result: Transcript[] = [];
  for (const transcript of transcripts) {
    const group =
      transcript.format === "openhands-llm-log" ? groups.get(dirname(transcript.file)) : undefined;
    if (group === undefined || group.length < 2) result.push(transcript);
    else if (group[0] === transcript) result.push(combineOpenHandsLlmLogs(group));
  }
  return result;
}

function attachSubagents(transcripts: Transcript[]): Transcript[] {
  const sessions = new Map<string, Transcript>();
  for (const transcript of transcripts) {
    if (transcript.format === "claude-code" && claudeCodeParentFile(transcript.file) === undefined) {
      sessions.set(transcript.file, transcript);
    }
  }
  return transcripts.filter((transcript) => {
    const parentFile =
      transcript.format === "claude-code" ? claudeCodeParentFile(transcript.file) : undefined;
    const parent = parentFile === undefined ? undefined : sessions.get(parentFile);
    if (parent === undefined) return true;
    parent.subsessions = [...(parent.subsessions ?? []), transcript];
    return false;
  });
}

/**
 * Imports a transcript file, or every transcript file under a folder (recursively, in path order). In a
 * folder, LICENSE / README / results_summary.json and files without a transcript extension are ignored,
 * and well-formed files that no importer recognises are skipped (see {@link ImportPathOptions.onSkip});
 * malformed files of a recognised kind throw.
 *
 * @throws TranscriptFormatError for a malformed transcript file.
 */
export async function importPath(
  fileOrFolder: string,
  options: ImportPathOptions = {},
): Promise<Transcript[]> {
  const info = await statInput(fileOrFolder);
  if (!info.isDirectory()) return importTranscript(fileOrFolder);
  const files = await listFiles(fileOrFolder, options.onSkip);
  const texts = await Promise.all(files.map((file) => readTranscriptFile(file)));
  let transcripts: Transcript[] = [];
  files.forEach((file, index) => {
    const text = texts[index] ?? "";
    const read = parseRecognisedText(file, text);
    if (read === undefined) options.onSkip?.(file, "no importer recognises its content");
    else transcripts.push(...read);
  });
  if (options.combineLlmLogs !== false) transcripts = combineLogs(transcripts);
  if (options.attachSubagents !== false) transcripts = attachSubagents(transcripts);
  return transcripts;
}
