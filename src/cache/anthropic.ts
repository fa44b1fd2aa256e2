/**
 * Anthropic's prompt cache (docs.anthropic.com prompt-caching): explicit `cache_control` breakpoints (at most
 * four), a look-back of about 20 blocks for an earlier entry, 5-minute or 1-hour lifetimes refreshed by
 * every hit, a minimum cacheable prefix per model, and an optional top-level automatic breakpoint that sits
 * on the last block and so advances every turn.
 *
 * @module
 */
import { EntryTable } from "./internal/entry-table.js";
import { type BreakpointRules, simulateBreakpoints } from "./internal/breakpoints-engine.js";
import { PrefixKeys } from "./internal/prefix-keys.js";
import { nonNegativeInteger, oneOf, positiveNumber, requiredString } from "./internal/validate.js";
import { anthropicMinimumCacheableTokens } from "./models.js";
import type {
  CacheSimulator,
  CacheSimulatorState,
  CacheTtl,
  CacheWarning,
  PromptSegment,
  PromptUsage,
} from "./types.js";

/** Five minutes, Anthropic's default lifetime. */
export const fiveMinutesMs = 5 * 60 * 1000;
/** One hour, the extended lifetime (`"ttl": "1h"`). */
export const oneHourMs = 60 * 60 * 1000;

/** Options of {@link createAnthropicCacheSimulator}. */
export interface AnthropicCacheOptions {
  /** Model id, e.g. `claude-opus-4-6`; sets the minimum cacheable prefix. */
  model: string;
  /**
   * `"explicit"`: only the segments' own breakpoints cache. `"automatic"`: the request also carries a
   * top-level `cache_control`, which adds a breakpoint on the last segment (it takes one of the four slots).
   * @default "explicit"
   */
  mode?: "explicit" | "automatic";
  /** Lifetime of the automatic breakpoint. @default "5m" */
  ttl?: CacheTtl;
  /**
   * Shortest prefix that is cached; shorter breakpoints write nothing.
   * @default {@link anthropicMinimumCacheableTokens}(model)
   */
  minimumCacheableTokens?: number;
  /** How many blocks before a breakpoint its lookup checks for an earlier entry. @default 20 */
  lookbackBlocks?: number;
  /** Breakpoints the API accepts in one request; more raise a `too-many-breakpoints` warning. @default 4 */
  maximumBreakpoints?: number;
  /** Lifetimes in milliseconds, for experiments. @default { "5m": 300000, "1h": 3600000 } */
  ttlDurationsMs?: Partial<Record<CacheTtl, number>>;
  /** A snapshot from {@link CacheSimulator.snapshot} to resume from. */
  state?: CacheSimulatorState;
}

/** Simulator of one Anthropic cache scope (one organisation, one model). */
export class AnthropicCacheSimulator implements CacheSimulator {
  readonly provider = "anthropic" as const;
  readonly model: string;
  /** The rules in force, resolved from the options. */
  readonly rules: Readonly<BreakpointRules>;
  private readonly table = new EntryTable();
  private readonly prefix = new PrefixKeys();

  constructor(options: AnthropicCacheOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("createAnthropicCacheSimulator expects an options object");
    }
    this.model = requiredString("model", options.model);
    const mode = oneOf("mode", options.mode, ["explicit", "automatic"], "explicit");
    const ttl = oneOf("ttl", options.ttl, ["5m", "1h"], "5m");
    this.rules = {
      minimumTokens: nonNegativeInteger(
        "minimumCacheableTokens",
        options.minimumCacheableTokens,
        anthropicMinimumCacheableTokens(this.model),
      ),
      lookbackBlocks: nonNegativeInteger("lookbackBlocks", options.lookbackBlocks, 20),
      maximumBreakpoints: nonNegativeInteger("maximumBreakpoints", options.maximumBreakpoints, 4),
      durations: {
        "5m": positiveNumber('ttlDurationsMs["5m"]', options.ttlDurationsMs?.["5m"], fiveMinutesMs),
        "1h": positiveNumber('ttlDurationsMs["1h"]', options.ttlDurationsMs?.["1h"], oneHourMs),
      },
      reportWritesAs: "by-ttl",
      ...(mode === "automatic" ? { automatic: ttl } : {}),
    };
    if (options.state !== undefined) this.table.restore(options.state, "anthropic");
  }

  call(segments: readonly PromptSegment[], timestamp?: number, unchangedBefore?: number): PromptUsage {
    const now = this.table.begin(timestamp);
    this.prefix.update(segments, unchangedBefore);
    return simulateBreakpoints(segments, this.prefix, this.table, this.rules, now);
  }

  get warnings(): readonly CacheWarning[] {
    return this.table.warnings;
  }

  snapshot(): CacheSimulatorState {
    return this.table.snapshot("anthropic");
  }

  reset(): void {
    this.table.reset();
  }
}

/** Creates a simulator of Anthropic's prompt cache. */
export function createAnthropicCacheSimulator(options: AnthropicCacheOptions): AnthropicCacheSimulator {
  return new AnthropicCacheSimulator(options);
}
