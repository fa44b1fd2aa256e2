/**
 * Validates one neutral request the way the provider APIs do: tool calls paired with their results in the
 * place each format wants them, roles in a legal order, no duplicate call ids. A loopback test server uses it
 * to answer 400, and {@link checkInvariants} uses it on compacted requests.
 *
 * @module
 */
import { hashBlocks } from "./hash.js";
import type { Block, Conversation, Message } from "./types.js";
import { allCallIds, strayResult, toolEvents, unanswered } from "./tool-events.js";
import type { InvariantViolation } from "./violations.js";

export { type ToolEvent, toolEvents } from "./tool-events.js";

/**
 * Checks a single request. Returns the violations found, in message order; an empty list means the provider
 * would accept the request's structure.
 */
export function validateConversation(conversation: Conversation): InvariantViolation[] {
  const { messages } = conversation;
  const violations = duplicateCalls(messages, conversation.format === "openai-chat" ? "message" : "request");
  switch (conversation.format) {
    case "anthropic":
      violations.push(...validateAnthropic(messages));
      break;
    case "openai-chat":
      violations.push(...validateChat(messages));
      break;
    case "openai-responses":
      violations.push(...validateResponses(messages));
      break;
  }
  return violations.sort((left, right) => (left.messageIndex ?? -1) - (right.messageIndex ?? -1));
}

/**
 * Anthropic and Responses want call ids unique in the whole request; OpenAI chat pairs calls and results
 * locally and accepts an id used again in a later turn (recorded gpt-4o sessions do that), but not twice in
 * one message.
 */
function duplicateCalls(messages: readonly Message[], scope: "request" | "message"): InvariantViolation[] {
  let seen = new Set<string>();
  const violations: InvariantViolation[] = [];
  messages.forEach((message, index) => {
    if (scope === "message") seen = new Set();
    for (const event of toolEvents(message, index)) {
      if (event.kind !== "call") continue;
      if (seen.has(event.id)) {
        violations.push({
          code: "duplicate-tool-id",
          messageIndex: index,
          subject: event.id,
          message: `Tool call id ${JSON.stringify(event.id)} is used by more than one call`,
        });
      }
      seen.add(event.id);
    }
  });
  return violations;
}

/** Consecutive messages of one role, merged the way the Anthropic API merges them. */
interface Turn {
  role: Message["role"];
  first: number;
  blocks: Array<{ block: Block; index: number }>;
}

function validateAnthropic(messages: readonly Message[]): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    if (message.role === "system") return;
    if (message.role === "tool") {
      violations.push({
        code: "role-order",
        messageIndex: index,
        subject: "tool-role",
        message: `Message ${index} has role "tool", which Anthropic requests do not have`,
      });
    }
    const last = turns.at(-1);
    const blocks = message.content.map((block) => ({ block, index }));
    if (last?.role === message.role) last.blocks.push(...blocks);
    else turns.push({ role: message.role, first: index, blocks });
  });
  if (turns.length === 0) {
    return [{ code: "empty-conversation", message: "The request has no user or assistant message" }];
  }
  const first = turns[0];
  // On-demand compaction: a conversation may open with an assistant message holding the provider's block.
  const opening = first?.blocks[0]?.block;
  const compactionFirst =
    opening?.type === "opaque" && typeof opening.value === "object" && opening.value !== null &&
    (opening.value as { type?: unknown }).type === "compaction";
  if (first && first.role !== "user" && !compactionFirst) {
    violations.push({
      code: "role-order",
      messageIndex: first.first,
      subject: "first-not-user",
      message: `The first message must have role "user", found "${first.role}" at message ${first.first}`,
    });
  }
  const calls = allCallIds(messages);
  turns.forEach((turn, position) => {
    if (turn.role === "assistant") {
      const next = turns[position + 1];
      const answered = new Set(
        next?.role === "user"
          ? next.blocks.flatMap(({ block }) => (block.type === "tool_result" ? [block.callId] : []))
          : [],
      );
      for (const { block, index } of turn.blocks) {
        if (block.type === "tool_call" && !answered.has(block.id)) {
          violations.push(unanswered(block.id, index, "in the user message right after it"));
        }
      }
    }
    if (turn.role !== "user") return;
    const previous = turns[position - 1];
    const offered = new Set(
      previous?.role === "assistant"
        ? previous.blocks.flatMap(({ block }) => (block.type === "tool_call" ? [block.id] : []))
        : [],
    );
    let otherContentSeen = false;
    for (const { block, index } of turn.blocks) {
      if (block.type !== "tool_result") {
        otherContentSeen = true;
        continue;
      }
      if (!offered.has(block.callId)) {
        violations.push(strayResult(block.callId, index, calls, "in the user message right after its call"));
      } else if (otherContentSeen) {
        violations.push({
          code: "tool-result-misplaced",
          messageIndex: index,
          subject: block.callId,
          message: `Tool result for ${JSON.stringify(block.callId)} in message ${index} comes after other content; tool results must come first`,
        });
      }
    }
  });
  return violations;
}

function validateChat(messages: readonly Message[]): InvariantViolation[] {
  if (messages.length === 0) return [{ code: "empty-conversation", message: "The request has no message" }];
  const violations: InvariantViolation[] = [];
  const calls = allCallIds(messages);
  let open: Map<string, number> | undefined;
  const close = (): void => {
    for (const [id, index] of open ?? [])
      violations.push(unanswered(id, index, "in the tool messages right after it"));
    open = undefined;
  };
  messages.forEach((message, index) => {
    const results = message.content.filter((block) => block.type === "tool_result");
    if (message.role === "tool" && results.length > 0) {
      for (const result of results) {
        if (open?.delete(result.callId)) continue;
        violations.push(
          strayResult(result.callId, index, calls, "right after the assistant message that called it"),
        );
      }
      return;
    }
    close();
    if (
      results.length > 0 ||
      (message.role !== "assistant" && message.content.some((block) => block.type === "tool_call"))
    ) {
      violations.push({
        code: "role-order",
        messageIndex: index,
        subject: "tool-block-role",
        message: `Message ${index} (role "${message.role}") holds tool blocks that OpenAI chat only allows in assistant and tool messages`,
      });
    }
    if (message.role === "assistant") {
      const ids = message.content.flatMap((block) => (block.type === "tool_call" ? [block.id] : []));
      if (ids.length > 0) open = new Map(ids.map((id) => [id, index]));
    }
  });
  close();
  return violations;
}

function validateResponses(messages: readonly Message[]): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  const calls = allCallIds(messages);
  const pending = new Map<string, number>();
  messages.forEach((message, index) => {
    for (const event of toolEvents(message, index)) {
      if (event.kind === "call") pending.set(event.id, index);
      else if (!pending.delete(event.id)) {
        violations.push(strayResult(event.id, index, calls, "after the item that called it"));
      }
    }
    if (!isReasoning(message)) return;
    let next = index + 1;
    while (messages[next] !== undefined && isReasoning(messages[next] as Message)) next++;
    if (messages[next]?.role !== "assistant") {
      violations.push({
        code: "reasoning-without-item",
        messageIndex: index,
        subject: hashBlocks(message.content),
        message: `Reasoning item at message ${index} is not followed by the assistant item it belongs to`,
      });
    }
  });
  for (const [id, index] of pending)
    violations.push(unanswered(id, index, "in a later function_call_output item"));
  return violations;
}

function isReasoning(message: Message): boolean {
  return message.content.length > 0 && message.content.every((block) => block.type === "thinking");
}
