/**
 * Strategies by name, for the CLI and for configuration files.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Message } from "../src/transcript/types.js";
import { type CacheAwareOptions, cacheAware } from "./cache-aware.js";
import { type DefaultStrategyOptions, defaultStrategy } from "./default.js";
import { type NativeCompactionOptions, nativeCompaction } from "./native.js";
import { type ObservationMaskingOptions, observationMasking } from "./observation-masking.js";
import { pipeline } from "./pipeline.js";
import { type SummarizeOptions, summarize } from "./summarize.js";
import { type TruncateOptions, truncate } from "./truncate.js";
import type { Strategy } from "./types.js";

/** The names {@link strategyByName} knows. */
export const strategyNames = [
  "none",
  "truncate",
  "observation-masking",
  "summarize",
  "cache-aware",
  "pipeline-mask-summarize",
  "default",
  "native",
] as const;

/** A name {@link strategyByName} knows. */
export type StrategyName = (typeof strategyNames)[number];

/** A strategy that never compacts: the baseline of every comparison. */
export function noCompaction(): Strategy {
  return { name: "none", compact: (_messages: readonly Message[]) => null };
}

/** Options of `cache-aware` in {@link strategyByName}: the wrapper's own, plus the strategy it wraps. */
export interface CacheAwareByNameOptions extends CacheAwareOptions {
  /**
   * The strategy to wrap, by name (any name but `cache-aware` and `default`).
   * @default "observation-masking"
   */
  inner?: Exclude<StrategyName, "cache-aware" | "default" | "native">;
  /**
   * Options of the wrapped strategy.
   * @default its defaults
   */
  innerOptions?: Record<string, unknown>;
}

/** Options accepted by {@link strategyByName}, by name. */
export interface StrategyOptionsByName {
  none: Record<string, never>;
  truncate: TruncateOptions;
  "observation-masking": ObservationMaskingOptions;
  summarize: SummarizeOptions;
  "cache-aware": CacheAwareByNameOptions;
  "pipeline-mask-summarize": Omit<DefaultStrategyOptions, "cacheAware">;
  default: DefaultStrategyOptions;
  /** Provider-native compaction (Anthropic on-demand compaction, OpenAI `/responses/compact`), the default elsewhere. */
  native: NativeCompactionOptions;
}

function isStrategyName(name: string): name is StrategyName {
  return (strategyNames as readonly string[]).includes(name);
}

/**
 * Creates the strategy called `name` with `options`. `cache-aware` wraps `options.inner` (by name, default
 * `observation-masking`, with `options.innerOptions`) and takes the {@link CacheAwareOptions} beside them;
 * `pipeline-mask-summarize` and `default` take `{ masking, summarize, cacheAware }`; `native` takes
 * `{ fallback, keepTurns, cacheAware }` ({@link nativeCompaction}).
 *
 * @throws InvalidOptionError when the name is unknown or the options are invalid.
 */
export function strategyByName<Name extends StrategyName>(
  name: Name,
  options?: StrategyOptionsByName[Name],
): Strategy;
export function strategyByName(name: string, options?: object): Strategy;
export function strategyByName(name: string, options: object = {}): Strategy {
  if (!isStrategyName(name)) throw new InvalidOptionError("name", `one of ${strategyNames.join(", ")}`, name);
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError(`options of ${name}`, "an object", options);
  }
  switch (name) {
    case "none":
      return noCompaction();
    case "truncate":
      return truncate(options as TruncateOptions);
    case "observation-masking":
      return observationMasking(options as ObservationMaskingOptions);
    case "summarize":
      return summarize(options as SummarizeOptions);
    case "pipeline-mask-summarize": {
      const { masking, summarize: summarizeOptions } = options as DefaultStrategyOptions;
      return pipeline(observationMasking(masking), summarize(summarizeOptions));
    }
    case "default":
      return defaultStrategy(options as DefaultStrategyOptions);
    case "native":
      return nativeCompaction(options as NativeCompactionOptions);
    case "cache-aware": {
      const {
        inner = "observation-masking",
        innerOptions = {},
        ...cacheOptions
      } = options as CacheAwareByNameOptions;
      if (["cache-aware", "default", "native"].includes(inner) || !isStrategyName(inner)) {
        throw new InvalidOptionError("inner", "a strategy name other than cache-aware, default and native", inner);
      }
      return cacheAware(strategyByName(inner, innerOptions), cacheOptions);
    }
  }
}
