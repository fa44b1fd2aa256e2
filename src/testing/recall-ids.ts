/**
 * Reading offload ids out of a request, to script a model that recalls (`reply.recall(id)`).
 *
 * @module
 */
import { recallIdsIn } from "../../strategies/offload.js";
import type { RecordedRequest } from "./recorded-request.js";

function collect(value: unknown, into: string[]): void {
  if (typeof value === "string") into.push(...recallIdsIn(value));
  else if (Array.isArray(value)) for (const item of value) collect(item, into);
  else if (typeof value === "object" && value !== null)
    for (const item of Object.values(value)) collect(item, into);
}

/**
 * The offload ids a request shows the model (every recallable placeholder compactor wrote), in order of
 * appearance, without repeats.
 */
export function recallIdsOf(request: RecordedRequest | { body: unknown }): string[] {
  const ids: string[] = [];
  collect(request.body, ids);
  return [...new Set(ids)];
}
