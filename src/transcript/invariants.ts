/**
 * compactor's promises about a compacted request, checked against the request it came from. If any is
 * broken, the wrapper sends the original request instead and logs an error event.
 *
 * How compacted messages are matched to original ones: a message equal to an original one (by content hash)
 * is that message; a message holding a {@link SummaryBlock} (or accepted by `isSummary`) is a summary and
 * needs no original; any other message is a rewrite (a masked tool result, say) when it keeps the role and the
 * tool call / result ids of a later original message. Matches must go forward through the original.
 *
 * @module
 */
import { hashBlocks, hashMessage } from "./hash.js";
import type { Conversation, Message } from "./types.js";
import { validateConversation } from "./validate.js";
import type { InvariantViolation } from "./violations.js";

/** Options of {@link checkInvariants}. */
export interface InvariantOptions {
  /**
   * Indices of original messages that must be kept unchanged, besides those marked `pinned: true`.
   * @default []
   */
  pinned?: readonly number[];
  /**
   * Recognises messages a strategy wrote in place of others, which need no original.
   * @default a message holding at least one `summary` block
   */
  isSummary?: (message: Message) => boolean;
}

const holdsSummary = (message: Message): boolean => message.content.some((block) => block.type === "summary");

/**
 * Checks that `compacted` keeps every promise compactor makes about `original`: valid structure (only
 * problems the original did not already have are reported), same format and system prompt, the task, pinned
 * messages and thinking blocks kept, and no message that did not come from the original or a summary.
 * Returns the violations; an empty list means the compacted request may be sent.
 */
export function checkInvariants(
  original: Conversation,
  compacted: Conversation,
  options: InvariantOptions = {},
): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  if (original.format !== compacted.format) {
    violations.push({
      code: "format-changed",
      message: `The compacted request is in the ${compacted.format} format, the original in ${original.format}`,
    });
  }
  violations.push(...newStructuralViolations(original, compacted));
  violations.push(...systemViolations(original, compacted));

  const matches = matchMessages(original.messages, compacted.messages, options.isSummary ?? holdsSummary);
  violations.push(...matches.violations);
  const keptExactly = new Set(matches.exact.values());
  const kept = new Set([...keptExactly, ...matches.rewritten.values()]);

  const task = original.messages.findIndex(
    (message) => message.role === "user" && !message.content.some((block) => block.type === "tool_result"),
  );
  if (task >= 0 && !keptExactly.has(task)) {
    violations.push({
      code: "task-dropped",
      messageIndex: task,
      message: `The first user message (the task, message ${task}) is not kept unchanged`,
    });
  }
  const pinned = new Set(options.pinned ?? []);
  original.messages.forEach((message, index) => {
    if (message.pinned) pinned.add(index);
  });
  for (const index of [...pinned].sort((left, right) => left - right)) {
    if (index < original.messages.length && !keptExactly.has(index)) {
      violations.push({
        code: "pinned-dropped",
        messageIndex: index,
        message: `Pinned message ${index} is not kept unchanged`,
      });
    }
  }
  if (original.format === "anthropic") violations.push(...lastToolTurnThinking(original.messages, kept));
  return violations;
}

function violationKey(violation: InvariantViolation): string {
  return `${violation.code}\u0000${violation.subject ?? ""}`;
}

/**
 * Structural violations of `compacted` that `original` does not already have. The original is validated only
 * when the compacted request has violations to filter (the usual clean request costs one validation).
 */
function newStructuralViolations(original: Conversation, compacted: Conversation): InvariantViolation[] {
  const found = validateConversation(compacted);
  if (found.length === 0) return found;
  const known = new Set(validateConversation(original).map(violationKey));
  return found.filter((violation) => !known.has(violationKey(violation)));
}

function leadingSystem(messages: readonly Message[]): string[] {
  const hashes: string[] = [];
  for (const message of messages) {
    if (message.role !== "system") break;
    hashes.push(hashMessage(message));
  }
  return hashes;
}

function systemViolations(original: Conversation, compacted: Conversation): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  if (hashBlocks(original.system ?? []) !== hashBlocks(compacted.system ?? [])) {
    violations.push({ code: "system-changed", message: "The system prompt differs from the original" });
  }
  const before = leadingSystem(original.messages);
  const after = leadingSystem(compacted.messages);
  if (before.length !== after.length || before.some((hash, index) => hash !== after[index])) {
    violations.push({
      code: "system-changed",
      subject: "leading-system-messages",
      message: `The leading system messages differ from the original (${before.length} before, ${after.length} after)`,
    });
  }
  return violations;
}

