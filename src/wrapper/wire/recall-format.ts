/**
 * The recall round trip, format by format: the tool definition in each API's form, the tool calls of a finished
 * turn, the continuation request, a turn with the recall calls taken out (JSON and server-sent events), and the
 * fingerprint that finds a reply again when the agent sends it back as history.
 *
 * @module
 */
import { recallToolDefinition, recallToolName } from "../../../strategies/offload.js";
import { anthropicContentFromEvents } from "../../session/formats.js";
import type { ProviderFormat } from "../../transcript/types.js";

type Params = Record<string, unknown>;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The recall tool in the request's own API form. */
export function recallToolFor(format: ProviderFormat): Record<string, unknown> {
  const { name, description, input_schema } = recallToolDefinition;
  if (format === "anthropic") return { name, description, input_schema };
  if (format === "openai-chat")
    return { type: "function", function: { name, description, parameters: input_schema } };
  return { type: "function", name, description, parameters: input_schema, strict: false };
}

/**
 * `params` with the recall tool appended at the end of `tools` (created when absent). Appended, not prepended:
 * the tools before it keep their bytes and positions, so a cache breakpoint the agent put on one of its tools
 * still closes the same prefix. A request that already has the tool is returned as it is.
 */
export function withRecallTool(format: ProviderFormat, params: Params): Params {
  const tools = Array.isArray(params.tools) ? params.tools : [];
  if (tools.some((tool) => toolName(tool) === recallToolName)) return params;
  return { ...params, tools: [...tools, recallToolFor(format)] };
}

function toolName(tool: unknown): string | undefined {
  const item = record(tool);
  const name = item?.name ?? record(item?.function)?.name;
  return typeof name === "string" ? name : undefined;
}

/** One tool call of a turn. */
export interface TurnCall {
  id: string;
  name: string;
  /** The id argument of a recall call ("" when missing or malformed). */
  recallId: string;
}

/** A finished model turn, in the form the round trip needs. */
export interface Turn {
  /** The response object (for a stream, rebuilt from its events). */
  response: Record<string, unknown>;
  calls: TurnCall[];
  /** The history entries that hold this turn (an assistant message, or Responses output items). */
  history: unknown[];
}

function parseArguments(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === "string") {
    try {
      return record(JSON.parse(value));
    } catch {
      return undefined;
    }
  }
  return record(value);
}

function callOf(id: unknown, name: unknown, input: unknown): TurnCall {
  const args = parseArguments(input);
  const recallId = typeof args?.id === "string" ? args.id : "";
  return { id: typeof id === "string" ? id : "", name: typeof name === "string" ? name : "", recallId };
}

/** A chat completion rebuilt from its chunks (first choice: content, refusal, tool calls, finish reason). */
function chatFromChunks(events: readonly unknown[]): Record<string, unknown> {
  let content: string | null = null;
  let refusal: string | null = null;
  let finish: unknown = null;
  const calls: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }> = [];
  let base: Record<string, unknown> = {};
  for (const event of events) {
    const chunk = record(event);
    if (!chunk) continue;
    if (Object.keys(base).length === 0) base = { id: chunk.id, model: chunk.model, created: chunk.created };
    const choice = record((chunk.choices as unknown[] | undefined)?.[0]);
    const delta = record(choice?.delta);
    if (typeof delta?.content === "string") content = (content ?? "") + delta.content;
    if (typeof delta?.refusal === "string") refusal = (refusal ?? "") + delta.refusal;
    for (const raw of Array.isArray(delta?.tool_calls) ? delta.tool_calls : []) {
      const part = record(raw);
      const index = typeof part?.index === "number" ? part.index : calls.length;
      const call = calls[index] ?? { id: "", type: "function", function: { name: "", arguments: "" } };
      calls[index] = call;
      if (typeof part?.id === "string") call.id = part.id;
      const fn = record(part?.function);
      if (typeof fn?.name === "string") call.function.name += fn.name;
      if (typeof fn?.arguments === "string") call.function.arguments += fn.arguments;
    }
    if (choice?.finish_reason !== undefined && choice.finish_reason !== null) finish = choice.finish_reason;
  }
  const message: Record<string, unknown> = { role: "assistant", content, refusal };
  const defined = calls.filter((call) => call !== undefined);
  if (defined.length > 0) message.tool_calls = defined;
  return { ...base, object: "chat.completion", choices: [{ index: 0, message, finish_reason: finish }] };
}

