/**
 * Assembles one Claude Code session (the main thread or one sidechain) from its log lines, in file order.
 *
 * Claude Code writes one API response as several `assistant` lines (one per content block) that repeat the
 * same `message.id`; they are merged into one message and one call, whose usage is that of the LAST line
 * (early lines of a streamed response can carry a partial `output_tokens`). Tool results arrive as one `user`
 * line each; consecutive user lines form one user message, as they do in the API request. A
 * `compact_boundary` starts a new prompt window: later calls' prompts start at the boundary.
 *
 * @module
 */
import type { Message, RecordedCall, Transcript } from "../../transcript/types.js";
import { promptTokensOf, usageFromAnthropic } from "../../usage/normalize.js";
import { anthropicContent } from "./anthropic-blocks.js";
import {
  atSource,
  type JsonObject,
  readObject,
  readOptionalNumber,
  readOptionalString,
  readTimestamp,
  type Source,
} from "./reader.js";
import { fillToolResultNames, mainModel } from "./transcript-parts.js";

/** The model name Claude Code gives messages it wrote itself (errors, interruptions); never billed. */
export const syntheticModel = "<synthetic>";

interface AssistantEntry {
  messageIndex: number;
  callIndex: number | undefined;
}

/** Builds one session's messages, calls and compactions line by line. */
export class ClaudeCodeSessionBuilder {
  readonly messages: Message[] = [];
  readonly calls: RecordedCall[] = [];
  readonly compactions: NonNullable<Transcript["compactions"]> = [];
  private windowStart = 0;
  private mergeUser = true;
  private readonly assistants = new Map<string, AssistantEntry>();

  /** Adds an `assistant` line. */
  addAssistant(line: JsonObject, source: Source): void {
    const message = readObject(line.message, source, "$.message");
    const id = readOptionalString(message.id, source, "$.message.id");
    const model = readOptionalString(message.model, source, "$.message.model");
    const blocks = anthropicContent(message.content ?? [], source, "$.message.content");
    const usage =
      message.usage === undefined || message.usage === null
        ? undefined
        : atSource(source, () => usageFromAnthropic(message.usage, "$.message.usage"));
    const known = id === undefined ? undefined : this.assistants.get(id);
    if (known !== undefined) {
      this.messages[known.messageIndex]?.content.push(...blocks);
      const call = known.callIndex === undefined ? undefined : this.calls[known.callIndex];
      if (call !== undefined && usage !== undefined) call.usage = usage;
      return;
    }
    const messageIndex = this.messages.length;
    this.messages.push({ role: "assistant", content: blocks });
    this.mergeUser = true;
    const billed =
      model !== syntheticModel && !(usage !== undefined && promptTokensOf(usage) + usage.outputTokens === 0);
    let callIndex: number | undefined;
    if (billed) {
      const call: RecordedCall = {
        promptStart: this.windowStart,
        promptEnd: messageIndex,
        responseIndex: messageIndex,
      };
      if (model !== undefined) call.model = model;
      const timestamp = readTimestamp(line.timestamp, source, "$.timestamp");
      if (timestamp !== undefined) call.timestamp = timestamp;
      if (usage !== undefined) call.usage = usage;
      if (id !== undefined) call.responseId = id;
      callIndex = this.calls.push(call) - 1;
    }
    if (id !== undefined) this.assistants.set(id, { messageIndex, callIndex });
  }

  /** Adds a `user` line (a prompt, tool results, or the summary that follows a compaction). */
  addUser(line: JsonObject, source: Source): void {
    const message = readObject(line.message, source, "$.message");
    const content = message.content;
    const blocks =
      line.isCompactSummary === true && typeof content === "string"
        ? [{ type: "summary" as const, text: content }]
        : anthropicContent(content ?? [], source, "$.message.content");
    if (blocks.length === 0) return;
    const last = this.messages.at(-1);
    if (this.mergeUser && last?.role === "user") last.content.push(...blocks);
    else this.messages.push({ role: "user", content: blocks });
    this.mergeUser = true;
  }

  /** Adds a `system` line with subtype `compact_boundary`. */
  addBoundary(line: JsonObject, source: Source): void {
    const compaction: NonNullable<Transcript["compactions"]>[number] = { messageIndex: this.messages.length };
    const metadata = line.compactMetadata;
    if (metadata !== undefined && metadata !== null) {
      const object = readObject(metadata, source, "$.compactMetadata");
      const preTokens = readOptionalNumber(object.preTokens, source, "$.compactMetadata.preTokens");
      if (preTokens !== undefined) compaction.preTokens = preTokens;
    }
    const timestamp = readTimestamp(line.timestamp, source, "$.timestamp");
    if (timestamp !== undefined) compaction.timestamp = timestamp;
    this.compactions.push(compaction);
    this.windowStart = this.messages.length;
    this.mergeUser = false;
  }

  /** True when no message was added. */
  get isEmpty(): boolean {
    return this.messages.length === 0;
  }

  /** The finished transcript. */
  toTranscript(file: string, id: string): Transcript {
    fillToolResultNames(this.messages);
    const transcript: Transcript = {
      file,
      id,
      format: "claude-code",
      provider: "anthropic",
      messages: this.messages,
      calls: this.calls,
    };
    const model = mainModel(this.calls);
    if (model !== undefined) transcript.model = model;
    if (this.compactions.length > 0) transcript.compactions = this.compactions;
    return transcript;
  }
}
