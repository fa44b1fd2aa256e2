/**
 * OpenAI Codex CLI session rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).
 *
 * Each line is `{timestamp, type, payload}`. `session_meta` opens the file (its `base_instructions` are the
 * system prompt); `response_item` lines are the Responses API items of the conversation (messages, reasoning,
 * function and custom tool calls and their outputs); `turn_context` names the model of the turns that follow;
 * `event_msg` lines are UI events, of which only `token_count` matters: its `info.last_token_usage` is the usage
 * of the API call that just finished (`input_tokens` includes `cached_input_tokens`; `output_tokens` includes
 * `reasoning_output_tokens`; OpenAI reports no cache writes). Codex repeats a `token_count` with unchanged
 * totals when only its rate limits changed, and writes one with all-zero usage after a compaction: neither is
 * a call. `compacted` lines replace the history by their `replacement_history` (Codex's own compaction): later
 * calls' prompts start there.
 *
 * The items one call produced (reasoning, assistant text, tool calls) form one assistant message, which is the
 * call's response; tool outputs and user messages that follow are the next prompt's new messages. A call is
 * recorded when its `token_count` arrives. When two responses share one `token_count` whose running total grew
 * by more than its `last_token_usage`, the difference is the earlier response's call; model output that no
 * `token_count` paid for (an interrupted turn) stays in the history unbilled.
 *
 * @module
 */
import { readResponsesItem } from "../adapters/openai-responses-items.js";
import { TranscriptFormatError } from "../errors.js";
import type { Block, Message, RecordedCall, Transcript, Usage } from "../transcript/types.js";
import {
  atSource,
  fail,
  isObject,
  type JsonObject,
  parseJson,
  readArray,
  readObject,
  readOptionalString,
  readString,
  readTimestamp,
  type Source,
} from "./internal/reader.js";
import { fileId, fillToolResultNames, mainModel } from "./internal/transcript-parts.js";

const recordTypes = new Set(["session_meta", "response_item", "event_msg", "turn_context", "compacted"]);

/** True for a record of a Codex rollout: a known `type` with an object `payload`. */
export function isCodexRecord(record: unknown): boolean {
  return (
    isObject(record) &&
    typeof record.type === "string" &&
    recordTypes.has(record.type) &&
    isObject(record.payload)
  );
}

/** Items the model produces (the rest are inputs: user and developer messages, tool outputs). */
const outputItemTypes = new Set([
  "reasoning",
  "function_call",
  "custom_tool_call",
  "local_shell_call",
  "web_search_call",
  "tool_search_call",
  "image_generation_call",
  "code_interpreter_call",
  "file_search_call",
  "computer_call",
  "mcp_call",
]);

function isOutputItem(item: JsonObject): boolean {
  if (item.type === "message") return item.role === "assistant";
  return typeof item.type === "string" && outputItemTypes.has(item.type);
}

/** Codex-only fields of an item (`internal_chat_message_metadata_passthrough`, item ids) are not content. */
function withoutCodexFields(item: JsonObject): JsonObject {
  const { internal_chat_message_metadata_passthrough: _meta, id: _id, status: _status, ...rest } = item;
  return rest;
}

function readCount(usage: JsonObject, key: string, source: Source, path: string): number {
  const value = usage[key];
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    fail(source, `${path}.${key}`, "a number of tokens, 0 or more", value);
  return value;
}

/** `last_token_usage` of a `token_count` event as a neutral usage. */
function usageOf(value: unknown, source: Source, path: string): Usage {
  const usage = readObject(value, source, path);
  const input = readCount(usage, "input_tokens", source, path);
  const cached = readCount(usage, "cached_input_tokens", source, path);
  const output = readCount(usage, "output_tokens", source, path);
  const reasoning = readCount(usage, "reasoning_output_tokens", source, path);
  if (cached > input)
    fail(
      source,
      `${path}.cached_input_tokens`,
      `at most input_tokens (${input}), which include them`,
      cached,
    );
  return {
    inputTokens: input - cached,
    cacheReadTokens: cached,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: output,
    reasoningTokens: reasoning,
  };
}

