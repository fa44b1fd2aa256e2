/**
 * Where two JSON-like values first differ, as a short sentence with a path (`messages[2].content[0].text`).
 * Property tests use it instead of a full diff, which is too large to print for long transcripts.
 */
export function firstDifference(actual: unknown, expected: unknown, path = "$"): string | undefined {
  if (Object.is(actual, expected)) return undefined;
  const show = (value: unknown): string => (JSON.stringify(value) ?? String(value)).slice(0, 120);
  if (typeof actual !== "object" || typeof expected !== "object" || actual === null || expected === null) {
    return `${path}: got ${show(actual)}, expected ${show(expected)}`;
  }
  if (Array.isArray(actual) !== Array.isArray(expected)) {
    return `${path}: got ${show(actual)}, expected ${show(expected)}`;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length)
      return `${path}: length ${actual.length}, expected ${expected.length}`;
    for (let index = 0; index < actual.length; index++) {
      const difference = firstDifference(actual[index], expected[index], `${path}[${index}]`);
      if (difference) return difference;
    }
    return undefined;
  }
  const left = actual as Record<string, unknown>;
  const right = expected as Record<string, unknown>;
  for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
    if (!(key in left)) return `${path}.${key}: missing, expected ${show(right[key])}`;
    if (!(key in right)) return `${path}.${key}: unexpected ${show(left[key])}`;
    const difference = firstDifference(left[key], right[key], `${path}.${key}`);
    if (difference) return difference;
  }
  return undefined;
}
