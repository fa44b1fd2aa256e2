/**
 * Importing transcript files and folders from disk.
 *
 * A folder is read whole: one empty, truncated, malformed or unreadable file does not stop it. Every file
 * that was not imported is reported with a typed reason ({@link SkippedFile}), through
 * {@link ImportPathOptions.onSkip} and in the list {@link importPathWithSkips} returns; `strict` turns the
 * first bad file into an error instead. A file named directly is either imported or an error.
 *
 * @module
 */
import { type lstat, readdir, readFile, realpath, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CompactorError, TranscriptFormatError } from "../errors.js";
import type { Transcript } from "../transcript/types.js";
import { claudeCodeParentFile } from "./claude-code.js";
import { attachEntireCheckpoint, entireTranscriptFile, isEntireMetadataDocument } from "./entire-metadata.js";
import { isObject, type JsonObject } from "./internal/reader.js";
import { combineOpenHandsLlmLogs } from "./openhands-llm-log.js";
import { parseRecognisedText, parseTranscriptText } from "./registry.js";

/**
 * A transcript path could not be read from disk: it does not exist, is not a regular file or folder (a FIFO,
 * a socket, a device), is too large to read, or the system refused (permissions).
 */
export class TranscriptReadError extends CompactorError {
  override name = "TranscriptReadError";
  /** The path given or found. */
  readonly file: string;
  /** Why, in a few words: `no such file or folder`, `not a regular file (a FIFO)`, ... */
  readonly reason: string;
  /** The system error code, when the system gave one (`ENOENT`, `EACCES`, ...). */
  readonly code: string | undefined;

  constructor(file: string, reason: string, options?: { cause?: unknown; code?: string }) {
    super(
      `${file}: cannot read: ${reason}`,
      options?.cause !== undefined ? { cause: options.cause } : undefined,
    );
    this.file = file;
    this.reason = reason;
    this.code = options?.code;
  }
}

/**
 * Why a file of a folder was not imported:
 * - `unrecognised`: well-formed JSON / JSONL that no importer recognises;
 * - `empty`: nothing but whitespace (a session that has not written its first line yet);
 * - `malformed`: a JSON syntax error, a truncated last line, or a record of a known format with the wrong
 *   shape ({@link SkippedFile.error} is the {@link TranscriptFormatError}, naming the line and JSON path);
 * - `unreadable`: the system refused it, or it is not a regular file, or it is too large
 *   ({@link SkippedFile.error} is a {@link TranscriptReadError});
 * - `orphan-sidecar`: an Entire checkpoint `.metadata.json` whose transcript is not beside it.
 */
export type SkipReason = "unrecognised" | "empty" | "malformed" | "unreadable" | "orphan-sidecar";

/** A file of a folder that was not imported, and why. */
export interface SkippedFile {
  /** The file's path (under the folder given). */
  file: string;
  reason: SkipReason;
  /** One sentence for people: what is wrong, where in the file when known. */
  message: string;
  /** The typed error behind a `malformed` or `unreadable` skip. */
  error?: TranscriptFormatError | TranscriptReadError | CompactorError;
}

/** What {@link importPathWithSkips} read. */
export interface ImportPathResult {
  /** The sessions read, in path order (subagents attached to their parents, LLM logs combined). */
  transcripts: Transcript[];
  /** Every candidate file that was not imported, in path order. Empty for a single file. */
  skipped: SkippedFile[];
}

