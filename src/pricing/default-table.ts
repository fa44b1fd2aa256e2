/**
 * The default price table (bundled genai-prices data plus compactor's corrections) and module-level
 * shortcuts to it. Applications that override prices globally install their own table with
 * {@link setDefaultPriceTable}; libraries should pass a table explicitly instead.
 *
 * @module
 */

import type { Usage } from "../transcript/types.js";
import { createPriceTable, type PriceTable } from "./price-table.js";
import type { CallCost, KnownModel, ListModelsOptions, ModelPrice, PriceLookupOptions } from "./types.js";

let installed: PriceTable | undefined;

/** The table the shortcuts below use; created on first use. */
export function defaultPriceTable(): PriceTable {
  installed ??= createPriceTable();
  return installed;
}

/** Replaces the default table (for example one with user overrides); `undefined` restores the built-in one. */
export function setDefaultPriceTable(table: PriceTable | undefined): void {
  installed = table;
}

/** {@link PriceTable.getModelPrice} on the default table. */
export function getModelPrice(model: string, options?: PriceLookupOptions): ModelPrice | undefined {
  return defaultPriceTable().getModelPrice(model, options);
}

/** {@link PriceTable.costOfCall} on the default table. */
export function costOfCall(model: string, usage: Usage, options?: PriceLookupOptions): CallCost {
  return defaultPriceTable().costOfCall(model, usage, options);
}

/** {@link PriceTable.uncachedCostOfCall} on the default table. */
export function uncachedCostOfCall(model: string, usage: Usage, options?: PriceLookupOptions): CallCost {
  return defaultPriceTable().uncachedCostOfCall(model, usage, options);
}

/** {@link PriceTable.contextWindow} on the default table. */
export function contextWindowOf(model: string, options?: PriceLookupOptions): number | undefined {
  return defaultPriceTable().contextWindow(model, options);
}

/** {@link PriceTable.cheaperSibling} on the default table. */
export function cheaperSibling(model: string): string | undefined {
  return defaultPriceTable().cheaperSibling(model);
}

/** {@link PriceTable.summarizerModelFor} on the default table. */
export function summarizerModelFor(model: string): string | undefined {
  return defaultPriceTable().summarizerModelFor(model);
}

/** {@link PriceTable.listKnownModels} on the default table. */
export function listKnownModels(options?: ListModelsOptions): KnownModel[] {
  return defaultPriceTable().listKnownModels(options);
}
