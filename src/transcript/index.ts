/**
 * The neutral transcript model's tools: content hashes, request validation and the invariant checker.
 *
 * @module
 */
export { canonicalJson, hashBlocks, hashMessage, hashValue } from "./hash.js";
export { checkInvariants, type InvariantOptions } from "./invariants.js";
export type * from "./types.js";
export { type ToolEvent, toolEvents, validateConversation } from "./validate.js";
export type { InvariantCode, InvariantViolation } from "./violations.js";