/** The turn a response (JSON) or a stream (its events) holds, or undefined when it is not one compactor reads. */
export function turnOf(
  format: ProviderFormat,
  body: { json?: unknown; events?: readonly unknown[] },
): Turn | undefined {
  let response: Record<string, unknown> | undefined;
  if (body.json !== undefined) response = record(body.json);
  else if (body.events !== undefined) {
    const events = body.events;
    if (format === "anthropic") {
      const start = record(events.map(record).find((event) => event?.type === "message_start")?.message);
      if (start) response = { ...start, content: anthropicContentFromEvents(events) };
    } else if (format === "openai-chat") {
      response = events.length > 0 ? chatFromChunks(events) : undefined;
    } else {
      for (let index = events.length - 1; index >= 0 && !response; index--) {
        const event = record(events[index]);
        if (event?.type === "response.completed" || event?.type === "response.incomplete")
          response = record(event.response);
      }
    }
  }
  if (!response) return undefined;
  if (format === "anthropic") {
    const content = Array.isArray(response.content) ? response.content : [];
    const calls = content
      .map(record)
      .filter((block) => block?.type === "tool_use")
      .map((block) => callOf(block?.id, block?.name, block?.input));
    return { response, calls, history: [{ role: "assistant", content }] };
  }
  if (format === "openai-chat") {
    const message = record(record((response.choices as unknown[] | undefined)?.[0])?.message);
    if (!message) return undefined;
    const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
    const calls = toolCalls.map((call) => {
      const item = record(call);
      const fn = record(item?.function);
      return callOf(item?.id, fn?.name, fn?.arguments);
    });
    const entry: Record<string, unknown> = { role: "assistant", content: message.content ?? null };
    if (toolCalls.length > 0)
      entry.tool_calls = toolCalls.map((call) => {
        const item = record(call) ?? {};
        return { id: item.id, type: "function", function: item.function };
      });
    return { response, calls, history: [entry] };
  }
  const output = Array.isArray(response.output) ? response.output : [];
  const calls = output
    .map(record)
    .filter((item) => item?.type === "function_call")
    .map((item) => callOf(item?.call_id, item?.name, item?.arguments));
  return { response, calls, history: output.map((item) => withoutStatus(record(item) ?? {})) };
}

/** A Responses output item as input: the same item (ids kept, which reasoning items need). */
function withoutStatus(item: Record<string, unknown>): Record<string, unknown> {
  return item;
}

/** History entries answering recall calls: `results` maps call ids to the text returned. */
export function resultEntries(
  format: ProviderFormat,
  results: ReadonlyArray<{ callId: string; text: string }>,
): unknown[] {
  if (format === "anthropic") {
    return [
      {
        role: "user",
        content: results.map(({ callId, text }) => ({
          type: "tool_result",
          tool_use_id: callId,
          content: text,
        })),
      },
    ];
  }
  if (format === "openai-chat")
    return results.map(({ callId, text }) => ({ role: "tool", tool_call_id: callId, content: text }));
  return results.map(({ callId, text }) => ({ type: "function_call_output", call_id: callId, output: text }));
}

/** The request's history list (Anthropic/Chat `messages`, Responses `input`). */
export function historyOf(format: ProviderFormat, params: Params): unknown[] | undefined {
  const list = format === "openai-responses" ? params.input : params.messages;
  return Array.isArray(list) ? list : undefined;
}

/** `params` with its history list replaced. */
export function withHistory(format: ProviderFormat, params: Params, history: unknown[]): Params {
  return format === "openai-responses" ? { ...params, input: history } : { ...params, messages: history };
}

/**
 * A fingerprint of the first history entry of a reply, as the agent will send it back: its tool call ids, else
 * its text. The SDKs re-serialise replies (fields added or dropped), so bytes cannot be compared; ids and text
 * survive. Undefined for entries with neither.
 */
export function fingerprint(format: ProviderFormat, entry: unknown): string | undefined {
  const item = record(entry);
  if (!item) return undefined;
  if (format === "openai-responses") {
    if (item.type === "function_call" && typeof item.call_id === "string") return `call:${item.call_id}`;
    if (item.type === "reasoning" && typeof item.id === "string") return `reasoning:${item.id}`;
    if ((item.type === "message" || item.type === undefined) && item.role === "assistant")
      return textPrint(item.content);
    return undefined;
  }
  if (item.role !== "assistant") return undefined;
  if (format === "openai-chat") {
    const ids = (Array.isArray(item.tool_calls) ? item.tool_calls : [])
      .map((call) => record(call)?.id)
      .filter((id) => typeof id === "string");
    return ids.length > 0 ? `call:${ids.join(",")}` : textPrint(item.content);
  }
  const content = Array.isArray(item.content) ? item.content : [];
  const ids = content
    .map(record)
    .filter((block) => block?.type === "tool_use")
    .map((block) => block?.id);
  if (ids.length > 0) return `call:${ids.join(",")}`;
  const signature = content.map(record).find((block) => block?.type === "thinking")?.signature;
  if (typeof signature === "string") return `thinking:${signature}`;
  return textPrint(item.content);
}

