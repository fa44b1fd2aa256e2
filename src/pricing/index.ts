/**
 * Prices and the cost of a call: model prices from `@pydantic/genai-prices` (plus documented corrections
 * and validated user overrides), normalised to five per-million-token rates with long-context tiers;
 * the cost of a call and its no-cache counterfactual; context windows; cheaper siblings.
 *
 * @module
 */

export { type PriceCorrection, priceCorrections } from "./corrections.js";
export { promptTokensOf, ratesForPrompt } from "./cost.js";
export {
  cheaperSibling,
  contextWindowOf,
  costOfCall,
  defaultPriceTable,
  getModelPrice,
  listKnownModels,
  setDefaultPriceTable,
  summarizerModelFor,
  uncachedCostOfCall,
} from "./default-table.js";
export { anthropicCacheMultipliers, type CacheStyle } from "./derived-rates.js";
export { createPriceTable, type PriceTable, type PriceTableOptions } from "./price-table.js";
export type {
  CallCost,
  CostBreakdown,
  KnownCallCost,
  KnownModel,
  ListModelsOptions,
  ModelPrice,
  ModelPriceInput,
  PriceLookupOptions,
  PriceRates,
  PriceSource,
  PriceTier,
  PriceTierInput,
  RateName,
  UnknownCallCost,
} from "./types.js";
