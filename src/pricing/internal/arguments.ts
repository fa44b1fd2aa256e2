/**
 * Checks of the arguments of the price table's methods.
 *
 * @module
 */

import { InvalidOptionError } from "../../errors.js";

/** A lookup's moment as a `Date`: now when absent. */
export function toDate(timestamp: Date | number | undefined, field: string): Date {
  if (timestamp === undefined) return new Date();
  const date =
    timestamp instanceof Date ? timestamp : typeof timestamp === "number" ? new Date(timestamp) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new InvalidOptionError(
      field,
      "a valid Date or a number of milliseconds since the epoch",
      timestamp,
    );
  }
  return date;
}

/** Asserts that a model name is a non-empty string. */
export function checkModelName(model: unknown): asserts model is string {
  if (typeof model !== "string" || model.trim().length === 0) {
    throw new InvalidOptionError("model", "a non-empty model name", model);
  }
}
