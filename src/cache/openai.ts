/**
 * OpenAI's prompt cache (developers.openai.com prompt-caching). Automatic: every prompt of 1,024 tokens or
 * more is cached; a later prompt reads the longest prefix seen before, counted in 128-token steps beyond the
 * first 1,024 (so a 1,300-token match reads 1,280). There is no write premium before GPT-5.6: writes are
 * reported as 0. Retention is `"in_memory"` (5 to 10 minutes idle, up to an hour off-peak; this model takes
 * the documented lower bound, 5 minutes, so it never overstates hits) or `"24h"`.
 *
 * GPT-5.6 and later also take explicit `prompt_cache_breakpoint`s with a 30-minute lifetime and a 1.25x
 * write; `mode: "explicit"` simulates those with the breakpoint rules (writes counted as 5-minute writes).
 *
 * @module
 */
import { EntryTable } from "./internal/entry-table.js";
import { type BreakpointRules, simulateBreakpoints } from "./internal/breakpoints-engine.js";
import { PrefixKeys } from "./internal/prefix-keys.js";
import { nonNegativeInteger, oneOf, positiveNumber, requiredString } from "./internal/validate.js";
import type {
  CacheSimulator,
  CacheSimulatorState,
  CacheWarning,
  PromptSegment,
  PromptUsage,
} from "./types.js";

/** Idle lifetime assumed for `"in_memory"` retention: the lower bound of the documented 5-10 minutes. */
export const openAIInMemoryTtlMs = 5 * 60 * 1000;
/** Lifetime of `"24h"` retention. */
export const openAIExtendedTtlMs = 24 * 60 * 60 * 1000;
/** Lifetime of an explicit GPT-5.6+ breakpoint. */
export const openAIBreakpointTtlMs = 30 * 60 * 1000;

/** Options of {@link createOpenAICacheSimulator}. */
export interface OpenAICacheOptions {
  /** Model id, e.g. `gpt-5.1`. */
  model: string;
  /**
   * `"automatic"`: prefix caching with no write premium. `"explicit"`: GPT-5.6+ breakpoints with writes.
   * @default "automatic"
   */
  mode?: "automatic" | "explicit";
  /** `prompt_cache_retention`. @default "in_memory" */
  retention?: "in_memory" | "24h";
  /** Idle lifetime of an automatic entry in milliseconds. @default 300000 (in_memory) or 86400000 (24h) */
  idleTtlMs?: number;
  /** Shortest prompt that is cached and shortest prefix that is read. @default 1024 */
  minimumCacheableTokens?: number;
  /** Granularity of cached prefixes beyond the minimum. @default 128 */
  stepTokens?: number;
  /** Lifetime of an explicit breakpoint's entry in milliseconds (explicit mode). @default 1800000 */
  breakpointTtlMs?: number;
  /** A snapshot from {@link CacheSimulator.snapshot} to resume from. */
  state?: CacheSimulatorState;
}

/** Simulator of one OpenAI cache scope (one organisation, one model, one `prompt_cache_key`). */
export class OpenAICacheSimulator implements CacheSimulator {
  readonly provider = "openai" as const;
  readonly model: string;
  readonly mode: "automatic" | "explicit";
  private readonly minimumTokens: number;
  private readonly stepTokens: number;
  private readonly idleTtlMs: number;
  private readonly breakpointRules: BreakpointRules;
  private readonly table = new EntryTable();
  private readonly prefix = new PrefixKeys();

  constructor(options: OpenAICacheOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("createOpenAICacheSimulator expects an options object");
    }
    this.model = requiredString("model", options.model);
    this.mode = oneOf("mode", options.mode, ["automatic", "explicit"], "automatic");
    const retention = oneOf("retention", options.retention, ["in_memory", "24h"], "in_memory");
    this.idleTtlMs = positiveNumber(
      "idleTtlMs",
      options.idleTtlMs,
      retention === "24h" ? openAIExtendedTtlMs : openAIInMemoryTtlMs,
    );
    this.minimumTokens = nonNegativeInteger("minimumCacheableTokens", options.minimumCacheableTokens, 1024);
    this.stepTokens = positiveNumber("stepTokens", options.stepTokens, 128);
    const breakpointTtlMs = positiveNumber("breakpointTtlMs", options.breakpointTtlMs, openAIBreakpointTtlMs);
    this.breakpointRules = {
      minimumTokens: this.minimumTokens,
      lookbackBlocks: 20,
      maximumBreakpoints: 4,
      durations: { "5m": breakpointTtlMs, "1h": breakpointTtlMs },
      reportWritesAs: "5m",
    };
    if (options.state !== undefined) this.table.restore(options.state, "openai");
  }

  call(segments: readonly PromptSegment[], timestamp?: number, unchangedBefore?: number): PromptUsage {
    const now = this.table.begin(timestamp);
    this.prefix.update(segments, unchangedBefore);
    if (this.mode === "explicit") {
      return simulateBreakpoints(segments, this.prefix, this.table, this.breakpointRules, now);
    }
    const total = this.prefix.total;
    const matched = this.prefix.tokensThrough(this.longestLivePrefix(now));
    const cached = total >= this.minimumTokens ? this.roundDown(matched) : 0;
    if (total >= this.minimumTokens) {
      const keys = this.prefix.keys;
      for (let index = 0; index < this.prefix.length; index++) {
        this.table.touch(keys[index] as number, now, this.idleTtlMs);
      }
    }
    return {
      inputTokens: total - cached,
      cacheReadTokens: cached,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
    };
  }

  /**
   * Index of the last segment of the longest live cached prefix, or -1. Every prompt touches all of its
   * prefixes at once, so liveness is monotone along the prompt and a binary search finds the boundary.
   */
  private longestLivePrefix(now: number): number {
    const keys = this.prefix.keys;
    let low = 0;
    let high = this.prefix.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.table.live(keys[middle] as number, now) !== undefined) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Cached tokens for a matched prefix: 0 below the minimum, else the minimum plus whole steps. */
  private roundDown(matched: number): number {
    if (matched < this.minimumTokens) return 0;
    return (
      this.minimumTokens + Math.floor((matched - this.minimumTokens) / this.stepTokens) * this.stepTokens
    );
  }

  get warnings(): readonly CacheWarning[] {
    return this.table.warnings;
  }

  snapshot(): CacheSimulatorState {
    return this.table.snapshot("openai");
  }

  reset(): void {
    this.table.reset();
  }
}

/** Creates a simulator of OpenAI's prompt cache. */
export function createOpenAICacheSimulator(options: OpenAICacheOptions): OpenAICacheSimulator {
  return new OpenAICacheSimulator(options);
}
