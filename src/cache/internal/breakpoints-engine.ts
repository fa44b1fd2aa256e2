/**
 * The breakpoint cache rules shared by Anthropic and OpenAI GPT-5.6+ explicit caching:
 * - each breakpoint caches the prefix up to and including its block, if that prefix is long enough;
 * - its lookup checks its own block and up to `lookbackBlocks` blocks before it for a live entry;
 * - the longest hit is read, the rest up to the last cacheable breakpoint is written (at the lifetime of
 *   the breakpoint that closes each stretch), everything after it is uncached input;
 * - entries are created or refreshed only after all lookups (no reuse inside one call).
 *
 * @module
 */
import { InvalidOptionError } from "../../errors.js";
import type { CacheTtl, PromptSegment, PromptUsage } from "../types.js";
import type { EntryTable } from "./entry-table.js";
import type { PrefixKeys } from "./prefix-keys.js";

/** Resolved rules for one simulator. */
export interface BreakpointRules {
  minimumTokens: number;
  lookbackBlocks: number;
  maximumBreakpoints: number;
  /** Idle lifetime of an entry written at a breakpoint of each TTL, in milliseconds. */
  durations: Record<CacheTtl, number>;
  /** Where writes are reported: by the breakpoint's TTL, or all as 5-minute writes (OpenAI). */
  reportWritesAs: "by-ttl" | "5m";
  /** A top-level automatic breakpoint on the last block, with this TTL; absent for explicit only. */
  automatic?: CacheTtl;
}

const points: number[] = [];
const pointTtls: CacheTtl[] = [];

/** Collects the breakpoints of the call (explicit, then the automatic one), warning on API violations. */
function collectBreakpoints(
  segments: readonly PromptSegment[],
  rules: BreakpointRules,
  table: EntryTable,
): void {
  points.length = 0;
  pointTtls.length = 0;
  for (let index = 0; index < segments.length; index++) {
    const ttl = (segments[index] as PromptSegment).breakpoint;
    if (ttl === undefined) continue;
    if (ttl !== "5m" && ttl !== "1h") {
      throw new InvalidOptionError(`segments[${index}].breakpoint`, '"5m", "1h" or undefined', ttl);
    }
    points.push(index);
    pointTtls.push(ttl);
  }
  const last = segments.length - 1;
  if (rules.automatic !== undefined && last >= 0 && points[points.length - 1] !== last) {
    points.push(last);
    pointTtls.push(rules.automatic);
  }
  if (points.length > rules.maximumBreakpoints) {
    table.warn(
      "too-many-breakpoints",
      `The prompt has ${points.length} cache breakpoints; the API accepts at most ${rules.maximumBreakpoints} ` +
        `and rejects the request. Only the first ${rules.maximumBreakpoints} were simulated.`,
    );
    points.length = rules.maximumBreakpoints;
    pointTtls.length = rules.maximumBreakpoints;
  }
  const firstShort = pointTtls.indexOf("5m");
  if (firstShort >= 0 && pointTtls.indexOf("1h", firstShort) > firstShort) {
    table.warn(
      "ttl-order",
      'A "1h" cache breakpoint follows a "5m" one; the API requires longer lifetimes to come first.',
    );
  }
}

/** Simulates one call under breakpoint rules and updates the table. */
export function simulateBreakpoints(
  segments: readonly PromptSegment[],
  prefix: PrefixKeys,
  table: EntryTable,
  rules: BreakpointRules,
  now: number,
): PromptUsage {
  collectBreakpoints(segments, rules, table);
  const keys = prefix.keys;
  let hit = -1;
  for (const point of points) {
    const stop = Math.max(hit + 1, point - rules.lookbackBlocks);
    for (let index = point; index >= stop; index--) {
      if (table.live(keys[index] as number, now) !== undefined) {
        hit = index;
        break;
      }
    }
  }
  const usage: PromptUsage = {
    inputTokens: 0,
    cacheReadTokens: prefix.tokensThrough(hit),
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
  };
  let covered = hit;
  for (let position = 0; position < points.length; position++) {
    const point = points[position] as number;
    if (point <= covered || prefix.tokensThrough(point) < rules.minimumTokens) continue;
    const written = prefix.tokensThrough(point) - prefix.tokensThrough(covered);
    if (rules.reportWritesAs === "by-ttl" && pointTtls[position] === "1h")
      usage.cacheWrite1hTokens += written;
    else usage.cacheWrite5mTokens += written;
    covered = point;
  }
  usage.inputTokens = prefix.total - prefix.tokensThrough(covered);
  if (hit >= 0) table.touch(keys[hit] as number, now, 0);
  for (let position = 0; position < points.length; position++) {
    const point = points[position] as number;
    if (prefix.tokensThrough(point) < rules.minimumTokens) continue;
    table.touch(keys[point] as number, now, rules.durations[pointTtls[position] as CacheTtl]);
  }
  return usage;
}