/** `left − right` field by field, or undefined when some count would be negative. */
function difference(left: Usage, right: Usage): Usage | undefined {
  const result: Usage = {
    inputTokens: left.inputTokens - right.inputTokens,
    cacheReadTokens: left.cacheReadTokens - right.cacheReadTokens,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: left.outputTokens - right.outputTokens,
    reasoningTokens: left.reasoningTokens - right.reasoningTokens,
  };
  return Object.values(result).every((value) => value >= 0) ? result : undefined;
}

class CodexSessionBuilder {
  readonly messages: Message[] = [];
  readonly calls: RecordedCall[] = [];
  readonly compactions: NonNullable<Transcript["compactions"]> = [];
  system: Block[] | undefined;
  metadata: JsonObject = {};
  private windowStart = 0;
  private model: string | undefined;
  /** The assistant message being filled by the current call's output items. */
  private open: { index: number; timestamp: number | undefined } | undefined;
  /** Assistant messages no `token_count` has billed yet, oldest first. */
  private unbilled: Array<{ index: number; timestamp: number | undefined }> = [];
  private lastTotals: string | undefined;
  /** The running totals of the previous `token_count`, as a usage. */
  private previousTotal: Usage | undefined;

  meta(payload: JsonObject, source: Source): void {
    const instructions = payload.base_instructions;
    const text = isObject(instructions) ? instructions.text : instructions;
    if (typeof text === "string" && text !== "") this.system = [{ type: "text", text }];
    const id = readOptionalString(payload.id ?? payload.session_id, source, "$.payload.id");
    if (id !== undefined) this.metadata.sessionId = id;
    const version = readOptionalString(payload.cli_version, source, "$.payload.cli_version");
    if (version !== undefined) this.metadata.cliVersion = version;
    const cwd = readOptionalString(payload.cwd, source, "$.payload.cwd");
    if (cwd !== undefined) this.metadata.cwd = cwd; // the project, for `compactor report`
  }

  turnContext(payload: JsonObject, source: Source): void {
    const model = readOptionalString(payload.model, source, "$.payload.model");
    if (model !== undefined) this.model = model;
  }

  item(payload: JsonObject, source: Source, timestamp: number | undefined): void {
    const message = this.toMessage(payload, source, "$.payload");
    if (isOutputItem(payload)) {
      if (this.open === undefined) {
        this.open = { index: this.messages.length, timestamp };
        this.unbilled.push(this.open);
        this.messages.push({ role: "assistant", content: [] });
      }
      this.messages[this.open.index]?.content.push(...message.content);
      return;
    }
    this.open = undefined;
    this.messages.push(message);
  }

  /** A Responses item as a neutral message; custom tool calls (free-form input) become tool calls too. */
  private toMessage(item: JsonObject, source: Source, path: string): Message {
    if (item.type === "custom_tool_call") {
      const input = readString(item.input, source, `${path}.input`);
      return {
        role: "assistant",
        content: [
          {
            type: "tool_call",
            id: readString(item.call_id, source, `${path}.call_id`),
            name: readString(item.name, source, `${path}.name`),
            input,
            rawArguments: input,
            extra: { codexItemType: "custom_tool_call" },
          },
        ],
      };
    }
    if (item.type === "custom_tool_call_output") {
      const output = item.output;
      return {
        role: "tool",
        content: [
          {
            type: "tool_result",
            callId: readString(item.call_id, source, `${path}.call_id`),
            content:
              typeof output === "string"
                ? [{ type: "text", text: output }]
                : [{ type: "opaque", format: "openai-responses", value: output }],
            extra: { codexItemType: "custom_tool_call_output" },
          },
        ],
      };
    }
    return atSource(source, () => readResponsesItem(withoutCodexFields(item), path));
  }

  tokenCount(payload: JsonObject, source: Source): void {
    if (payload.info === undefined || payload.info === null) return;
    const info = readObject(payload.info, source, "$.payload.info");
    const totals = JSON.stringify(info.total_token_usage ?? null);
    const repeated = totals === this.lastTotals;
    this.lastTotals = totals;
    if (repeated || info.last_token_usage === undefined || info.last_token_usage === null) return;
    const usage = usageOf(info.last_token_usage, source, "$.payload.info.last_token_usage");
    const total =
      info.total_token_usage === undefined || info.total_token_usage === null
        ? undefined
        : usageOf(info.total_token_usage, source, "$.payload.info.total_token_usage");
    const previousTotal = this.previousTotal;
    if (total !== undefined) this.previousTotal = total;
    if (usage.inputTokens + usage.cacheReadTokens + usage.outputTokens === 0) return;
    const responses = this.unbilled;
    this.open = undefined;
    this.unbilled = [];
    // Two responses and one token_count: when the running total grew by more than the last call, the
    // difference is the earlier response's call (Codex reported only the latest).
    const earlier = responses.at(-2);
    if (earlier !== undefined && total !== undefined && previousTotal !== undefined) {
      const grown = difference(total, previousTotal);
      const missed = grown === undefined ? undefined : difference(grown, usage);
      if (missed !== undefined && missed.inputTokens + missed.cacheReadTokens > 0)
        this.addCall(earlier, missed);
    }
    this.addCall(responses.at(-1), usage);
  }