function textPrint(content: unknown): string | undefined {
  if (typeof content === "string") return content === "" ? undefined : `text:${content}`;
  if (!Array.isArray(content)) return undefined;
  const text = content
    .map((part) => {
      const item = record(part);
      return typeof item?.text === "string" ? item.text : "";
    })
    .join("");
  return text === "" ? undefined : `text:${text}`;
}

/** The response with the given calls taken out (JSON), and the stop reason mended when no call remains. */
export function stripCalls(
  format: ProviderFormat,
  response: Record<string, unknown>,
  drop: ReadonlySet<string>,
): Record<string, unknown> {
  if (format === "anthropic") {
    const content = (Array.isArray(response.content) ? response.content : []).filter((block) => {
      const item = record(block);
      return !(item?.type === "tool_use" && drop.has(String(item.id)));
    });
    const anyCall = content.some((block) => record(block)?.type === "tool_use");
    return { ...response, content, ...(anyCall ? {} : { stop_reason: "end_turn" }) };
  }
  if (format === "openai-chat") {
    const choices = (Array.isArray(response.choices) ? response.choices : []).map((choice) => {
      const item = record(choice) ?? {};
      const message = record(item.message) ?? {};
      const calls = (Array.isArray(message.tool_calls) ? message.tool_calls : []).filter(
        (call) => !drop.has(String(record(call)?.id)),
      );
      const { tool_calls: _dropped, ...rest } = message;
      return {
        ...item,
        message: calls.length > 0 ? { ...rest, tool_calls: calls } : rest,
        ...(calls.length > 0 ? {} : { finish_reason: "stop" }),
      };
    });
    return { ...response, choices };
  }
  const output = (Array.isArray(response.output) ? response.output : []).filter((item) => {
    const entry = record(item);
    return !(entry?.type === "function_call" && drop.has(String(entry.call_id)));
  });
  return { ...response, output };
}

/** One server-sent event block: its text as received and its parsed parts. */
interface SseBlock {
  text: string;
  event?: string;
  data?: Record<string, unknown>;
}

function sseBlocks(text: string): SseBlock[] {
  const blocks: SseBlock[] = [];
  for (const raw of text.split(/\r?\n\r?\n/)) {
    if (raw.trim() === "") continue;
    let event: string | undefined;
    let data: string | undefined;
    for (const rawLine of raw.split("\n")) {
      const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const field = line.slice(0, colon);
      let value = line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data = data === undefined ? value : `${data}\n${value}`;
    }
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = data === undefined || data === "[DONE]" ? undefined : record(JSON.parse(data));
    } catch {
      parsed = undefined;
    }
    blocks.push({
      text: `${raw}\n\n`,
      ...(event !== undefined ? { event } : {}),
      ...(parsed ? { data: parsed } : {}),
    });
  }
  return blocks;
}

function render(block: SseBlock, data: Record<string, unknown>): string {
  return `${block.event !== undefined ? `event: ${block.event}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
}

/** Positions kept after dropping `dropped` (sorted): the new index of `index`. */
function shifted(index: number, dropped: readonly number[]): number {
  return index - dropped.filter((position) => position < index).length;
}

/**
 * A stream's text with the given calls' events taken out: their content blocks (Anthropic), tool call deltas
 * (Chat) or output items (Responses) are removed and the later positions renumbered, so the SDK assembles the
 * turn without them. Unchanged events keep their bytes.
 */