/** Options of {@link importPath}. */
export interface ImportPathOptions {
  /**
   * Called for each file of a folder that was not imported (see {@link SkipReason}), in path order:
   * `reason` is {@link SkippedFile.message}; `skipped` gives the typed reason and error.
   * @default undefined (only {@link importPathWithSkips} lists them)
   */
  onSkip?: (file: string, reason: string, skipped: SkippedFile) => void;
  /**
   * Throw on the first malformed, empty or unreadable file of a folder instead of skipping it (unrecognised
   * files and orphan sidecars are still skipped).
   * @default false
   */
  strict?: boolean;
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
/** The longest file read as text: V8's string limit (2^29 − 24 UTF-16 units) bounds a UTF-8 read too. */
const maximumFileBytes = 2 ** 29 - 24;

function kindOf(info: {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (info.isFIFO()) return "a FIFO";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  return "not a regular file";
}

function systemReason(error: unknown): { reason: string; code: string | undefined } {
  const code = isObject(error) && typeof error.code === "string" ? error.code : undefined;
  const reasons: Record<string, string> = {
    ENOENT: "no such file or folder",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EISDIR: "is a folder",
    ELOOP: "too many symbolic links (a loop)",
  };
  const message = error instanceof Error ? error.message : String(error);
  return { reason: (code !== undefined ? reasons[code] : undefined) ?? message, code };
}

function readError(file: string, error: unknown): TranscriptReadError {
  if (error instanceof TranscriptReadError) return error;
  const { reason, code } = systemReason(error);
  return new TranscriptReadError(file, reason, { cause: error, ...(code !== undefined ? { code } : {}) });
}

/** Reads a file's text after checking it is a regular file of a readable size (a FIFO would block). */
async function readText(file: string): Promise<string> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (error) {
    throw readError(file, error);
  }
  if (info.isDirectory()) throw new TranscriptReadError(file, "is a folder");
  if (!info.isFile()) throw new TranscriptReadError(file, `not a regular file (${kindOf(info)})`);
  if (info.size > maximumFileBytes) {
    throw new TranscriptReadError(
      file,
      `too large (${info.size} bytes; at most ${maximumFileBytes} can be read as text)`,
    );
  }
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw readError(file, error);
  }
}

/**
 * Reads one transcript file; one file may hold several sessions.
 *
 * @throws TranscriptReadError when the file cannot be read (missing, not a regular file, too large).
 * @throws TranscriptFormatError when it is empty, malformed or in no known format.
 */
export async function importTranscript(file: string): Promise<Transcript[]> {
  return parseTranscriptText(file, await readText(file));
}

function isCandidate(name: string): boolean {
  if (name.startsWith(".") || ignoredNames.test(name)) return false;
  return transcriptExtensions.some((extension) => name.endsWith(extension));
}

/** A listed path: a candidate file, or an entry that could not be examined. */
type Listed = { file: string } | { file: string; error: TranscriptReadError };

/**
 * Every candidate transcript file under `folder`, recursively, sorted by path (code-unit order). Symbolic links
 * are followed (to files and folders; a folder reached twice, through a loop, is read once); a link that leads
 * nowhere is listed with its error.
 */
async function listFiles(folder: string, seen: Set<string>): Promise<Listed[]> {
  const found: Listed[] = [];
  const entries = await readdir(folder, { withFileTypes: true });
  for (const entry of entries) {
    const path = join(folder, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = await stat(path);
        isDirectory = target.isDirectory();
        isFile = !isDirectory;
      } catch (error) {
        if (isCandidate(entry.name)) found.push({ file: path, error: readError(path, error) });
        continue;
      }
    } else if (!isDirectory && !isFile) {
      // FIFOs, sockets, devices with a transcript's name: reported, never opened.
      isFile = true;
    }
    if (isDirectory) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const real = await realpath(path).catch(() => path);
      if (seen.has(real)) continue;
      seen.add(real);
      found.push(...(await listFiles(path, seen)));
    } else if (isFile && isCandidate(entry.name)) {
      found.push({ file: path });
    }
  }
  return found.sort((left, right) => (left.file < right.file ? -1 : left.file > right.file ? 1 : 0));
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

