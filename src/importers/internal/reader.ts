/**
 * Typed reading of untrusted JSON with precise errors: every failure is a {@link TranscriptFormatError} naming
 * the file, the line (JSONL) and the JSON path (`$.messages[3].content`), and what was expected.
 *
 * @module
 */
import { describeValue, ProviderFormatError, TranscriptFormatError } from "../../errors.js";

/** A plain JSON object. */
export type JsonObject = Record<string, unknown>;

/** Where values come from: the file and, for JSONL, the 1-based line. */
export interface Source {
  file: string;
  line?: number;
}

/** `line 12, $.message` for JSONL sources, `$.message` otherwise. */
export function locate(source: Source, path: string): string {
  return source.line === undefined ? path : `line ${source.line}, ${path}`;
}

/** Throws a {@link TranscriptFormatError} at `path` saying what was expected and what was found. */
export function fail(source: Source, path: string, expected: string, received: unknown): never {
  throw new TranscriptFormatError(
    source.file,
    locate(source, path),
    `${expected}, got ${describeValue(received)}`,
  );
}

/** True for a non-null, non-array object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value as an object, or a typed error. */
export function readObject(value: unknown, source: Source, path: string): JsonObject {
  if (!isObject(value)) fail(source, path, "an object", value);
  return value;
}

/** The value as an array, or a typed error. */
export function readArray(value: unknown, source: Source, path: string): unknown[] {
  if (!Array.isArray(value)) fail(source, path, "an array", value);
  return value;
}

/** The value as a string, or a typed error. */
export function readString(value: unknown, source: Source, path: string): string {
  if (typeof value !== "string") fail(source, path, "a string", value);
  return value;
}

/** The value as a string when present (`undefined` and `null` give `undefined`), or a typed error. */
export function readOptionalString(value: unknown, source: Source, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  return readString(value, source, path);
}

/** The value as a finite number when present, or a typed error. Numeric strings are accepted. */
export function readOptionalNumber(value: unknown, source: Source, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number)) fail(source, path, "a number", value);
  return number;
}

/**
 * Milliseconds since the epoch from an ISO 8601 string (a time without zone is UTC, as Python writes it) or
 * from a number of seconds (or of milliseconds, for numbers past 1e11). `undefined` when absent; a typed error when unreadable.
 */
export function readTimestamp(value: unknown, source: Source, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isFinite(value)) {
    // Seconds (Python's time.time(), OpenAI `created`); values past 1e11 are already milliseconds.
    return value > 1e11 ? Math.round(value) : Math.round(value * 1000);
  }
  if (typeof value === "string") {
    const hasZone = /(?:Z|[+-]\d\d:?\d\d)$/i.test(value);
    const milliseconds = Date.parse(hasZone ? value : `${value}Z`);
    if (!Number.isNaN(milliseconds)) return milliseconds;
  }
  return fail(source, path, "an ISO 8601 timestamp or a number of seconds", value);
}

/**
 * Runs a converter whose errors use their own paths (usage normalisation, {@link ProviderFormatError}) and
 * re-throws them as {@link TranscriptFormatError} at the same place in this file.
 */
export function atSource<Result>(source: Source, run: () => Result): Result {
  try {
    return run();
  } catch (error) {
    if (error instanceof ProviderFormatError) {
      // The provider error's message repeats its path ("At x: expected ..."); the location says it once.
      const detail = error.message.replace(/^At [^:]*: expected /, "");
      throw new TranscriptFormatError(source.file, locate(source, error.path), detail, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Parses JSON text, turning a syntax error into a {@link TranscriptFormatError} with line and column. */
export function parseJson(text: string, source: Source): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    let where = source.line === undefined ? "end of file" : `line ${source.line}`;
    if (position?.[1] !== undefined && source.line === undefined) {
      const offset = Number(position[1]);
      const before = text.slice(0, offset);
      const line = before.split("\n").length;
      const column = offset - before.lastIndexOf("\n");
      where = `line ${line}, column ${column}`;
    } else if (position?.[1] !== undefined) {
      where = `line ${source.line}, column ${Number(position[1]) + 1}`;
    }
    throw new TranscriptFormatError(source.file, where, `valid JSON (${message})`, { cause: error });
  }
}
