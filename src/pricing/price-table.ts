/**
 * The price table: `@pydantic/genai-prices` data, compactor's documented corrections and the user's
 * overrides behind one lookup, cached by model name so that pricing a call on the hot path is a map hit.
 *
 * @module
 */

import { LRUCache } from "lru-cache";
import { InvalidOptionError } from "../errors.js";
import type { Usage } from "../transcript/types.js";
import { priceCall } from "./cost.js";
import { type GenaiMatch, genaiProviderModels, matchGenaiModel } from "./internal/genai-lookup.js";
import { checkModelName, toDate } from "./internal/arguments.js";
import { nameCandidates, normaliseModelName } from "./internal/model-name.js";
import { applyOverride, freezePrice, genaiVariantAt, priceFromGenai } from "./internal/resolve.js";
import { type ValidOverride, validateOverrides } from "./overrides.js";
import { cheapestSiblingOf, cheaperSiblingOf } from "./siblings.js";
import type {
  CallCost,
  KnownModel,
  ListModelsOptions,
  ModelPrice,
  ModelPriceInput,
  PriceLookupOptions,
} from "./types.js";

/** Options of {@link createPriceTable}. */
export interface PriceTableOptions {
  /**
   * Prices by model name that replace or complete the data's. For a model the data knows, any subset of
   * fields; for another, at least `input` and `output`. Validated: a bad value throws
   * {@link InvalidOptionError} naming `overrides.<model>.<field>`.
   * @default {}
   */
  overrides?: Record<string, Partial<ModelPriceInput>>;
  /**
   * Use the price data bundled with `@pydantic/genai-prices`. Without it only overrides are known.
   * @default true
   */
  useBundledPrices?: boolean;
  /**
   * Apply compactor's documented corrections of that data (see `priceCorrections`).
   * @default true
   */
  applyCorrections?: boolean;
  /**
   * How many model names (and resolved prices) to keep cached.
   * @default 2000
   */
  cacheSize?: number;
}

/** Prices of models and the cost of calls. Every method is synchronous and cheap after the first lookup. */
export interface PriceTable {
  /** The normalised (frozen) price of `model`, or `undefined` when nothing prices it. */
  getModelPrice(model: string, options?: PriceLookupOptions): ModelPrice | undefined;
  /** What a call cost; `known: false` and `costUsd: null` when the model has no price. */
  costOfCall(model: string, usage: Usage, options?: PriceLookupOptions): CallCost;
  /** What the same call would have cost if nothing had been cached: every prompt token at the input rate. */
  uncachedCostOfCall(model: string, usage: Usage, options?: PriceLookupOptions): CallCost;
  /** The model's context window in tokens, when known. */
  contextWindow(model: string, options?: PriceLookupOptions): number | undefined;
  /** The next cheaper model of the same family (Opus → Sonnet → Haiku), keeping the caller's routing prefix. */
  cheaperSibling(model: string): string | undefined;
  /** The cheapest model of the same family, for summarizing; `undefined` when there is no cheaper one. */
  summarizerModelFor(model: string): string | undefined;
  /** Models with a price: the data's (for the chosen providers) and every override. */
  listKnownModels(options?: ListModelsOptions): KnownModel[];
}

type Resolution =
  | { kind: "genai"; match: GenaiMatch; overrideKey?: string }
  | { kind: "override"; overrideKey: string }
  | { kind: "unknown" };

/** Providers `compactor prices` and `listKnownModels` list when none are named. */
export const defaultProviders = [
  "anthropic",
  "openai",
  "google",
  "deepseek",
  "x-ai",
  "mistral",
  "moonshotai",
  "zhipuai",
];

/**
 * Creates a price table.
 *
 * @throws InvalidOptionError when an option or override is malformed, naming its dotted path.
 */
