/**
 * compactor's errors. Every error compactor throws is a {@link CompactorError}; `isInstance` works across
 * duplicate copies of the package because it checks a registered symbol, not the class identity.
 *
 * @module
 */

const marker = Symbol.for("compactor.error");

/** Base class of every error compactor throws. */
export class CompactorError extends Error {
  readonly [marker] = true;
  override name = "CompactorError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True for any compactor error, even one thrown by another copy of the package. */
  static isInstance(error: unknown): error is CompactorError {
    return typeof error === "object" && error !== null && marker in error;
  }
}

/** Keys whose values are never shown in an error message (credentials). */
const secretKey = /key|token|secret|password|passwd|auth|credential|cookie|signature/i;

/** A replacer that hides credentials and describes class instances (an SDK client) by their class only. */
function safeReplacer(this: unknown, key: string, value: unknown): unknown {
  if (key !== "" && secretKey.test(key) && value !== undefined && value !== null) return "[redacted]";
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return `[${typeof name === "string" && name !== "" ? name : "object"}]`;
    }
  }
  return value;
}

/**
 * Describes a value for error messages: ``"-1" (number)``. Credentials are redacted and class instances (an SDK
 * client) are shown by class name only, so an error never prints an API key.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  const type = Array.isArray(value) ? "array" : typeof value;
  let shown: string;
  try {
    shown =
      typeof value === "string"
        ? JSON.stringify(value)
        : (JSON.stringify(value, safeReplacer) ?? String(value));
  } catch {
    shown = String(value);
  }
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  return `\`${shown}\` (${type})`;
}

/** An option or argument is not what was expected. */
export class InvalidOptionError extends CompactorError {
  override name = "InvalidOptionError";
  /** Dotted path of the offending field, e.g. `prices.input`. */
  readonly field: string;
  readonly expected: string;
  /** What was passed (not enumerable, so that logging the error does not print it). */
  declare readonly received: unknown;

  constructor(field: string, expected: string, received: unknown) {
    super(`Expected \`${field}\` to be ${expected}, got ${describeValue(received)}`);
    this.field = field;
    this.expected = expected;
    // Not enumerable: `console.error(error)` must not print what was passed (an SDK client holds its API key).
    Object.defineProperty(this, "received", { value: received, enumerable: false, writable: true });
  }
}

/** A transcript file could not be read: names the file, the place (line or JSON path) and what was expected. */
export class TranscriptFormatError extends CompactorError {
  override name = "TranscriptFormatError";
  readonly file: string;
  /** `line 12`, `$.messages[3].content`, ... */
  readonly location: string;
  readonly expected: string;

  constructor(file: string, location: string, expected: string, options?: { cause?: unknown }) {
    super(`${file}: at ${location}: expected ${expected}`, options);
    this.file = file;
    this.location = location;
    this.expected = expected;
  }
}

/** A request or response in a provider's wire format is malformed. */
export class ProviderFormatError extends CompactorError {
  override name = "ProviderFormatError";
  /** JSON path inside the request or response. */
  readonly path: string;
  readonly expected: string;
  /** What was expected and, when known, what was found: `a number, got \`"many"\` (string)`. */
  readonly detail: string;

  constructor(path: string, expected: string, received?: unknown) {
    const detail = `${expected}${received === undefined ? "" : `, got ${describeValue(received)}`}`;
    super(`At ${path}: expected ${detail}`);
    this.path = path;
    this.expected = expected;
    this.detail = detail;
  }
}

/**
 * A file or folder given to compactor cannot be read as input: it does not exist, is not a regular file or
 * folder (a FIFO, a socket, a device), is too large to read, or the process may not read it. The message
 * names the path and says what to do.
 */
export class InputFileError extends CompactorError {
  override name = "InputFileError";
  readonly file: string;
  /** What is wrong, in a few words: `no such file or folder`, `a FIFO, not a regular file`, ... */
  readonly problem: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.file = file;
    this.problem = problem;
  }
}
