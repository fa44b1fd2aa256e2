/**
 * Reading input files safely: a missing path, a FIFO, a device or a file too large to hold as one string gets
 * an {@link InputFileError} naming the path, instead of a stack trace, a hang or a V8 crash.
 *
 * @module
 */
import { constants } from "node:buffer";
import type { Stats } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { InputFileError } from "../errors.js";

/**
 * The largest transcript file compactor reads, in bytes: V8's longest string (about 512 MiB on 64-bit
 * Node). A transcript is parsed as one text, so a larger file is refused with a message saying so.
 */
export const maxTranscriptBytes: number = constants.MAX_STRING_LENGTH;

const errnoProblems: Record<string, string> = {
  ENOENT: "no such file or folder",
  ENOTDIR: "no such file or folder (a part of the path is not a folder)",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ELOOP: "a loop of symbolic links",
  EISDIR: "a folder, not a file",
  ENAMETOOLONG: "the path is too long",
};

/** Turns a Node file-system error about `file` into an {@link InputFileError}; other errors pass through. */
export function inputFileError(file: string, error: unknown): unknown {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const problem = errnoProblems[code];
  return problem === undefined ? error : new InputFileError(file, problem, { cause: error });
}

/** `stat` that throws an {@link InputFileError} naming the path. */
export async function statInput(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    throw inputFileError(path, error);
  }
}

function kindOf(info: Stats): string {
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** Checks that `info` is a regular file compactor can read whole; throws an {@link InputFileError} if not. */
export function checkReadable(file: string, info: Stats): void {
  if (info.isDirectory()) throw new InputFileError(file, "a folder, not a file");
  if (!info.isFile()) {
    throw new InputFileError(
      file,
      `${kindOf(info)}, not a regular file: compactor reads transcripts from regular files only (save the stream to a file first)`,
    );
  }
  if (info.size > maxTranscriptBytes) {
    const mib = (bytes: number) => `${Math.floor(bytes / 2 ** 20)} MiB`;
    throw new InputFileError(
      file,
      `${mib(info.size)}, more than the ${mib(maxTranscriptBytes)} compactor can read as one transcript: split it into smaller files (one session each) and pass the folder`,
    );
  }
}

/** Reads a transcript file as UTF-8 after {@link checkReadable}. */
export async function readTranscriptFile(file: string): Promise<string> {
  checkReadable(file, await statInput(file));
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw inputFileError(file, error);
  }
}
