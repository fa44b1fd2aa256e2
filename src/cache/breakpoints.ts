/**
 * Where a cache-aware client that sets no `cache_control` of its own would put Anthropic's (at most four)
 * breakpoints: the end of the tools and system prompt (shared by every session with the same setup), the end
 * of a stable prefix such as a compaction checkpoint, and the last message (a sliding anchor that the next
 * call finds within its look-back), plus optional anchors on earlier messages as a fallback.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import { nonNegativeInteger, oneOf } from "./internal/validate.js";
import type { CacheTtl, PromptSegment } from "./types.js";

/** Options of {@link placeBreakpoints}. */
export interface BreakpointPolicy {
  /** Index of the last tools/system segment ({@link SegmentedPrompt.systemEnd}); -1 or absent for none. */
  prefixEnd?: number;
  /** Index of the last segment of a stable prefix (a compaction checkpoint); -1 or absent for none. */
  stableEnd?: number;
  /**
   * Index of the last segment of each message ({@link SegmentedPrompt.messageEnds}). Absent: the last
   * segment is the end of the last message.
   */
  messageEnds?: readonly number[];
  /** How many of the latest messages get a sliding breakpoint on their last block. @default 1 */
  lastMessages?: number;
  /** Lifetime of the prefix and stable breakpoints. @default "5m" */
  fixedTtl?: CacheTtl;
  /** Lifetime of the sliding message breakpoints. @default "5m" */
  slidingTtl?: CacheTtl;
  /** Most breakpoints to place. @default 4 */
  maximumBreakpoints?: number;
}

function optionalIndex(field: string, value: number | undefined, length: number): number {
  if (value === undefined || value === -1) return -1;
  if (!Number.isInteger(value) || value < -1 || value >= length) {
    throw new InvalidOptionError(field, `an integer from -1 to ${length - 1}`, value);
  }
  return value;
}

/**
 * Returns a copy of `segments` whose breakpoints are where the policy puts them (existing ones are
 * removed). When more are wanted than allowed, the last message wins, then the prefix, then the stable
 * prefix, then earlier messages from the latest back. Segments that keep no breakpoint are shared, not copied.
 */
export function placeBreakpoints(
  segments: readonly PromptSegment[],
  policy: BreakpointPolicy = {},
): PromptSegment[] {
  const length = segments.length;
  const prefixEnd = optionalIndex("prefixEnd", policy.prefixEnd, length);
  const stableEnd = optionalIndex("stableEnd", policy.stableEnd, length);
  const lastMessages = nonNegativeInteger("lastMessages", policy.lastMessages, 1);
  const maximum = nonNegativeInteger("maximumBreakpoints", policy.maximumBreakpoints, 4);
  const fixedTtl = oneOf("fixedTtl", policy.fixedTtl, ["5m", "1h"], "5m");
  const slidingTtl = oneOf("slidingTtl", policy.slidingTtl, ["5m", "1h"], "5m");
  if (fixedTtl === "5m" && slidingTtl === "1h") {
    throw new InvalidOptionError(
      "slidingTtl",
      '"5m" when fixedTtl is "5m" (longer lifetimes must come first)',
      slidingTtl,
    );
  }
  const ends = policy.messageEnds ?? (length > 0 ? [length - 1] : []);
  ends.forEach((end, index) => {
    optionalIndex(`messageEnds[${index}]`, end, length);
  });
  const sliding: number[] = [];
  for (let index = ends.length - 1; index >= 0 && sliding.length < lastMessages; index--) {
    const end = ends[index] as number;
    if (end >= 0 && end > prefixEnd && end > stableEnd && !sliding.includes(end)) sliding.push(end);
  }
  const chosen = new Map<number, CacheTtl>();
  const wanted: Array<[number, CacheTtl]> = [];
  if (sliding[0] !== undefined) wanted.push([sliding[0], slidingTtl]);
  if (prefixEnd >= 0) wanted.push([prefixEnd, fixedTtl]);
  if (stableEnd >= 0) wanted.push([stableEnd, fixedTtl]);
  for (const end of sliding.slice(1)) wanted.push([end, slidingTtl]);
  for (const [index, ttl] of wanted) {
    if (chosen.size >= maximum) break;
    if (!chosen.has(index)) chosen.set(index, ttl);
  }
  return segments.map((item, index) => {
    const ttl = chosen.get(index);
    if (ttl === undefined) {
      if (item.breakpoint === undefined) return item;
      return { hash: item.hash, tokens: item.tokens };
    }
    return item.breakpoint === ttl ? item : { hash: item.hash, tokens: item.tokens, breakpoint: ttl };
  });
}
