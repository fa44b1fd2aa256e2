/**
 * Finding a model in the `@pydantic/genai-prices` data and choosing the price that applied at a moment
 * (its date and time-of-day constraints).
 *
 * @module
 */

import {
  calcPrice,
  findProvider,
  type ModelPrice as GenaiModelPrice,
  type ModelInfo,
  type Provider,
} from "@pydantic/genai-prices";
import { nameCandidates } from "./model-name.js";

/** A model of the price data, with the provider it was found under. */
export interface GenaiMatch {
  provider: Provider;
  model: ModelInfo;
}

/**
 * Finds `model` in the price data, trying its lenient spellings in order (see {@link nameCandidates}).
 *
 * @param provider - Provider id or alias to try first (`anthropic`, `openrouter`, `bedrock`, ...).
 */
export function matchGenaiModel(model: string, provider?: string): GenaiMatch | undefined {
  for (const candidate of nameCandidates(model, provider)) {
    const options = candidate.providerHint === undefined ? undefined : { providerId: candidate.providerHint };
    let result: ReturnType<typeof calcPrice>;
    try {
      result = calcPrice({}, candidate.name, options);
    } catch {
      // A data entry whose prices genai-prices itself cannot evaluate: try the next spelling.
      continue;
    }
    if (result !== null) return { provider: result.provider, model: result.model };
  }
  return undefined;
}

/** The models of one provider of the price data, or `[]` when the data has no such provider. */
export function genaiProviderModels(
  providerId: string,
): { provider: Provider; models: ModelInfo[] } | undefined {
  const provider = findProvider({ providerId });
  return provider === undefined ? undefined : { provider, models: provider.models };
}

/** Seconds after midnight UTC of a `HH:MM:SS[.fff](Z|±HH:MM)` time, or `undefined` if malformed. */
function secondsOfDay(time: string): number | undefined {
  const match = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (match === null) return undefined;
  const [, hours, minutes, seconds, zone, sign, offsetHours, offsetMinutes] = match;
  const local = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  const offset =
    zone === "Z" ? 0 : (sign === "-" ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60);
  return (local - offset + 86_400) % 86_400;
}

function inWindow(at: Date, start: string, end: string): boolean {
  const from = secondsOfDay(start);
  const to = secondsOfDay(end);
  if (from === undefined || to === undefined) return false;
  const now = at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds();
  return to < from ? now >= from || now < to : now >= from && now < to;
}

/**
 * The price entry of `model` that applied at `at`, the same way genai-prices chooses it: the last entry
 * whose constraint holds, else the first. `index` is `-1` for a model with a single, unconditional price.
 */
export function pricesAt(model: ModelInfo, at: Date): { prices: GenaiModelPrice; index: number } {
  if (!Array.isArray(model.prices)) return { prices: model.prices, index: -1 };
  for (let index = model.prices.length - 1; index >= 0; index--) {
    const entry = model.prices[index];
    if (entry === undefined) continue;
    const constraint = entry.constraint;
    if (constraint === undefined) return { prices: entry.prices, index };
    if (constraint.type === "start_date" && at.getTime() >= Date.parse(constraint.start_date)) {
      return { prices: entry.prices, index };
    }
    if (constraint.type === "time_of_date" && inWindow(at, constraint.start_time, constraint.end_time)) {
      return { prices: entry.prices, index };
    }
  }
  const first = model.prices[0];
  return { prices: first === undefined ? {} : first.prices, index: 0 };
}
