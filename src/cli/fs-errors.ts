/**
 * File-system errors of the CLI's own paths (an output file, a strategy module) as {@link InputFileError}s
 * naming the path, instead of a stack trace.
 *
 * @module
 */
import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { InputFileError } from "../errors.js";

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
