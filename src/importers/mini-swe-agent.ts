/**
 * mini-swe-agent trajectories (`*.traj.json`): `{info, messages, trajectory_format: "mini-swe-agent-1"}`.
 * Messages are OpenAI chat messages; each assistant message keeps the provider's raw response, usage
 * included, at `extra.response`. The model is in `info.config.model.model_name`.
 *
 * @module
 */
import type { Transcript } from "../transcript/types.js";
import { usageFromOpenAIChat } from "../usage/normalize.js";
import { messagesFromOpenAIChat } from "./internal/openai-chat-messages.js";
import {
  atSource,
  isObject,
  type JsonObject,
  readObject,
  readOptionalNumber,
  readOptionalString,
  readTimestamp,
  type Source,
} from "./internal/reader.js";
import {
  callsFromAssistantMessages,
  fileId,
  fillToolResultNames,
  mainModel,
} from "./internal/transcript-parts.js";

/** True for a parsed mini-swe-agent trajectory. */
export function isMiniSweAgentDocument(file: string, document: unknown): boolean {
  if (!isObject(document) || !Array.isArray(document.messages)) return false;
  const format = document.trajectory_format;
  if (typeof format === "string") return format.startsWith("mini-swe-agent");
  return file.endsWith(".traj.json") && isObject(document.info);
}

function configuredModel(info: JsonObject | undefined, source: Source): string | undefined {
  const config = info?.config;
  if (!isObject(config) || !isObject(config.model)) return undefined;
  return readOptionalString(config.model.model_name, source, "$.info.config.model.model_name");
}

/** Reads a parsed mini-swe-agent trajectory into one transcript. */
export function importMiniSweAgent(file: string, document: unknown): Transcript[] {
  const source: Source = { file };
  const root = readObject(document, source, "$");
  const info = root.info === undefined ? undefined : readObject(root.info, source, "$.info");
  const model = configuredModel(info, source);
  const rawMessages = root.messages as unknown[];
  const messages = messagesFromOpenAIChat(rawMessages, source, "$.messages");
  fillToolResultNames(messages);
  const calls = callsFromAssistantMessages(messages, (_message, index) => {
    const raw = rawMessages[index] as JsonObject;
    const path = `$.messages[${index}].extra.response`;
    const response = isObject(raw.extra) && isObject(raw.extra.response) ? raw.extra.response : undefined;
    if (response === undefined) return model === undefined ? {} : { model };
    const usage =
      response.usage === undefined
        ? undefined
        : atSource(source, () => usageFromOpenAIChat(response.usage, `${path}.usage`));
    return {
      usage,
      model: readOptionalString(response.model, source, `${path}.model`) ?? model,
      timestamp: readTimestamp(response.created, source, `${path}.created`),
      responseId: readOptionalString(response.id, source, `${path}.id`),
    };
  });
  const transcript: Transcript = {
    file,
    id: fileId(file),
    format: "mini-swe-agent",
    provider: "openai-chat",
    messages,
    calls,
  };
  const sessionModel = mainModel(calls, model);
  if (sessionModel !== undefined) transcript.model = sessionModel;
  const stats = info?.model_stats;
  if (isObject(stats)) {
    const costUsd = readOptionalNumber(stats.instance_cost, source, "$.info.model_stats.instance_cost");
    const statedCalls = readOptionalNumber(stats.api_calls, source, "$.info.model_stats.api_calls");
    transcript.statedTotals = {};
    if (costUsd !== undefined) transcript.statedTotals.costUsd = costUsd;
    if (statedCalls !== undefined) transcript.statedTotals.calls = statedCalls;
  }
  const metadata: Record<string, unknown> = {};
  if (root.instance_id !== undefined) metadata.instance_id = root.instance_id;
  if (info?.exit_status !== undefined) metadata.exit_status = info.exit_status;
  if (Object.keys(metadata).length > 0) transcript.metadata = metadata;
  return [transcript];
}
