/**
 * OpenHands agent-sdk LiteLLM call logs: one JSON file per API call,
 * `{messages, tools, kwargs, response, cost, timestamp, latency_sec}`, named
 * `<model>-<unix seconds>.json`. A single file reads as a one-call transcript; the files of one session (a
 * folder) combine into one transcript with {@link combineOpenHandsLlmLogs}, ordered by the time in the names.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { InvalidOptionError } from "../errors.js";
import type { Block, Message, RecordedCall, Transcript } from "../transcript/types.js";
import { usageFromOpenAIChat } from "../usage/normalize.js";
import {
  messageFromOpenAIChat,
  messagesFromOpenAIChat,
  toolsFromOpenAI,
} from "./internal/openai-chat-messages.js";
import {
  atSource,
  isObject,
  readArray,
  readObject,
  readOptionalNumber,
  readOptionalString,
  readTimestamp,
  type Source,
} from "./internal/reader.js";
import { fileId, fillToolResultNames } from "./internal/transcript-parts.js";

/** True for a parsed LiteLLM call log: request `messages` plus the raw `response`. */
export function isOpenHandsLlmLogDocument(document: unknown): boolean {
  return (
    isObject(document) &&
    Array.isArray(document.messages) &&
    isObject(document.response) &&
    Array.isArray(document.response.choices)
  );
}

/** The call time in a log's file name (`...-1757015025.972.json`), in milliseconds; `undefined` without one. */
export function llmLogTimeFromName(file: string): number | undefined {
  const match = /-(\d{9,}(?:\.\d+)?)\.json$/.exec(basename(file));
  return match?.[1] === undefined ? undefined : Math.round(Number(match[1]) * 1000);
}

/** Reads one parsed call log: the request messages, then the response message, and one call. */
export function importOpenHandsLlmLog(file: string, document: unknown): Transcript[] {
  const source: Source = { file };
  const root = readObject(document, source, "$");
  const messages = messagesFromOpenAIChat(root.messages, source, "$.messages");
  const response = readObject(root.response, source, "$.response");
  const choices = readArray(response.choices, source, "$.response.choices");
  const choice = readObject(choices[0], source, "$.response.choices[0]");
  const responseIndex =
    messages.push(messageFromOpenAIChat(choice.message, source, "$.response.choices[0].message")) - 1;
  fillToolResultNames(messages);
  const call: RecordedCall = { promptStart: 0, promptEnd: responseIndex, responseIndex };
  const model = readOptionalString(response.model, source, "$.response.model");
  if (model !== undefined) call.model = model;
  const timestamp = readTimestamp(root.timestamp, source, "$.timestamp") ?? llmLogTimeFromName(file);
  if (timestamp !== undefined) call.timestamp = timestamp;
  const id = readOptionalString(response.id, source, "$.response.id");
  if (id !== undefined) call.responseId = id;
  if (response.usage !== undefined && response.usage !== null) {
    call.usage = atSource(source, () => usageFromOpenAIChat(response.usage, "$.response.usage"));
  }
  const transcript: Transcript = {
    file,
    id: fileId(file),
    format: "openhands-llm-log",
    provider: "openai-chat",
    messages,
    calls: [call],
  };
  if (model !== undefined) transcript.model = model;
  const tools = toolsFromOpenAI(root.tools, source, "$.tools");
  if (tools !== undefined) transcript.tools = tools;
  const cost = readOptionalNumber(root.cost, source, "$.cost");
  if (cost !== undefined) transcript.statedTotals = { costUsd: cost, calls: 1 };
  return [transcript];
}

/** What a block says, for matching a message re-sent later: no cache marks, no provider extras. */
function blockKey(block: Block): string {
  switch (block.type) {
    case "text":
    case "summary":
      return `${block.type}:${block.text}`;
    case "tool_call":
      return `call:${block.id}:${block.name}:${block.rawArguments ?? JSON.stringify(block.input)}`;
    case "tool_result":
      return `result:${block.callId}:${block.content.map(blockKey).join("|")}`;
    case "thinking":
      return `thinking:${block.text}:${block.signature ?? ""}`;
    default:
      return JSON.stringify(block);
  }
}

function sameMessage(left: Message, right: Message): boolean {
  if (left.role !== right.role || left.content.length !== right.content.length) return false;
  return left.content.every((block, index) => {
    const other = right.content[index];
    return other !== undefined && blockKey(block) === blockKey(other);
  });
}

function orderOf(transcript: Transcript): number {
  return llmLogTimeFromName(transcript.file) ?? transcript.calls[0]?.timestamp ?? 0;
}

/**
 * Combines the one-call transcripts of one session into one transcript, ordered by the time in the file
 * names (then by call timestamp). Each request that re-sends the history so far adds only its new messages;
 * a request whose history was rewritten (a condenser ran) starts a new prompt window.
 *
 * @throws InvalidOptionError when `transcripts` is empty or holds a transcript that is not a one-call log.
 */
export function combineOpenHandsLlmLogs(transcripts: Transcript[]): Transcript {
  if (transcripts.length === 0) throw new InvalidOptionError("transcripts", "a non-empty array", transcripts);
  const ordered = [...transcripts].sort((left, right) => orderOf(left) - orderOf(right));
  const messages: Message[] = [];
  const calls: RecordedCall[] = [];
  let windowStart = 0;
  let costUsd: number | undefined;
  ordered.forEach((transcript, index) => {
    const call = transcript.calls[0];
    const response = call === undefined ? undefined : transcript.messages[call.responseIndex];
    if (transcript.format !== "openhands-llm-log" || call === undefined || response === undefined) {
      throw new InvalidOptionError(
        `transcripts[${index}]`,
        "a one-call OpenHands LiteLLM log transcript",
        transcript.id,
      );
    }
    const request = transcript.messages.slice(call.promptStart, call.promptEnd);
    const window = messages.slice(windowStart);
    const continues =
      window.length <= request.length &&
      window.every((message, at) => {
        const sent = request[at];
        return sent !== undefined && sameMessage(message, sent);
      });
    if (!continues) windowStart = messages.length;
    messages.push(...request.slice(messages.length - windowStart));
    const responseIndex = messages.push(response) - 1;
    calls.push({ ...call, promptStart: windowStart, promptEnd: responseIndex, responseIndex });
    if (transcript.statedTotals?.costUsd !== undefined)
      costUsd = (costUsd ?? 0) + transcript.statedTotals.costUsd;
  });
  const first = ordered[0] as Transcript;
  const folder = dirname(first.file);
  const combined: Transcript = { ...first, file: folder, id: basename(folder), messages, calls };
  combined.statedTotals = { calls: calls.length, ...(costUsd === undefined ? {} : { costUsd }) };
  return combined;
}