const toolSignatures = new WeakMap<Message, string>();

/**
 * Tool call and result ids of a message, in order; empty for plain text. Memoised per message object
 * (messages are immutable once hashed, see {@link hashMessage}).
 */
function toolSignature(message: Message): string {
  let signature = toolSignatures.get(message);
  if (signature === undefined) {
    signature = message.content
      .flatMap((block) =>
        block.type === "tool_call"
          ? [`c:${block.id}`]
          : block.type === "tool_result"
            ? [`r:${block.callId}`]
            : [],
      )
      .join("\u0000");
    toolSignatures.set(message, signature);
  }
  return signature;
}

function thinkingHash(message: Message): string {
  return hashBlocks(message.content.filter((block) => block.type === "thinking"));
}

interface Matches {
  /** Compacted index → original index, for messages kept unchanged. */
  exact: Map<number, number>;
  /** Compacted index → original index, for rewritten messages. */
  rewritten: Map<number, number>;
  violations: InvariantViolation[];
}

function matchMessages(
  original: readonly Message[],
  compacted: readonly Message[],
  isSummary: (message: Message) => boolean,
): Matches {
  const hashes = original.map(hashMessage);
  const result: Matches = { exact: new Map(), rewritten: new Map(), violations: [] };
  let cursor = 0;
  compacted.forEach((message, index) => {
    const hash = hashMessage(message);
    const exact = hashes.indexOf(hash, cursor);
    if (exact >= 0) {
      result.exact.set(index, exact);
      cursor = exact + 1;
      return;
    }
    if (isSummary(message)) return;
    const signature = toolSignature(message);
    const rewrite =
      signature === ""
        ? -1
        : findRewrite(original, cursor, signature, message.role);
    if (rewrite >= 0) {
      result.rewritten.set(index, rewrite);
      cursor = rewrite + 1;
      const source = original[rewrite] as Message;
      if (thinkingHash(source) !== thinkingHash(message)) {
        result.violations.push({
          code: "thinking-changed",
          messageIndex: index,
          message: `Message ${index} keeps the tool calls of original message ${rewrite} but not its thinking blocks byte for byte`,
        });
      }
      return;
    }
    const earlier = hashes.indexOf(hash);
    result.violations.push(
      earlier >= 0
        ? {
            code: "order-changed",
            messageIndex: index,
            message: `Message ${index} is original message ${earlier}, out of its original order`,
          }
        : {
            code: "unknown-message",
            messageIndex: index,
            message: `Message ${index} (role "${message.role}") is neither an original message, a rewrite keeping its tool ids, nor a summary`,
          },
    );
  });
  return result;
}

/** First original message at or after `from` with this role and tool signature, or -1. */
function findRewrite(
  original: readonly Message[],
  from: number,
  signature: string,
  role: Message["role"],
): number {
  for (let at = from; at < original.length; at++) {
    const candidate = original[at] as Message;
    if (candidate.role === role && toolSignature(candidate) === signature) return at;
  }
  return -1;
}

/**
 * With extended thinking, Anthropic wants the thinking of the assistant turn that called tools sent back
 * unchanged. The API insists only while that tool loop is open; compactor keeps the thinking of the last
 * tool-using turn even after later plain turns, to be safe.
 */
function lastToolTurnThinking(messages: readonly Message[], kept: ReadonlySet<number>): InvariantViolation[] {
  let last = -1;
  messages.forEach((message, index) => {
    if (message.role === "assistant" && message.content.some((block) => block.type === "tool_call"))
      last = index;
  });
  if (last < 0) return [];
  let start = last;
  while (start > 0 && messages[start - 1]?.role === "assistant") start--;
  const violations: InvariantViolation[] = [];
  for (let index = start; index <= last; index++) {
    const message = messages[index];
    if (message?.content.some((block) => block.type === "thinking") && !kept.has(index)) {
      violations.push({
        code: "thinking-dropped",
        messageIndex: index,
        message: `The thinking of the last assistant turn with tool use (message ${index}) is not kept`,
      });
    }
  }
  return violations;
}
