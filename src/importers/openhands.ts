/**
 * OpenHands evaluation output (`output.jsonl`): one record per benchmark instance,
 * `{instance_id, history: [events], metrics, metadata}`. Actions the model chose carry the raw
 * chat.completion they came from in `tool_call_metadata.model_response` (several actions can share one
 * response when it made several tool calls); observations answering them carry the same metadata with the
 * `tool_call_id`. The `system` action holds the system prompt and tools; the user's `message` action the task.
 * Recall events (workspace context) are skipped; error observations without a tool call become user messages.
 *
 * @module
 */
import type { Message, RecordedCall, Transcript } from "../transcript/types.js";
import { usageFromOpenAIChat } from "../usage/normalize.js";
import { messageFromOpenAIChat, toolsFromOpenAI } from "./internal/openai-chat-messages.js";
import {
  atSource,
  isObject,
  type JsonObject,
  parseJson,
  readArray,
  readObject,
  readOptionalNumber,
  readOptionalString,
  readString,
  readTimestamp,
  type Source,
} from "./internal/reader.js";
import { fileId, fillToolResultNames, mainModel } from "./internal/transcript-parts.js";

/** True for one OpenHands evaluation record (a JSONL line, or a whole `.json` file). */
export function isOpenHandsRecord(record: unknown): boolean {
  return (
    isObject(record) && Array.isArray(record.history) && ("instance_id" in record || "metrics" in record)
  );
}

function eventText(event: JsonObject, source: Source, path: string): string {
  const args = isObject(event.args) ? event.args : undefined;
  const text = args?.content ?? event.content ?? event.message ?? "";
  return readString(text, source, args?.content !== undefined ? `${path}.args.content` : `${path}.content`);
}

class EventReader {
  readonly messages: Message[] = [];
  readonly calls: RecordedCall[] = [];
  tools: Transcript["tools"];
  private readonly responses = new Set<string>();

  constructor(private readonly source: Source) {}

  private addResponse(event: JsonObject, metadata: JsonObject, path: string): void {
    const responsePath = `${path}.tool_call_metadata.model_response`;
    const response = readObject(metadata.model_response, this.source, responsePath);
    const id = readString(response.id, this.source, `${responsePath}.id`);
    if (this.responses.has(id)) return;
    this.responses.add(id);
    const choices = readArray(response.choices, this.source, `${responsePath}.choices`);
    const choice = readObject(choices[0], this.source, `${responsePath}.choices[0]`);
    const index =
      this.messages.push(
        messageFromOpenAIChat(choice.message, this.source, `${responsePath}.choices[0].message`),
      ) - 1;
    const call: RecordedCall = { promptStart: 0, promptEnd: index, responseIndex: index, responseId: id };
    const model = readOptionalString(response.model, this.source, `${responsePath}.model`);
    if (model !== undefined) call.model = model;
    const timestamp = readTimestamp(event.timestamp, this.source, `${path}.timestamp`);
    if (timestamp !== undefined) call.timestamp = timestamp;
    if (response.usage !== undefined && response.usage !== null) {
      call.usage = atSource(this.source, () => usageFromOpenAIChat(response.usage, `${responsePath}.usage`));
    }
    this.calls.push(call);
  }