  private addCall(
    response: { index: number; timestamp: number | undefined } | undefined,
    usage: Usage,
  ): void {
    const call: RecordedCall = {
      promptStart: this.windowStart,
      promptEnd: response?.index ?? this.messages.length,
      responseIndex: response?.index ?? -1,
      usage,
    };
    if (this.model !== undefined) call.model = this.model;
    if (response?.timestamp !== undefined) call.timestamp = response.timestamp;
    this.calls.push(call);
  }

  compacted(payload: JsonObject, source: Source, timestamp: number | undefined): void {
    this.open = undefined;
    this.unbilled = [];
    const compaction: NonNullable<Transcript["compactions"]>[number] = { messageIndex: this.messages.length };
    const previous = this.calls.at(-1)?.usage;
    if (previous !== undefined) compaction.preTokens = previous.inputTokens + previous.cacheReadTokens;
    if (timestamp !== undefined) compaction.timestamp = timestamp;
    this.compactions.push(compaction);
    this.windowStart = this.messages.length;
    const replacement = payload.replacement_history;
    if (replacement === undefined || replacement === null) {
      // Older rollouts keep only the summary text.
      const text = readString(payload.message, source, "$.payload.message");
      this.messages.push({ role: "user", content: [{ type: "summary", text }] });
      return;
    }
    readArray(replacement, source, "$.payload.replacement_history").forEach((value, index) => {
      const path = `$.payload.replacement_history[${index}]`;
      const item = readObject(value, source, path);
      const message = this.toMessage(item, source, path);
      const last = this.messages.at(-1);
      // Consecutive output items of the kept history form one assistant message, as elsewhere.
      if (isOutputItem(item) && last?.role === "assistant" && this.messages.length > this.windowStart)
        last.content.push(...message.content);
      else this.messages.push(message);
    });
  }

  toTranscript(file: string): Transcript {
    fillToolResultNames(this.messages);
    const transcript: Transcript = {
      file,
      id: fileId(file),
      format: "codex",
      provider: "openai-responses",
      messages: this.messages,
      calls: this.calls,
    };
    const model = mainModel(this.calls, this.model);
    if (model !== undefined) transcript.model = model;
    if (this.system !== undefined) transcript.system = this.system;
    if (this.compactions.length > 0) transcript.compactions = this.compactions;
    if (Object.keys(this.metadata).length > 0) transcript.metadata = this.metadata;
    return transcript;
  }
}

/** Reads the text of a Codex CLI rollout into one transcript. */
export function importCodex(file: string, text: string): Transcript[] {
  const builder = new CodexSessionBuilder();
  const lines = text.split("\n");
  let records = 0;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? "";
    if (!/\S/.test(raw)) continue;
    const source: Source = { file, line: index + 1 };
    const record = readObject(parseJson(raw, source), source, "$");
    records++;
    const type = readString(record.type, source, "$.type");
    if (!recordTypes.has(type)) continue;
    const payload = readObject(record.payload, source, "$.payload");
    const timestamp = readTimestamp(record.timestamp, source, "$.timestamp");
    if (type === "session_meta") builder.meta(payload, source);
    else if (type === "turn_context") builder.turnContext(payload, source);
    else if (type === "response_item") builder.item(payload, source, timestamp);
    else if (type === "compacted") builder.compacted(payload, source, timestamp);
    else if (payload.type === "token_count") builder.tokenCount(payload, source);
  }
  if (records === 0)
    throw new TranscriptFormatError(file, "line 1", "at least one Codex rollout record, got an empty file");
  return [builder.toTranscript(file)];
}