/** An Entire sidecar's parsed content, when `file` is one. */
function sidecarOf(file: string, text: string): JsonObject | undefined {
  if (!file.endsWith(".metadata.json")) return undefined;
  try {
    const document: unknown = JSON.parse(text);
    return isEntireMetadataDocument(file, document) ? (document as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

function skipOf(file: string, error: unknown): SkippedFile {
  if (error instanceof TranscriptReadError)
    return { file, reason: "unreadable", message: error.message, error };
  if (error instanceof TranscriptFormatError) {
    const empty = /got an empty file|a transcript, got an empty file/.test(error.expected);
    return { file, reason: empty ? "empty" : "malformed", message: error.message, error };
  }
  if (CompactorError.isInstance(error)) return { file, reason: "malformed", message: error.message, error };
  throw error;
}

/**
 * Imports a transcript file, or every transcript file under a folder (recursively, in path order, following
 * symbolic links), and says which files of the folder were not imported and why. In a folder, LICENSE /
 * README / results_summary.json and files without a transcript extension are ignored (not listed); Entire
 * checkpoint sidecars (`*.metadata.json`) are attached to the transcript beside them
 * (`metadata.entireCheckpoint`); every other file that cannot be imported is skipped and listed (see
 * {@link SkipReason}), unless `strict`.
 *
 * @throws TranscriptReadError when the path itself cannot be read (missing, a FIFO, too large).
 * @throws TranscriptFormatError for a file named directly that is not a readable transcript, and for the
 * first bad file of a folder with `strict`.
 */
export async function importPathWithSkips(
  fileOrFolder: string,
  options: ImportPathOptions = {},
): Promise<ImportPathResult> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await stat(fileOrFolder);
  } catch (error) {
    throw readError(fileOrFolder, error);
  }
  if (!info.isDirectory()) return { transcripts: await importTranscript(fileOrFolder), skipped: [] };
  const listed = await listFiles(fileOrFolder, new Set([await realpath(fileOrFolder)]));
  const texts = await Promise.all(
    listed.map((entry) =>
      "error" in entry
        ? Promise.resolve(entry.error)
        : readText(entry.file).catch((error: unknown) => readError(entry.file, error)),
    ),
  );
  const files = new Set(listed.map((entry) => entry.file));
  const skipped: SkippedFile[] = [];
  const skip = (entry: SkippedFile): void => {
    if (options.strict && entry.reason !== "unrecognised" && entry.reason !== "orphan-sidecar")
      throw entry.error ?? new TranscriptFormatError(entry.file, "$", entry.message);
    skipped.push(entry);
    options.onSkip?.(entry.file, entry.message, entry);
  };
  let transcripts: Transcript[] = [];
  const sidecars = new Map<string, JsonObject>();
  listed.forEach((entry, index) => {
    const { file } = entry;
    const text = texts[index];
    if (typeof text !== "string") {
      skip(skipOf(file, text));
      return;
    }
    const sidecar = sidecarOf(file, text);
    if (sidecar !== undefined) {
      const transcriptFile = entireTranscriptFile(file);
      if (files.has(transcriptFile)) sidecars.set(transcriptFile, sidecar);
      else
        skip({
          file,
          reason: "orphan-sidecar",
          message: `${file}: an Entire checkpoint sidecar whose transcript (${transcriptFile}) is not beside it`,
        });
      return;
    }
    let read: Transcript[] | undefined;
    try {
      read = parseRecognisedText(file, text);
    } catch (error) {
      skip(skipOf(file, error));
      return;
    }
    if (read === undefined)
      skip({ file, reason: "unrecognised", message: `${file}: no importer recognises its content` });
    else transcripts.push(...read);
  });
  for (const transcript of transcripts) {
    const sidecar = sidecars.get(transcript.file);
    if (sidecar !== undefined) attachEntireCheckpoint(transcript, sidecar);
  }
  if (options.combineLlmLogs !== false) transcripts = combineLogs(transcripts);
  if (options.attachSubagents !== false) transcripts = attachSubagents(transcripts);
  return { transcripts, skipped };
}

/**
 * Imports a transcript file, or every transcript file under a folder; {@link importPathWithSkips} without the
 * list of skipped files (pass `onSkip` to hear of them).
 *
 * @throws TranscriptReadError when the path itself cannot be read.
 * @throws TranscriptFormatError for a file named directly that is not a readable transcript, and for the
 * first bad file of a folder with `strict`.
 */
export async function importPath(
  fileOrFolder: string,
  options: ImportPathOptions = {},
): Promise<Transcript[]> {
  return (await importPathWithSkips(fileOrFolder, options)).transcripts;
}