export function stripStream(format: ProviderFormat, text: string, drop: ReadonlySet<string>): string {
  const blocks = sseBlocks(text);
  let out = "";
  if (format === "anthropic") {
    const dropped: number[] = [];
    for (const block of blocks) {
      const content = record(block.data?.content_block);
      if (
        block.data?.type === "content_block_start" &&
        content?.type === "tool_use" &&
        drop.has(String(content.id))
      )
        dropped.push(Number(block.data.index));
    }
    const starts = blocks.filter((block) => block.data?.type === "content_block_start");
    const anyCall = starts.some(
      (block) =>
        record(block.data?.content_block)?.type === "tool_use" &&
        !dropped.includes(Number(block.data?.index)),
    );
    for (const block of blocks) {
      const data = block.data;
      if (data && typeof data.index === "number" && String(data.type).startsWith("content_block_")) {
        if (dropped.includes(data.index)) continue;
        const index = shifted(data.index, dropped);
        out += index === data.index ? block.text : render(block, { ...data, index });
      } else if (
        data?.type === "message_delta" &&
        !anyCall &&
        record(data.delta)?.stop_reason === "tool_use"
      ) {
        out += render(block, { ...data, delta: { ...record(data.delta), stop_reason: "end_turn" } });
      } else out += block.text;
    }
    return out;
  }
  if (format === "openai-chat") {
    const dropped: number[] = [];
    const kept = new Set<number>();
    for (const block of blocks) {
      const delta = record(record((block.data?.choices as unknown[] | undefined)?.[0])?.delta);
      for (const call of Array.isArray(delta?.tool_calls) ? delta.tool_calls : []) {
        const item = record(call);
        if (typeof item?.index !== "number") continue;
        if (typeof item.id === "string" && drop.has(item.id)) dropped.push(item.index);
        else kept.add(item.index);
      }
    }
    for (const index of dropped) kept.delete(index);
    for (const block of blocks) {
      const data = block.data;
      const choices = Array.isArray(data?.choices) ? data.choices : undefined;
      if (!data || !choices) {
        out += block.text;
        continue;
      }
      let changed = false;
      const next = choices.map((choice) => {
        const item = record(choice) ?? {};
        const delta = record(item.delta);
        let result: Record<string, unknown> = item;
        const original = delta?.tool_calls;
        if (delta && Array.isArray(original)) {
          const calls = original
            .filter((call) => !dropped.includes(Number(record(call)?.index)))
            .map((call) => {
              const entry = record(call) ?? {};
              const index = shifted(Number(entry.index), dropped);
              return index === entry.index ? entry : { ...entry, index };
            });
          if (calls.length !== original.length || calls.some((call, at) => call !== original[at])) {
            changed = true;
            const { tool_calls: _removed, ...rest } = delta;
            result = { ...item, delta: calls.length > 0 ? { ...rest, tool_calls: calls } : rest };
          }
        }
        if (item.finish_reason === "tool_calls" && kept.size === 0 && dropped.length > 0) {
          changed = true;
          result = { ...result, finish_reason: "stop" };
        }
        return result;
      });
      out += changed ? render(block, { ...data, choices: next }) : block.text;
    }
    return out;
  }
  const dropped: number[] = [];
  const droppedItems = new Set<string>();
  for (const block of blocks) {
    const item = record(block.data?.item);
    if (
      block.data?.type === "response.output_item.added" &&
      item?.type === "function_call" &&
      drop.has(String(item.call_id))
    ) {
      dropped.push(Number(block.data.output_index));
      if (typeof item.id === "string") droppedItems.add(item.id);
    }
  }
  for (const block of blocks) {
    const data = block.data;
    if (!data) {
      out += block.text;
      continue;
    }
    if (typeof data.output_index === "number") {
      if (dropped.includes(data.output_index)) continue;
      const index = shifted(data.output_index, dropped);
      out += index === data.output_index ? block.text : render(block, { ...data, output_index: index });
      continue;
    }
    if (typeof data.item_id === "string" && droppedItems.has(data.item_id)) continue;
    const response = record(data.response);
    if (response && Array.isArray(response.output) && dropped.length > 0) {
      out += render(block, { ...data, response: stripCalls(format, response, drop) });
      continue;
    }
    out += block.text;
  }
  return out;
}

/** `tools` without the recall tool. */
function withoutRecallTool(tools: unknown): unknown {
  return Array.isArray(tools) ? tools.filter((tool) => toolName(tool) !== recallToolName) : tools;
}

/**
 * The body the caller gets, with the recall tool taken out of the request echo a Responses object carries
 * (`response.tools`, in the JSON body and in the stream's `response.*` events). Other formats echo no tools and
 * keep their bytes.
 */
export function hideRecallTool(format: ProviderFormat, text: string, sse: boolean): string {
  if (format !== "openai-responses" || !text.includes(recallToolName)) return text;
  if (!sse) {
    try {
      const json = record(JSON.parse(text));
      if (json && Array.isArray(json.tools))
        return JSON.stringify({ ...json, tools: withoutRecallTool(json.tools) });
    } catch {
      return text;
    }
    return text;
  }
  let out = "";
  for (const block of sseBlocks(text)) {
    const response = record(block.data?.response);
    if (block.data && response && Array.isArray(response.tools) && block.text.includes(recallToolName)) {
      out += render(block, {
        ...block.data,
        response: { ...response, tools: withoutRecallTool(response.tools) },
      });
    } else out += block.text;
  }
  return out;
}
