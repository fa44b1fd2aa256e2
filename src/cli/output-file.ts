/**
 * Checking an output path before a long run, so that a typo fails in a second rather than after the work.
 *
 * @module
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InputFileError } from "../errors.js";
import { inputFileError } from "./fs-errors.js";

/**
 * Throws an {@link InputFileError} naming `file` when it cannot be written: its folder is missing or not
 * writable, or it is a folder itself or a read-only file.
 */
export function checkWritable(file: string): void {
  const folder = dirname(resolve(file));
  let folderInfo: ReturnType<typeof statSync>;
  try {
    folderInfo = statSync(folder);
  } catch (error) {
    const known = inputFileError(folder, error);
    if (known instanceof InputFileError) throw new InputFileError(file, `cannot be written: its folder ${folder} does not exist`);
    throw known;
  }
  if (!folderInfo.isDirectory()) throw new InputFileError(file, `cannot be written: ${folder} is not a folder`);
  let info: ReturnType<typeof statSync> | undefined;
  try {
    info = statSync(file);
  } catch {
    info = undefined;
  }
  if (info?.isDirectory()) throw new InputFileError(file, "is a folder: give the name of a file to write");
  try {
    accessSync(info === undefined ? folder : file, constants.W_OK);
  } catch {
    throw new InputFileError(file, `cannot be written: permission denied${info === undefined ? ` in ${folder}` : ""}`);
  }
}
