/**
 * Small pieces every importer uses to assemble a {@link Transcript}: ids, tool-result names, calls derived
 * from assistant messages, the main model.
 *
 * @module
 */
import { basename } from "node:path";
import type { Message, RecordedCall } from "../../transcript/types.js";

/** The file name without folders, the base of transcript ids. */
export function fileId(file: string): string {
  return basename(file);
}

/** Fills {@link ToolResultBlock.name} from the tool call each result answers, where the log left it out. */
export function fillToolResultNames(messages: Message[]): void {
  const names = new Map<string, string>();
  for (const message of messages) {
    for (const block of message.content) {
      if (block.type === "tool_call") names.set(block.id, block.name);
      else if (block.type === "tool_result" && block.name === undefined) {
        const name = names.get(block.callId);
        if (name !== undefined) block.name = name;
      }
    }
  }
}

/** Details of the call behind one assistant message, supplied by the importer. */
export interface CallDetails {
  /** False when the message was not produced by a billed call (a demonstration, a synthetic message). */
  billed?: boolean;
  usage?: RecordedCall["usage"];
  model?: string;
  timestamp?: number;
  responseId?: string;
}

/**
 * One call per assistant message, whose prompt is every message before it: the shape of stateless agents
 * that re-send the whole history (mini-swe-agent, SWE-agent, tau-bench, plain chat logs).
 */
export function callsFromAssistantMessages(
  messages: Message[],
  detailsOf: (message: Message, index: number) => CallDetails = () => ({}),
): RecordedCall[] {
  const calls: RecordedCall[] = [];
  messages.forEach((message, index) => {
    if (message.role !== "assistant") return;
    const details = detailsOf(message, index);
    if (details.billed === false) return;
    const call: RecordedCall = { promptStart: 0, promptEnd: index, responseIndex: index };
    if (details.model !== undefined) call.model = details.model;
    if (details.timestamp !== undefined) call.timestamp = details.timestamp;
    if (details.usage !== undefined) call.usage = details.usage;
    if (details.responseId !== undefined) call.responseId = details.responseId;
    calls.push(call);
  });
  return calls;
}

/** The model used by most calls (the first one seen wins a tie), or `fallback`. */
export function mainModel(calls: RecordedCall[], fallback?: string): string | undefined {
  const counts = new Map<string, number>();
  let best: string | undefined;
  let bestCount = 0;
  for (const call of calls) {
    if (call.model === undefined) continue;
    const count = (counts.get(call.model) ?? 0) + 1;
    counts.set(call.model, count);
    if (count > bestCount) {
      best = call.model;
      bestCount = count;
    }
  }
  return best ?? fallback;
}
