/**
 * What the validator and the invariant checker report.
 *
 * @module
 */

/**
 * Violation codes. Structural ones ({@link validateConversation}) are what the provider APIs reject with a
 * 400; the others ({@link checkInvariants}) are compactor's promises about a compacted request.
 *
 * - `empty-conversation`: no messages (Anthropic and OpenAI chat need at least one).
 * - `role-order`: a role the format does not allow there (Anthropic: first turn not `user`, a `tool` role;
 *   OpenAI chat: tool results outside `tool` messages).
 * - `tool-call-without-result`: a tool call whose result is missing (Anthropic: from the next user turn;
 *   OpenAI chat: from the `tool` messages right after it; Responses: from any later item).
 * - `tool-result-without-call`: a tool result whose call is nowhere in the request.
 * - `tool-result-misplaced`: a result whose call exists but not where the format wants it (Anthropic: not in
 *   the previous assistant turn, or after other content; OpenAI: not right after / before its call).
 * - `duplicate-tool-id`: two tool calls share an id.
 * - `reasoning-without-item`: a Responses reasoning item not followed by the item it reasoned about.
 * - `format-changed`, `system-changed`, `task-dropped`, `pinned-dropped`: the compacted request changed the
 *   format, the system prompt (or leading system messages), dropped the first user message or a pinned one.
 * - `thinking-changed`: a kept assistant message's thinking blocks are not byte-for-byte the original ones.
 * - `thinking-dropped`: (Anthropic) the last assistant turn with tool use lost its thinking.
 * - `unknown-message`: a compacted message that is neither a summary nor (a rewrite of) an original message.
 * - `order-changed`: original messages appear in a different order.
 */
export type InvariantCode =
  | "empty-conversation"
  | "role-order"
  | "tool-call-without-result"
  | "tool-result-without-call"
  | "tool-result-misplaced"
  | "duplicate-tool-id"
  | "reasoning-without-item"
  | "format-changed"
  | "system-changed"
  | "task-dropped"
  | "pinned-dropped"
  | "thinking-changed"
  | "thinking-dropped"
  | "unknown-message"
  | "order-changed";

/** One broken rule. */
export interface InvariantViolation {
  code: InvariantCode;
  /** Index of the offending message (in the compacted conversation, or the original one for dropped messages). */
  messageIndex?: number;
  /** What it concerns, for grouping: a tool call id, a role rule, a content hash. */
  subject?: string;
  /** A sentence a person can act on. */
  message: string;
}
