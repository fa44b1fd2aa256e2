/**
 * Validation of user price overrides (zod 4). A bad override throws an {@link InvalidOptionError} whose
 * `field` is the dotted path of the bad value (`overrides.my-model.input`) and whose message says what
 * was expected and what was given.
 *
 * @module
 */

import { type core, z } from "zod";
import { InvalidOptionError } from "../errors.js";
import type { ModelPriceInput } from "./types.js";

const dollars = "a finite number of dollars per million tokens, 0 or more";
const price = z.number({ error: dollars }).min(0, { error: dollars });
const tokens = "a whole number of tokens, 0 or more";
const rateKeys = ["input", "output", "cacheRead", "cacheWrite5m", "cacheWrite1h"] as const;
const tierKeys = ["aboveInputTokens", ...rateKeys];
const overrideKeys = [...rateKeys, "tiers", "contextWindow", "provider", "family"];

const tierSchema = z.strictObject(
  {
    aboveInputTokens: z.number({ error: tokens }).int({ error: tokens }).min(0, { error: tokens }),
    input: price,
    output: price,
    cacheRead: price.optional(),
    cacheWrite5m: price.optional(),
    cacheWrite1h: price.optional(),
  },
  { error: "an object with aboveInputTokens, input, output and optional cache rates" },
);

const overrideSchema = z.strictObject(
  {
    input: price.optional(),
    output: price.optional(),
    cacheRead: price.optional(),
    cacheWrite5m: price.optional(),
    cacheWrite1h: price.optional(),
    tiers: z.array(tierSchema, { error: "an array of long-context tiers" }).optional(),
    contextWindow: z
      .number({ error: "a whole number of tokens, more than 0" })
      .int({ error: "a whole number of tokens, more than 0" })
      .min(1, { error: "a whole number of tokens, more than 0" })
      .optional(),
    provider: z
      .string({ error: "a non-empty provider name" })
      .min(1, { error: "a non-empty provider name" })
      .optional(),
    family: z
      .string({ error: "a non-empty family name" })
      .min(1, { error: "a non-empty family name" })
      .optional(),
  },
  { error: "an object of prices in dollars per million tokens (input, output, cacheRead, ...)" },
);

const overridesSchema = z.record(z.string().min(1), overrideSchema, {
  error: "an object mapping model names to prices",
});

/** A validated override: tiers sorted by threshold. */
export type ValidOverride = Partial<ModelPriceInput>;

function valueAtPath(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function issueToError(root: unknown, issue: core.$ZodIssue, base: string): InvalidOptionError {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const inTier = path.includes("tiers");
    const allowed = (inTier ? tierKeys : overrideKeys).join(", ");
    const field = [base, ...path, key].join(".");
    return new InvalidOptionError(
      field,
      `absent: the known fields are ${allowed}`,
      valueAtPath(root, [...issue.path, key]),
    );
  }
  if (issue.code === "invalid_key") {
    return new InvalidOptionError(base, "an object whose keys are non-empty model names", root);
  }
  return new InvalidOptionError([base, ...path].join("."), issue.message, valueAtPath(root, issue.path));
}

/**
 * Validates `overrides` and returns them keyed as given, with tiers sorted.
 *
 * @param base - Name of the option in error messages.
 * @default base "overrides"
 * @throws InvalidOptionError naming the first bad field.
 */
export function validateOverrides(overrides: unknown, base = "overrides"): Map<string, ValidOverride> {
  const parsed = overridesSchema.safeParse(overrides);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue === undefined) throw new InvalidOptionError(base, "valid price overrides", overrides);
    throw issueToError(overrides, issue, base);
  }
  const result = new Map<string, ValidOverride>();
  for (const [model, override] of Object.entries(parsed.data)) {
    const tiers = override.tiers
      ?.slice()
      .sort((left, right) => left.aboveInputTokens - right.aboveInputTokens);
    tiers?.forEach((tier, index) => {
      if (index > 0 && tiers[index - 1]?.aboveInputTokens === tier.aboveInputTokens) {
        throw new InvalidOptionError(
          `${base}.${model}.tiers`,
          "tiers with different aboveInputTokens thresholds",
          override.tiers,
        );
      }
    });
    const clean = Object.fromEntries(Object.entries(override).filter(([, value]) => value !== undefined));
    result.set(model, tiers === undefined ? clean : { ...clean, tiers });
  }
  return result;
}
