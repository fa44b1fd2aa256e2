/**
 * OpenAI chat JSON: a bare array of chat messages, `{model?, messages, tools?}`, and tau-bench records
 * `{task_id, reward, traj: [messages]}` (one record, or an array of them in one file). Calls are derived
 * from the assistant messages; a message that carries its own `usage` (logs that store whole responses)
 * gives that call its usage.
 *
 * @module
 */
import type { Transcript, TranscriptFormat } from "../transcript/types.js";
import { usageFromOpenAIChat } from "../usage/normalize.js";
import { messagesFromOpenAIChat, toolsFromOpenAI } from "./internal/openai-chat-messages.js";
import {
  atSource,
  isObject,
  type JsonObject,
  readObject,
  readOptionalString,
  type Source,
} from "./internal/reader.js";
import { callsFromAssistantMessages, fileId, fillToolResultNames } from "./internal/transcript-parts.js";

function isTauBenchRecord(value: unknown): value is JsonObject {
  return isObject(value) && Array.isArray(value.traj);
}

/** True for a parsed tau-bench file: one record with `traj`, or a non-empty array of them. */
export function isTauBenchDocument(document: unknown): boolean {
  if (isTauBenchRecord(document)) return true;
  return Array.isArray(document) && document.length > 0 && document.every(isTauBenchRecord);
}

function chatTranscript(
  file: string,
  id: string,
  format: TranscriptFormat,
  rawMessages: unknown,
  path: string,
  model: string | undefined,
): Transcript {
  const source: Source = { file };
  const messages = messagesFromOpenAIChat(rawMessages, source, path);
  fillToolResultNames(messages);
  const list = rawMessages as unknown[];
  const calls = callsFromAssistantMessages(messages, (_message, index) => {
    const raw = list[index] as JsonObject;
    const details: { usage?: ReturnType<typeof usageFromOpenAIChat>; model?: string } = {};
    if (raw.usage !== undefined) {
      details.usage = atSource(source, () => usageFromOpenAIChat(raw.usage, `${path}[${index}].usage`));
    }
    const messageModel = readOptionalString(raw.model, source, `${path}[${index}].model`) ?? model;
    if (messageModel !== undefined) details.model = messageModel;
    return details;
  });
  const transcript: Transcript = { file, id, format, provider: "openai-chat", messages, calls };
  if (model !== undefined) transcript.model = model;
  return transcript;
}

/** Reads parsed tau-bench records; one transcript per record. */
export function importTauBench(file: string, document: unknown): Transcript[] {
  const source: Source = { file };
  const records = Array.isArray(document) ? document : [document];
  const single = !Array.isArray(document);
  return records.map((record, index) => {
    const path = single ? "$" : `$[${index}]`;
    const object = readObject(record, source, path);
    const id = single ? fileId(file) : `${fileId(file)}#${index}`;
    const transcript = chatTranscript(file, id, "tau-bench", object.traj, `${path}.traj`, undefined);
    const metadata: Record<string, unknown> = {};
    for (const key of ["task_id", "reward", "trial"]) {
      if (object[key] !== undefined) metadata[key] = object[key];
    }
    if (Object.keys(metadata).length > 0) transcript.metadata = metadata;
    return transcript;
  });
}

/** Reads a parsed OpenAI chat document (a message array or `{messages, model?, tools?}`). */
export function importOpenAIChat(file: string, document: unknown): Transcript[] {
  const source: Source = { file };
  if (Array.isArray(document)) {
    return [chatTranscript(file, fileId(file), "openai-chat", document, "$", undefined)];
  }
  const root = readObject(document, source, "$");
  const model = readOptionalString(root.model, source, "$.model");
  const transcript = chatTranscript(file, fileId(file), "openai-chat", root.messages, "$.messages", model);
  const tools = toolsFromOpenAI(root.tools, source, "$.tools");
  if (tools !== undefined) transcript.tools = tools;
  return [transcript];
}