export function createPriceTable(options: PriceTableOptions = {}): PriceTable {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object of price table options", options);
  }
  const useBundled = options.useBundledPrices ?? true;
  const applyCorrections = options.applyCorrections ?? true;
  const cacheSize = options.cacheSize ?? 2000;
  if (typeof useBundled !== "boolean")
    throw new InvalidOptionError("useBundledPrices", "a boolean", useBundled);
  if (typeof applyCorrections !== "boolean") {
    throw new InvalidOptionError("applyCorrections", "a boolean", applyCorrections);
  }
  if (!Number.isInteger(cacheSize) || cacheSize < 1) {
    throw new InvalidOptionError("cacheSize", "a whole number, 1 or more", cacheSize);
  }

  const overrides = validateOverrides(options.overrides ?? {});
  const overrideByName = new Map<string, { key: string; matched: boolean }>();
  const overrideByCanonical = new Map<string, string>();
  for (const [key, override] of overrides) {
    const match = useBundled ? matchGenaiModel(key, override.provider) : undefined;
    if (match !== undefined) overrideByCanonical.set(`${match.provider.id}:${match.model.id}`, key);
    for (const field of ["input", "output"] as const) {
      if (match === undefined && override[field] === undefined) {
        throw new InvalidOptionError(
          `overrides.${key}.${field}`,
          `a finite number of dollars per million tokens (the price data does not know "${key}", so input and output are required)`,
          undefined,
        );
      }
    }
    overrideByName.set(normaliseModelName(key), { key, matched: match !== undefined });
  }

  const resolutions = new LRUCache<string, Resolution>({ max: cacheSize });
  const prices = new LRUCache<string, ModelPrice | "none">({ max: cacheSize });

  function resolve(model: string, provider: string | undefined): Resolution {
    const cacheKey = `${provider ?? ""}\u0000${model}`;
    const cached = resolutions.get(cacheKey);
    if (cached !== undefined) return cached;
    let direct: { key: string; matched: boolean } | undefined;
    for (const candidate of nameCandidates(model, provider)) {
      direct = overrideByName.get(candidate.name);
      if (direct !== undefined) break;
    }
    let resolution: Resolution;
    const match = useBundled && direct?.matched !== false ? matchGenaiModel(model, provider) : undefined;
    if (match !== undefined) {
      const overrideKey = direct?.key ?? overrideByCanonical.get(`${match.provider.id}:${match.model.id}`);
      resolution =
        overrideKey === undefined ? { kind: "genai", match } : { kind: "genai", match, overrideKey };
    } else {
      resolution = direct === undefined ? { kind: "unknown" } : { kind: "override", overrideKey: direct.key };
    }
    resolutions.set(cacheKey, resolution);
    return resolution;
  }

  function overrideOf(key: string | undefined): ValidOverride | undefined {
    return key === undefined ? undefined : overrides.get(key);
  }

  function priceOf(resolution: Resolution, at: Date): ModelPrice | undefined {
    if (resolution.kind === "unknown") return undefined;
    const cacheKey =
      resolution.kind === "override"
        ? `override\u0000${resolution.overrideKey}`
        : `${resolution.match.provider.id}:${resolution.match.model.id}\u0000${genaiVariantAt(
            resolution.match.provider,
            resolution.match.model,
            at,
            applyCorrections,
          )}\u0000${resolution.overrideKey ?? ""}`;
    const cached = prices.get(cacheKey);
    if (cached !== undefined) return cached === "none" ? undefined : cached;
    let price: ModelPrice | undefined;
    const override = overrideOf(resolution.overrideKey);
    if (resolution.kind === "override") {
      price = override === undefined ? undefined : applyOverride(undefined, resolution.overrideKey, override);
    } else {
      const base = priceFromGenai(resolution.match.provider, resolution.match.model, at, applyCorrections);
      price = override === undefined ? base : applyOverride(base, resolution.overrideKey ?? "", override);
    }
    prices.set(cacheKey, price === undefined ? "none" : freezePrice(price));
    return price;
  }

  /**
   * Lookups for "now" (no timestamp, no provider), per model: the price found is kept for a minute when it is
   * also the price a minute later, so a price change is never skipped. Every call of a session asks this.
   */
  const currentPrices = new Map<string, { price: ModelPrice | undefined; from: number; until: number }>();
  const currentWindowMs = 60_000;

  const table: PriceTable = {
    getModelPrice(model, lookup = {}) {
      if (lookup.timestamp === undefined && lookup.provider === undefined) {
        const now = Date.now();
        const known = currentPrices.get(model);
        if (known !== undefined && now >= known.from && now < known.until) return known.price;
        checkModelName(model);
        const resolution = resolve(model, undefined);
        const price = priceOf(resolution, new Date(now));
        if (priceOf(resolution, new Date(now + currentWindowMs)) === price) {
          if (currentPrices.size >= cacheSize) currentPrices.clear();
          currentPrices.set(model, { price, from: now, until: now + currentWindowMs });
        }
        return price;
      }
      checkModelName(model);
      return priceOf(resolve(model, lookup.provider), toDate(lookup.timestamp, "options.timestamp"));
    },
    costOfCall(model, usage, lookup) {
      return priceCall(model, table.getModelPrice(model, lookup), usage, false);
    },
    uncachedCostOfCall(model, usage, lookup) {
      return priceCall(model, table.getModelPrice(model, lookup), usage, true);
    },
    contextWindow(model, lookup) {
      return table.getModelPrice(model, lookup)?.contextWindow;
    },
    cheaperSibling(model) {
      checkModelName(model);
      return cheaperSiblingOf(model, (name) => table.getModelPrice(name));
    },
    summarizerModelFor(model) {
      checkModelName(model);
      return cheapestSiblingOf(model, (name) => table.getModelPrice(name));
    },
    listKnownModels(listOptions = {}) {
      const at = toDate(listOptions.timestamp, "options.timestamp");
      const known: KnownModel[] = [];
      const seen = new Set<string>();
      for (const providerId of useBundled ? (listOptions.providers ?? defaultProviders) : []) {
        const entry = genaiProviderModels(providerId);
        if (entry === undefined) continue;
        for (const model of entry.models) {
          if (model.deprecated === true && listOptions.includeDeprecated !== true) continue;
          const canonical = `${entry.provider.id}:${model.id}`;
          const match = { provider: entry.provider, model };
          const overrideKey = overrideByCanonical.get(canonical);
          const resolution: Resolution =
            overrideKey === undefined ? { kind: "genai", match } : { kind: "genai", match, overrideKey };
          const price = priceOf(resolution, at);
          if (price === undefined || seen.has(canonical)) continue;
          seen.add(canonical);
          known.push({ model: model.id, provider: entry.provider.id, price });
        }
      }
      for (const { key, matched } of overrideByName.values()) {
        const price = matched
          ? table.getModelPrice(key, { timestamp: at })
          : priceOf({ kind: "override", overrideKey: key }, at);
        if (price === undefined || seen.has(`${price.provider}:${price.model}`)) continue;
        seen.add(`${price.provider}:${price.model}`);
        known.push({ model: price.model, provider: price.provider, price });
      }
      return known;
    },
  };
  return table;
}
