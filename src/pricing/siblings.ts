/**
 * Model families and their cheaper siblings: Opus → Sonnet → Haiku, gpt-5 → gpt-5-mini → gpt-5-nano,
 * gpt-5.4 → gpt-5.4-mini → gpt-5.4-nano, Gemini pro → flash → flash-lite. Used to route to a cheaper model
 * under budget pressure and to pick a summarizer.
 *
 * Siblings come from the price data's model list: the next rung down with the same version when there is
 * one, else the nearest version of the same major version, else the nearest version at all (Claude Opus
 * 4.6 → Sonnet 4.6 → Haiku 4.5). A sibling must be cheaper
 * (lower input price, output no higher) than the model it replaces.
 *
 * @module
 */

import { genaiProviderModels } from "./internal/genai-lookup.js";
import { splitRoutingPrefix } from "./internal/model-name.js";
import type { ModelPrice } from "./types.js";

/** A model's place on its family's ladder. */
interface Rung {
  /** Version as written (`4-6`, `5.4`, `4o`). */
  version: string;
  /** Version as a number, for "nearest version" (`4.6`, `5.4`, `4`). */
  numeric: number;
  /** 0 for the top model (Opus, gpt-N, pro), 1 for the next, ... */
  rung: number;
}

/** A family of models ordered from most to least capable. */
interface Ladder {
  family: string;
  /** Provider id in the price data whose models form the ladder. */
  provider: string;
  parse(modelId: string): Rung | undefined;
}

const claudeTiers = ["opus", "sonnet", "haiku"];
const gptTiers = ["", "mini", "nano"];
const geminiTiers = ["pro", "flash", "flash-lite"];

const ladders: readonly Ladder[] = [
  {
    family: "claude",
    provider: "anthropic",
    parse(modelId) {
      const newer = /^claude-(opus|sonnet|haiku)-(\d+)(?:-(\d))?(?:-latest)?$/.exec(modelId);
      const older = /^claude-(\d+)(?:-(\d))?-(opus|sonnet|haiku)(?:-latest)?$/.exec(modelId);
      const [tier, major, minor] = newer
        ? [newer[1], newer[2], newer[3]]
        : older
          ? [older[3], older[1], older[2]]
          : [undefined, undefined, undefined];
      if (tier === undefined || major === undefined) return undefined;
      const version = minor === undefined ? major : `${major}-${minor}`;
      return { version, numeric: Number(major) + Number(minor ?? 0) / 10, rung: claudeTiers.indexOf(tier) };
    },
  },
  {
    family: "gpt",
    provider: "openai",
    parse(modelId) {
      const match = /^gpt-(\d+(?:\.\d+)?o?)(?:-(mini|nano))?$/.exec(modelId);
      if (match?.[1] === undefined) return undefined;
      return {
        version: match[1],
        numeric: Number.parseFloat(match[1]),
        rung: gptTiers.indexOf(match[2] ?? ""),
      };
    },
  },
  {
    family: "gemini",
    provider: "google",
    parse(modelId) {
      const match = /^gemini-(\d+(?:\.\d+)?)-(pro|flash|flash-lite)(?:-preview)?$/.exec(modelId);
      if (match?.[1] === undefined || match[2] === undefined) return undefined;
      return { version: match[1], numeric: Number(match[1]), rung: geminiTiers.indexOf(match[2]) };
    },
  },
];

function ladderOf(modelId: string): { ladder: Ladder; rung: Rung } | undefined {
  for (const ladder of ladders) {
    const rung = ladder.parse(modelId);
    if (rung !== undefined) return { ladder, rung };
  }
  return undefined;
}

/** The sibling family of a price-data model id (`claude`, `gpt`, `gemini`), if it is on a ladder. */
export function familyOf(modelId: string): string | undefined {
  return ladderOf(modelId)?.ladder.family;
}

/** The model ids of `ladder` on `rung`, best version match for `version` first. */
function rungCandidates(ladder: Ladder, rung: number, version: Rung): string[] {
  const models = genaiProviderModels(ladder.provider)?.models ?? [];
  const onRung = models.flatMap((model) => {
    const parsed = model.deprecated === true ? undefined : ladder.parse(model.id);
    return parsed?.rung === rung ? [{ id: model.id, parsed }] : [];
  });
  // Same version first, then the same major version, then the nearest version (lower on a tie).
  const distance = (parsed: Rung): number =>
    parsed.version === version.version
      ? -1
      : (Math.floor(parsed.numeric) === Math.floor(version.numeric) ? 0 : 1000) +
        Math.abs(parsed.numeric - version.numeric);
  return onRung
    .sort(
      (left, right) =>
        distance(left.parsed) - distance(right.parsed) || left.parsed.numeric - right.parsed.numeric,
    )
    .map((entry) => entry.id);
}

/** Writes a Claude id with dotted versions (`claude-sonnet-4.6`) when the caller's name used them. */
function styleLike(callerBare: string, siblingId: string): string {
  return /^claude-/.test(siblingId) && /\d\.\d/.test(callerBare)
    ? siblingId.replace(/-(\d)-(\d)(?=-|$)/g, "-$1.$2")
    : siblingId;
}

/**
 * The next cheaper model of the same family, named with the caller's routing prefix, or `undefined`.
 *
 * @param lookup - Resolves a model name to its price (the price table's `getModelPrice`).
 */
export function cheaperSiblingOf(
  model: string,
  lookup: (model: string) => ModelPrice | undefined,
): string | undefined {
  const price = lookup(model);
  const place = price === undefined ? undefined : ladderOf(price.model);
  if (price === undefined || place === undefined) return undefined;
  const { prefix, bare } = splitRoutingPrefix(model);
  for (let rung = place.rung.rung + 1; rung < 3; rung++) {
    for (const candidate of rungCandidates(place.ladder, rung, place.rung)) {
      const candidatePrice = lookup(candidate);
      if (candidatePrice === undefined) continue;
      if (candidatePrice.input < price.input && candidatePrice.output <= price.output) {
        return `${prefix}${styleLike(bare, candidate)}`;
      }
    }
  }
  return undefined;
}

/** The cheapest model down the family ladder (`claude-opus-4-6` → `claude-haiku-4-5`), or `undefined`. */
export function cheapestSiblingOf(
  model: string,
  lookup: (model: string) => ModelPrice | undefined,
): string | undefined {
  let cheapest: string | undefined;
  for (
    let next = cheaperSiblingOf(model, lookup);
    next !== undefined;
    next = cheaperSiblingOf(next, lookup)
  ) {
    cheapest = next;
  }
  return cheapest;
}