  read(value: unknown, path: string): void {
    const event = readObject(value, this.source, path);
    const metadata = isObject(event.tool_call_metadata) ? event.tool_call_metadata : undefined;
    if (typeof event.action === "string") {
      if (event.action === "system") {
        this.messages.push({
          role: "system",
          content: [{ type: "text", text: eventText(event, this.source, path) }],
        });
        if (isObject(event.args))
          this.tools = toolsFromOpenAI(event.args.tools, this.source, `${path}.args.tools`);
      } else if (metadata !== undefined) {
        this.addResponse(event, metadata, path);
      } else if (event.action === "message") {
        const role = event.source === "user" ? "user" : "assistant";
        const index =
          this.messages.push({
            role,
            content: [{ type: "text", text: eventText(event, this.source, path) }],
          }) - 1;
        if (role === "assistant") this.calls.push({ promptStart: 0, promptEnd: index, responseIndex: index });
      }
    } else if (typeof event.observation === "string") {
      if (metadata !== undefined) {
        const callId = readString(
          metadata.tool_call_id,
          this.source,
          `${path}.tool_call_metadata.tool_call_id`,
        );
        const name = readOptionalString(
          metadata.function_name,
          this.source,
          `${path}.tool_call_metadata.function_name`,
        );
        const text = readString(event.content ?? "", this.source, `${path}.content`);
        const result = { type: "tool_result" as const, callId, content: [{ type: "text" as const, text }] };
        this.messages.push({ role: "tool", content: [name === undefined ? result : { ...result, name }] });
      } else if (event.observation === "error") {
        this.messages.push({
          role: "user",
          content: [{ type: "text", text: eventText(event, this.source, path) }],
        });
      }
    }
  }
}

function statedTotals(record: JsonObject, source: Source, path: string): Transcript["statedTotals"] {
  const metrics = record.metrics;
  if (!isObject(metrics)) return undefined;
  const totals: NonNullable<Transcript["statedTotals"]> = {};
  const cost = readOptionalNumber(metrics.accumulated_cost, source, `${path}.metrics.accumulated_cost`);
  if (cost !== undefined) totals.costUsd = cost;
  const usage = metrics.accumulated_token_usage;
  if (isObject(usage)) {
    const usagePath = `${path}.metrics.accumulated_token_usage`;
    const prompt = readOptionalNumber(usage.prompt_tokens, source, `${usagePath}.prompt_tokens`);
    const output = readOptionalNumber(usage.completion_tokens, source, `${usagePath}.completion_tokens`);
    if (prompt !== undefined) totals.promptTokens = prompt;
    if (output !== undefined) totals.outputTokens = output;
  }
  if (Array.isArray(metrics.token_usages)) totals.calls = metrics.token_usages.length;
  return totals;
}

/** Reads one OpenAHands record (already parsed) at `path` into a transcript with the given id. */
export function importOpenHandsRecord(value: unknown, source: Source, path: string, id: string): Transcript {
  const record = readObject(value, source, path);
  const reader = new EventReader(source);
  readArray(record.history, source, `${path}.history`).forEach((event, index) => {
    reader.read(event, `${path}.history[${index}]`);
  });
  fillToolResultNames(reader.messages);
  const transcript: Transcript = {
    file: source.file,
    id,
    format: "openhands",
    provider: "openai-chat",
    messages: reader.messages,
    calls: reader.calls,
  };
  if (reader.tools !== undefined) transcript.tools = reader.tools;
  const llmConfig = isObject(record.metadata) ? record.metadata.llm_config : undefined;
  const configured = isObject(llmConfig)
    ? readOptionalString(llmConfig.model, source, `${path}.metadata.llm_config.model`)
    : undefined;
  const model = mainModel(reader.calls, configured);
  if (model !== undefined) transcript.model = model;
  const totals = statedTotals(record, source, path);
  if (totals !== undefined) transcript.statedTotals = totals;
  if (record.instance_id !== undefined) transcript.metadata = { instance_id: record.instance_id };
  return transcript;
}

/** Reads an OpenHands `output.jsonl`: one transcript per line (instance). */
export function importOpenHands(file: string, text: string): Transcript[] {
  const transcripts: Transcript[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? "";
    if (!/\S/.test(raw)) continue;
    const source: Source = { file, line: index + 1 };
    const record = readObject(parseJson(raw, source), source, "$");
    const instance = typeof record.instance_id === "string" ? record.instance_id : `line-${index + 1}`;
    transcripts.push(importOpenHandsRecord(record, source, "$", `${fileId(file)}#${instance}`));
  }
  return transcripts;
}
