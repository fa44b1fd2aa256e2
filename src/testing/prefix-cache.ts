/**
 * The test server's default prompt cache: a small prefix cache, not a faithful model of either provider.
 * Anthropic: entries are written only at `cache_control` breakpoints whose prefix reaches the minimum length,
 * and a breakpoint looks back a few parts for an earlier entry. OpenAI: every prefix of at least the minimum
 * length is cached automatically and hits are rounded down to 128-token steps. Hits refresh the TTL.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { InvalidOptionError } from "../errors.js";
import type { PromptLayout } from "./prompt.js";

/** What one call read from and wrote to the cache, in tokens. */
export interface CacheUsage {
  readTokens: number;
  write5mTokens: number;
  write1hTokens: number;
}

/**
 * The cache hook of the test server, one method per provider family. Each is called once per successful call
 * (errors never touch the cache), updates its state, and returns what the call read and wrote.
 */
export interface PromptCache {
  anthropic(prompt: PromptLayout, now: number): CacheUsage;
  /** Used for both Chat Completions and Responses. */
  openai(prompt: PromptLayout, now: number): CacheUsage;
}

/** Options of {@link createPrefixCache}. */
export interface PrefixCacheOptions {
  /**
   * Shortest Anthropic prefix, in tokens, that is cached; shorter breakpoints are silently not cached.
   * @default 1024
   */
  anthropicMinimumTokens?: number;
  /**
   * How many parts before a breakpoint are checked for an earlier entry.
   * @default 20
   */
  lookbackParts?: number;
  /**
   * Shortest OpenAI prompt, in tokens, that is cached.
   * @default 1024
   */
  openaiMinimumTokens?: number;
  /**
   * OpenAI cache hits are reported in steps of this many tokens past the minimum.
   * @default 128
   */
  openaiStepTokens?: number;
  /**
   * How long an OpenAI entry lives without a hit, in milliseconds.
   * @default 600000 (10 minutes)
   */
  openaiTtlMilliseconds?: number;
}

/** A cache that never hits and never writes. */
export const noPromptCache: PromptCache = {
  anthropic: () => ({ readTokens: 0, write5mTokens: 0, write1hTokens: 0 }),
  openai: () => ({ readTokens: 0, write5mTokens: 0, write1hTokens: 0 }),
};

const ttlMilliseconds = { "5m": 5 * 60_000, "1h": 60 * 60_000 } as const;

interface Entry {
  expiresAt: number;
  ttl: number;
}

function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InvalidOptionError(field, "a positive integer", value);
  return value;
}

/** Chained hashes and running token totals: `hashes[i]` and `totals[i]` cover segments `0..i`. */
function prefixesOf(prompt: PromptLayout): { hashes: string[]; totals: number[] } {
  const hashes: string[] = [];
  const totals: number[] = [];
  let hash = createHash("sha256").update(`${prompt.provider}\n${prompt.model}`).digest("hex");
  let total = 0;
  for (const segment of prompt.segments) {
    hash = createHash("sha256").update(hash).update("\n").update(segment.key).digest("hex");
    total += segment.tokens;
    hashes.push(hash);
    totals.push(total);
  }
  return { hashes, totals };
}

function lookup(entries: Map<string, Entry>, hash: string | undefined, now: number): Entry | undefined {
  if (hash === undefined) return undefined;
  const entry = entries.get(hash);
  if (entry === undefined) return undefined;
  if (entry.expiresAt <= now) {
    entries.delete(hash);
    return undefined;
  }
  return entry;
}

/** Creates the default {@link PromptCache} (see the module description). */
export function createPrefixCache(options: PrefixCacheOptions = {}): PromptCache {
  const anthropicMinimum = positiveInteger("anthropicMinimumTokens", options.anthropicMinimumTokens, 1024);
  const lookback = positiveInteger("lookbackParts", options.lookbackParts, 20);
  const openaiMinimum = positiveInteger("openaiMinimumTokens", options.openaiMinimumTokens, 1024);
  const openaiStep = positiveInteger("openaiStepTokens", options.openaiStepTokens, 128);
  const openaiTtl = positiveInteger("openaiTtlMilliseconds", options.openaiTtlMilliseconds, 600_000);
  const anthropicEntries = new Map<string, Entry>();
  const openaiEntries = new Map<string, Entry>();

  return {
    anthropic(prompt, now) {
      const { hashes, totals } = prefixesOf(prompt);
      const breakpoints = prompt.segments.flatMap((segment, index) => (segment.breakpoint ? [index] : []));
      let readIndex = -1;
      for (const breakpoint of breakpoints) {
        for (let index = breakpoint; index > breakpoint - lookback && index > readIndex; index--) {
          const entry = lookup(anthropicEntries, hashes[index], now);
          if (entry === undefined) continue;
          entry.expiresAt = now + entry.ttl;
          readIndex = index;
          break;
        }
      }
      const usage: CacheUsage = { readTokens: totals[readIndex] ?? 0, write5mTokens: 0, write1hTokens: 0 };
      let written = usage.readTokens;
      for (const index of breakpoints) {
        const total = totals[index] ?? 0;
        const ttl = prompt.segments[index]?.breakpoint ?? "5m";
        if (index <= readIndex || total < anthropicMinimum) continue;
        if (ttl === "1h") usage.write1hTokens += total - written;
        else usage.write5mTokens += total - written;
        written = total;
        const hash = hashes[index];
        if (hash !== undefined)
          anthropicEntries.set(hash, { expiresAt: now + ttlMilliseconds[ttl], ttl: ttlMilliseconds[ttl] });
      }
      return usage;
    },

    openai(prompt, now) {
      const { hashes, totals } = prefixesOf(prompt);
      let matched = 0;
      for (let index = hashes.length - 1; index >= 0; index--) {
        if (lookup(openaiEntries, hashes[index], now) === undefined) continue;
        matched = totals[index] ?? 0;
        break;
      }
      hashes.forEach((hash, index) => {
        if ((totals[index] ?? 0) >= openaiMinimum)
          openaiEntries.set(hash, { expiresAt: now + openaiTtl, ttl: openaiTtl });
      });
      const readTokens =
        matched < openaiMinimum
          ? 0
          : openaiMinimum + Math.floor((matched - openaiMinimum) / openaiStep) * openaiStep;
      return { readTokens, write5mTokens: 0, write1hTokens: 0 };
    },
  };
}
