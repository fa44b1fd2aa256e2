/**
 * Rolling prefix keys: `keys[i]` identifies the whole prompt prefix `segments[0..i]`, so a cache entry for a
 * prefix is one map lookup. Keys are 53-bit integers from two independent 32-bit hash lanes over the
 * segments' hashes (collisions are about 1 in 10^15 per pair). Each call reuses the keys of the previous
 * call up to the first segment whose hash changed, so a growing conversation hashes only its new blocks.
 *
 * @module
 */
import type { PromptSegment } from "../types.js";
import { InvalidOptionError } from "../../errors.js";

const laneAOffset = 0x811c9dc5 | 0;
const laneBOffset = 0x9747b28c | 0;

/** Prefix keys and cumulative tokens of the latest prompt, recomputed incrementally. */
export class PrefixKeys {
  /** `keys[i]`: key of the prefix ending at segment `i`. Valid up to `length`. */
  keys: number[] = [];
  /** `cumulative[i]`: tokens of segments `0..i`. Valid up to `length`. */
  cumulative: number[] = [];
  length = 0;
  private hashes: string[] = [];
  private laneA: number[] = [];
  private laneB: number[] = [];

  /**
   * Computes keys and cumulative tokens for `segments`, reusing the unchanged prefix of the last call.
   * `unchangedBefore` (optional): the caller's guarantee that the first so many hashes are those of the last
   * call, so they are not compared again.
   */
  update(segments: readonly PromptSegment[], unchangedBefore?: number): void {
    const count = segments.length;
    const previous = Math.min(this.length, count);
    let reuse =
      typeof unchangedBefore === "number" && unchangedBefore > 0
        ? Math.min(Math.floor(unchangedBefore), previous)
        : 0;
    while (reuse < previous && this.hashes[reuse] === segments[reuse]?.hash) reuse++;
    let a = reuse > 0 ? (this.laneA[reuse - 1] as number) : laneAOffset;
    let b = reuse > 0 ? (this.laneB[reuse - 1] as number) : laneBOffset;
    for (let index = reuse; index < count; index++) {
      const hash = (segments[index] as PromptSegment).hash;
      if (typeof hash !== "string") {
        throw new InvalidOptionError(`segments[${index}].hash`, "a string", hash);
      }
      for (let position = 0; position < hash.length; position++) {
        const code = hash.charCodeAt(position);
        a = Math.imul(a ^ code, 0x01000193);
        b = Math.imul(b ^ code, 0x5bd1e995);
        b ^= b >>> 13;
      }
      // Separator with the length, so that ["ab", "c"] and ["a", "bc"] differ.
      a = Math.imul(a ^ (0x10000 + hash.length), 0x01000193);
      b = Math.imul(b ^ (0x20000 + hash.length), 0x5bd1e995);
      b ^= b >>> 15;
      this.hashes[index] = hash;
      this.laneA[index] = a;
      this.laneB[index] = b;
      this.keys[index] = (a >>> 0) * 0x200000 + (b >>> 11);
    }
    let total = 0;
    for (let index = 0; index < count; index++) {
      const tokens = (segments[index] as PromptSegment).tokens;
      if (typeof tokens !== "number" || !(tokens >= 0) || tokens === Number.POSITIVE_INFINITY) {
        throw new InvalidOptionError(`segments[${index}].tokens`, "a non-negative finite number", tokens);
      }
      total += tokens;
      this.cumulative[index] = total;
    }
    this.length = count;
  }

  /** Tokens of segments `0..index`; `0` for `index < 0`. */
  tokensThrough(index: number): number {
    return index < 0 ? 0 : (this.cumulative[index] as number);
  }

  /** Tokens of the whole latest prompt. */
  get total(): number {
    return this.length === 0 ? 0 : (this.cumulative[this.length - 1] as number);
  }
}
