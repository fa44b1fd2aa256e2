/**
 * Small assertions of the store contract kit, with no test framework behind them: each failure names the value
 * (`meta.checkpoint.replacement[0].content[0].text`), what was expected and what the store gave.
 *
 * @module
 */

/** One broken rule, thrown inside a check and turned into a {@link StoreContractFailure} by the runner. */
export class ContractViolation extends Error {
  override name = "ContractViolation";
}

/** Throws a {@link ContractViolation} with `message` unless `condition` holds. */
export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractViolation(message);
}

/** Throws unless `actual` equals `expected` as JSON data (absent and `undefined` properties count as equal). */
export function ensureEqual(actual: unknown, expected: unknown, what: string): void {
  const difference = firstDifference(expected, actual, what);
  if (difference !== undefined) throw new ContractViolation(difference);
}

/** Throws unless every number in `actual` is within 1e-9 (relative) of `expected`'s, field by field. */
export function ensureClose(
  actual: Record<string, unknown> | undefined,
  expected: Record<string, number>,
  what: string,
): void {
  ensure(typeof actual === "object" && actual !== null, `${what}: expected an object, got ${show(actual)}`);
  for (const [key, value] of Object.entries(expected)) {
    const got = actual[key];
    const close = typeof got === "number" && Math.abs(got - value) <= 1e-9 * Math.max(1, Math.abs(value));
    ensure(close, `${what}.${key}: expected ${value}, got ${show(got)}`);
  }
}

/** Describes the first place where `actual` differs from `expected`, or undefined when they are equal. */
export function firstDifference(expected: unknown, actual: unknown, path: string): string | undefined {
  if (Object.is(expected, actual)) return undefined;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual))
      return `${path}: expected an array of ${expected.length}, got ${show(actual)}`;
    for (let index = 0; index < Math.min(expected.length, actual.length); index++) {
      const difference = firstDifference(expected[index], actual[index], `${path}[${index}]`);
      if (difference !== undefined) return difference;
    }
    if (expected.length !== actual.length) {
      return `${path}: expected ${expected.length} items, got ${actual.length}`;
    }
    return undefined;
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return `${path}: expected an object, got ${show(actual)}`;
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      const [want, got] = [expected[key], actual[key]];
      if (want !== undefined && got === undefined)
        return `${path}.${key}: expected ${show(want)}, got nothing (dropped)`;
      if (want === undefined && got !== undefined)
        return `${path}.${key}: expected nothing, got ${show(got)}`;
      const difference = firstDifference(want, got, `${path}.${key}`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  return `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short, one-line rendering of a value for a failure message. */
export function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** Settles `promise`: its value, or the error it rejected with. */
export async function outcome<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
