/**
 * Types of the pricing module: compactor's own normalised price record, the cost of one call, and the
 * options of the lookups. All prices are US dollars per million tokens.
 *
 * @module
 */

/** The five per-token rates of a model, in dollars per million tokens. */
export interface PriceRates {
  /** Prompt tokens neither read from nor written to the cache. */
  input: number;
  /** Output tokens, reasoning included. */
  output: number;
  /** Prompt tokens read from the cache. */
  cacheRead: number;
  /** Prompt tokens written to the cache with the 5-minute TTL (or a provider's only write price). */
  cacheWrite5m: number;
  /** Prompt tokens written to the cache with the 1-hour TTL. */
  cacheWrite1h: number;
}

/** Names of the rates in {@link PriceRates}. */
export type RateName = keyof PriceRates;

/**
 * Long-context rates. Tiers are all-or-nothing: when a request's prompt (uncached, cache-read and
 * cache-written tokens together) is larger than {@link PriceTier.aboveInputTokens}, every token of that
 * request, output included, is billed at the tier's rates.
 */
export interface PriceTier extends PriceRates {
  /** The tier applies when the prompt has strictly more tokens than this. */
  aboveInputTokens: number;
}

/** Where a price came from. */
export type PriceSource = "genai-prices" | "corrections" | "override";

/** compactor's normalised price record of one model. */
export interface ModelPrice extends PriceRates {
  /** The model the price belongs to: the price data's canonical id (`claude-sonnet-4-5`) or an override key. */
  model: string;
  /** Provider whose price this is (`anthropic`, `openai`, `google`, ... or an override's provider). */
  provider: string;
  /** The sibling ladder the model belongs to (`claude`, `gpt`, `gemini`), when it has one. */
  family?: string;
  /** Long-context tiers, sorted by threshold; absent when the model has flat prices. */
  tiers?: PriceTier[];
  /** Largest prompt plus output the model accepts, in tokens, when known. */
  contextWindow?: number;
  /**
   * Rates that the data did not state and that were derived from the provider's documented multipliers
   * (Anthropic: 5m write 1.25× input, 1h write 2× input, read 0.1× input; others: no write premium, no
   * known read discount).
   */
  derived: RateName[];
  /** Where the price came from; `override` when any field was overridden by the user. */
  source: PriceSource;
}

/** A long-context tier as a user writes it in an override; missing cache rates are derived. */
export interface PriceTierInput {
  aboveInputTokens: number;
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
}

/**
 * A price as a user writes it. In an override every field is optional for a model the price data
 * knows (given fields replace the data's), while a model the data does not know needs `input` and
 * `output`; missing cache rates are derived as described on {@link ModelPrice.derived}.
 */
export interface ModelPriceInput {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
  /** Replaces the data's tiers entirely; `[]` removes them. */
  tiers?: PriceTierInput[];
  contextWindow?: number;
  /** @default the data's provider, or `"custom"` for a model the data does not know */
  provider?: string;
  family?: string;
}

/** Options of a single price lookup. */
export interface PriceLookupOptions {
  /**
   * When the call was made (a `Date` or milliseconds since the epoch): prices with date or time-of-day
   * constraints are resolved for this moment.
   * @default the current time
   */
  timestamp?: Date | number;
  /**
   * Provider id of the price data to prefer (`anthropic`, `openrouter`, `aws`, `google`, ...). Without it
   * the provider is inferred from the model name and its routing prefixes.
   * @default inferred
   */
  provider?: string;
}

/** Dollars of one call, split by kind of token. */
export interface CostBreakdown {
  input: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  output: number;
}

/** The cost of a call whose model has a price. */
export interface KnownCallCost {
  known: true;
  costUsd: number;
  breakdown: CostBreakdown;
  /** The model name as asked for. */
  model: string;
  /** The model whose price was used (see {@link ModelPrice.model}). */
  pricedAs: string;
  priceSource: PriceSource;
  /** Threshold of the long-context tier that applied, or `null` when base rates applied. */
  tierAboveInputTokens: number | null;
}

/** The cost of a call whose model has no price: unknown, never a silent zero. */
export interface UnknownCallCost {
  known: false;
  costUsd: null;
  breakdown: null;
  model: string;
  pricedAs: null;
  priceSource: null;
  tierAboveInputTokens: null;
}

/** What a call cost, or that its cost is unknown. */
export type CallCost = KnownCallCost | UnknownCallCost;

/** One model of {@link PriceTable.listKnownModels}. */
export interface KnownModel {
  model: string;
  provider: string;
  price: ModelPrice;
}

/** Options of {@link PriceTable.listKnownModels}. */
export interface ListModelsOptions {
  /**
   * Providers of the price data to list (overridden models are always listed).
   * @default ["anthropic", "openai", "google", "deepseek", "x-ai", "mistral", "moonshotai", "zhipuai"]
   */
  providers?: string[];
  /**
   * List models the data marks as deprecated.
   * @default false
   */
  includeDeprecated?: boolean;
  /** @default the current time */
  timestamp?: Date | number;
}
