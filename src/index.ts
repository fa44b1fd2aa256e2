/**
 * compactor: keeps long-running LLM agent sessions affordable.
 *
 * @module
 */
export * from "./errors.js";
export type * from "./transcript/types.js";
