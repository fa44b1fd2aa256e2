/**
 * SWE-agent trajectories (`*.traj`): `{history, trajectory, info, replay_config?}`. `history` holds the
 * messages as sent (OpenAI chat; tool results have `tool_call_ids` instead of `tool_call_id`); the log keeps
 * only per-run totals (`info.model_stats`), so calls are derived from the assistant messages, without usage.
 *
 * @module
 */
import type { Message, Transcript } from "../transcript/types.js";
import { messageFromOpenAIChat } from "./internal/openai-chat-messages.js";
import {
  fail,
  isObject,
  type JsonObject,
  parseJson,
  readArray,
  readObject,
  readOptionalNumber,
  readOptionalString,
  readString,
  type Source,
} from "./internal/reader.js";
import { callsFromAssistantMessages, fileId, fillToolResultNames } from "./internal/transcript-parts.js";

/** True for a parsed SWE-agent trajectory. */
export function isSweAgentDocument(document: unknown): boolean {
  return isObject(document) && Array.isArray(document.history) && Array.isArray(document.trajectory);
}

/** SWE-agent tool messages answer `tool_call_ids: [id]`; the first id becomes the OpenAI `tool_call_id`. */
function historyMessage(value: unknown, source: Source, path: string): Message {
  const object = readObject(value, source, path);
  if (object.role !== "tool" || object.tool_call_id !== undefined)
    return messageFromOpenAIChat(object, source, path);
  const ids = readArray(object.tool_call_ids, source, `${path}.tool_call_ids`);
  if (ids.length === 0) return fail(source, `${path}.tool_call_ids`, "at least one tool call id", ids);
  const callId = readString(ids[0], source, `${path}.tool_call_ids[0]`);
  return messageFromOpenAIChat({ ...object, tool_call_id: callId }, source, path);
}

function replayModel(root: JsonObject, source: Source): string | undefined {
  let config = root.replay_config;
  if (typeof config === "string") config = parseJson(config, source);
  if (!isObject(config) || !isObject(config.agent) || !isObject(config.agent.model)) return undefined;
  return readOptionalString(config.agent.model.name, source, "$.replay_config.agent.model.name");
}

function statedTotals(root: JsonObject, source: Source): Transcript["statedTotals"] {
  const info = root.info;
  if (!isObject(info) || !isObject(info.model_stats)) return undefined;
  const stats = info.model_stats;
  const path = "$.info.model_stats";
  const totals: NonNullable<Transcript["statedTotals"]> = {};
  const promptTokens = readOptionalNumber(stats.tokens_sent, source, `${path}.tokens_sent`);
  const outputTokens = readOptionalNumber(stats.tokens_received, source, `${path}.tokens_received`);
  const costUsd = readOptionalNumber(stats.instance_cost, source, `${path}.instance_cost`);
  const calls = readOptionalNumber(stats.api_calls, source, `${path}.api_calls`);
  if (promptTokens !== undefined) totals.promptTokens = promptTokens;
  if (outputTokens !== undefined) totals.outputTokens = outputTokens;
  if (costUsd !== undefined) totals.costUsd = costUsd;
  if (calls !== undefined) totals.calls = calls;
  return totals;
}

/** Reads a parsed SWE-agent trajectory into one transcript. */
export function importSweAgent(file: string, document: unknown): Transcript[] {
  const source: Source = { file };
  const root = readObject(document, source, "$");
  const history = readArray(root.history, source, "$.history");
  const messages = history.map((item, index) => historyMessage(item, source, `$.history[${index}]`));
  fillToolResultNames(messages);
  const model = replayModel(root, source);
  const calls = callsFromAssistantMessages(messages, (message) => ({
    billed: message.extra?.is_demo !== true,
    ...(model === undefined ? {} : { model }),
  }));
  const transcript: Transcript = {
    file,
    id: fileId(file),
    format: "swe-agent",
    provider: "openai-chat",
    messages,
    calls,
  };
  if (model !== undefined) transcript.model = model;
  const totals = statedTotals(root, source);
  if (totals !== undefined) transcript.statedTotals = totals;
  if (isObject(root.info) && root.info.exit_status !== undefined) {
    transcript.metadata = { exit_status: root.info.exit_status };
  }
  return [transcript];
}
