/**
 * Sessions of the pi coding agent (`~/.pi/agent/sessions/<project>/<time>_<id>.jsonl`, badlogic/pi-mono).
 *
 * Each line is one entry. A `session` entry opens the file (provider, model, working directory);
 * `message` entries hold one message each: `user`, `assistant` (with `provider`, `model`, `api`,
 * `stopReason` and `usage` = input, output, cacheRead, cacheWrite and the dollars pi computed, `cost.total`),
 * `toolResult`, and `bashExecution` (a command the user ran, which pi sends to the model as user text).
 * `model_change` and `thinking_level_change` entries carry no messages. A `compaction` entry replaces the
 * history: the model is sent its `summary` followed by the entries from `firstKeptEntryIndex` (or
 * `firstKeptEntryId`) on; later calls' prompts start at that summary, and the kept messages are repeated
 * after it so that each call's prompt is one window of the transcript's messages. Entries with `id` and
 * `parentId` (newer pi versions keep a tree) are read along the branch that ends at the last entry.
 *
 * Every assistant message with non-zero usage is one call; pi's input excludes cache reads and writes (it
 * normalises OpenAI's inclusive counts), its cache writes are Anthropic's 5-minute ones, and `cost.total`
 * becomes the call's `reportedCostUsd`. Aborted or failed turns with no usage are no calls; when they also
 * have no content they are left out of the history (pi does not send them again).
 *
 * @module
 */
import { TranscriptFormatError } from "../errors.js";
import type {
  Block,
  Message,
  ProviderFormat,
  RecordedCall,
  TextBlock,
  ImageBlock,
  Transcript,
  Usage,
} from "../transcript/types.js";
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
  readTimestamp,
  type Source,
} from "./internal/reader.js";
import { fileId, fillToolResultNames, mainModel } from "./internal/transcript-parts.js";

/** True for an entry of a pi session: the `session` header or a `message` entry with a role. */
export function isPiRecord(record: unknown): boolean {
  if (!isObject(record)) return false;
  if (record.type === "session") return typeof record.id === "string" && typeof record.timestamp === "string";
  return record.type === "message" && isObject(record.message) && typeof record.message.role === "string";
}

interface Entry {
  record: JsonObject;
  source: Source;
  /** Index of the entry in the file (0 = the first line with content), as `firstKeptEntryIndex` counts. */
  index: number;
}

function providerOfApi(api: string | undefined): ProviderFormat | undefined {
  if (api === undefined) return undefined;
  if (api.startsWith("anthropic")) return "anthropic";
  if (api === "openai-responses" || api === "openai-codex-responses") return "openai-responses";
  return "openai-chat";
}

function count(usage: JsonObject, key: string, source: Source, path: string): number {
  const value = readOptionalNumber(usage[key], source, `${path}.${key}`) ?? 0;
  if (value < 0) fail(source, `${path}.${key}`, "a number of tokens, 0 or more", value);
  return value;
}

function usageOf(value: unknown, source: Source, path: string): Usage {
  const usage = readObject(value, source, path);
  const result: Usage = {
    inputTokens: count(usage, "input", source, path),
    cacheReadTokens: count(usage, "cacheRead", source, path),
    cacheWrite5mTokens: count(usage, "cacheWrite", source, path),
    cacheWrite1hTokens: 0,
    outputTokens: count(usage, "output", source, path),
    reasoningTokens: 0,
  };
  if (isObject(usage.cost)) {
    const total = readOptionalNumber(usage.cost.total, source, `${path}.cost.total`);
    if (total !== undefined) result.reportedCostUsd = total;
  }
  return result;
}

function contentBlocks(value: unknown, source: Source, path: string): Array<TextBlock | ImageBlock> {
  if (typeof value === "string") return value === "" ? [] : [{ type: "text", text: value }];
  if (value === undefined || value === null) return [];
  return readArray(value, source, path).flatMap((item, index): Array<TextBlock | ImageBlock> => {
    const part = readObject(item, source, `${path}[${index}]`);
    if (part.type === "text")
      return [{ type: "text", text: readString(part.text, source, `${path}[${index}].text`) }];
    if (part.type === "image") {
      const data = readString(part.data, source, `${path}[${index}].data`);
      const mediaType =
        readOptionalString(part.mimeType, source, `${path}[${index}].mimeType`) ?? "image/png";
      return [{ type: "image", source: { kind: "base64", mediaType, data } }];
    }
    return fail(source, `${path}[${index}].type`, '"text" or "image"', part.type);
  });
}

function assistantBlocks(value: unknown, source: Source, path: string): Block[] {
  if (typeof value === "string") return value === "" ? [] : [{ type: "text", text: value }];
  return readArray(value ?? [], source, path).map((item, index): Block => {
    const at = `${path}[${index}]`;
    const part = readObject(item, source, at);
    if (part.type === "text") return { type: "text", text: readString(part.text, source, `${at}.text`) };
    if (part.type === "thinking") {
      const block: Block = { type: "thinking", text: readString(part.thinking, source, `${at}.thinking`) };
      const signature = readOptionalString(part.thinkingSignature, source, `${at}.thinkingSignature`);
      if (signature) block.signature = signature;
      return block;
    }
    if (part.type === "toolCall") {
      return {
        type: "tool_call",
        id: readString(part.id, source, `${at}.id`),
        name: readString(part.name, source, `${at}.name`),
        input: part.arguments ?? {},
      };
    }
    if (part.type === "image") return contentBlocks([part], source, path)[0] as ImageBlock;
    return fail(source, `${at}.type`, '"text", "thinking", "toolCall" or "image"', part.type);
  });
}

class PiSessionBuilder {
  readonly messages: Message[] = [];
  readonly calls: RecordedCall[] = [];
  readonly compactions: NonNullable<Transcript["compactions"]> = [];
  readonly providers = new Map<string, ProviderFormat>();
  private windowStart = 0;

  /**
   * @param anthropicStyle - tool results live in user messages and consecutive user messages form one, as pi
   *   sends them to Anthropic; otherwise each tool result is a `tool` message (OpenAI).
   */
  constructor(private readonly anthropicStyle: boolean) {}

  /** Appends a message; tool results and user text that follow each other form one user message (Anthropic). */
  private push(message: Message): number {
    const last = this.messages.at(-1);
    if (
      this.anthropicStyle &&
      message.role === "user" &&
      last?.role === "user" &&
      this.messages.length - 1 >= this.windowStart &&
      !last.content.some((block) => block.type === "summary")
    ) {
      last.content.push(...message.content);
      return this.messages.length - 1;
    }
    return this.messages.push(message) - 1;
  }

  /** The neutral message of a message entry, and its call details when it is a billed assistant turn. */
  private read(entry: Entry): {
    message?: Message;
    call?: Omit<RecordedCall, "promptStart" | "promptEnd" | "responseIndex">;
  } {
    const { source } = entry;
    const message = readObject(entry.record.message, source, "$.message");
    const role = readString(message.role, source, "$.message.role");
    if (role === "user") {
      const content = contentBlocks(message.content, source, "$.message.content");
      return content.length > 0 ? { message: { role: "user", content } } : {};
    }
    if (role === "toolResult") {
      const result: Block = {
        type: "tool_result",
        callId: readString(message.toolCallId, source, "$.message.toolCallId"),
        content: contentBlocks(message.content, source, "$.message.content"),
      };
      const name = readOptionalString(message.toolName, source, "$.message.toolName");
      if (name !== undefined) result.name = name;
      if (message.isError === true) result.isError = true;
      return { message: { role: this.anthropicStyle ? "user" : "tool", content: [result] } };
    }
    if (role === "bashExecution") {
      const command = readString(message.command, source, "$.message.command");
      const output = readOptionalString(message.output, source, "$.message.output") ?? "";
      return {
        message: {
          role: "user",
          content: [{ type: "text", text: `Ran \`${command}\`\n\`\`\`\n${output}\n\`\`\`` }],
          extra: { piRole: "bashExecution" },
        },
      };
    }
    if (role !== "assistant") {
      // Other roles (hook or custom messages of newer versions) reach the model as user text when they have any.
      const content = contentBlocks(message.content, source, "$.message.content");
      return content.length > 0 ? { message: { role: "user", content, extra: { piRole: role } } } : {};
    }
    const content = assistantBlocks(message.content, source, "$.message.content");
    const usage =
      message.usage === undefined || message.usage === null
        ? undefined
        : usageOf(message.usage, source, "$.message.usage");
    const billed =
      usage !== undefined &&
      usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.outputTokens > 0;
    if (!billed && content.length === 0) return {};
    const result: ReturnType<PiSessionBuilder["read"]> = { message: { role: "assistant", content } };
    if (billed) {
      const call: NonNullable<typeof result.call> = { usage };
      const model = readOptionalString(message.model, source, "$.message.model");
      if (model !== undefined) {
        call.model = model;
        const provider = providerOfApi(readOptionalString(message.api, source, "$.message.api"));
        if (provider !== undefined) this.providers.set(model, provider);
      }
      const timestamp = readTimestamp(entry.record.timestamp, source, "$.timestamp");
      if (timestamp !== undefined) call.timestamp = timestamp;
      result.call = call;
    }
    return result;
  }

  message(entry: Entry): void {
    const { message, call } = this.read(entry);
    if (message === undefined) return;
    if (message.role === "assistant") {
      const index = this.messages.push(message) - 1;
      if (call !== undefined)
        this.calls.push({ promptStart: this.windowStart, promptEnd: index, responseIndex: index, ...call });
      return;
    }
    this.push(message);
  }

  compaction(entry: Entry, kept: readonly Entry[]): void {
    const { record, source } = entry;
    const text = readString(record.summary, source, "$.summary");
    const compaction: NonNullable<Transcript["compactions"]>[number] = { messageIndex: this.messages.length };
    const preTokens = readOptionalNumber(record.tokensBefore, source, "$.tokensBefore");
    if (preTokens !== undefined) compaction.preTokens = preTokens;
    const timestamp = readTimestamp(record.timestamp, source, "$.timestamp");
    if (timestamp !== undefined) compaction.timestamp = timestamp;
    this.compactions.push(compaction);
    this.windowStart = this.messages.length;
    this.messages.push({ role: "user", content: [{ type: "summary", text }] });
    // The kept messages follow the summary in every later prompt: repeated here, without their calls.
    for (const keptEntry of kept) {
      const { message } = this.read(keptEntry);
      if (message === undefined) continue;
      if (message.role === "assistant") this.messages.push(message);
      else if (
        this.anthropicStyle &&
        message.role === "user" &&
        this.messages.at(-1)?.role === "user" &&
        this.messages.length - 1 > this.windowStart
      )
        this.messages.at(-1)?.content.push(...message.content);
      else this.messages.push(message);
    }
  }

  toTranscript(file: string, header: JsonObject | undefined): Transcript {
    fillToolResultNames(this.messages);
    const model = mainModel(this.calls, typeof header?.modelId === "string" ? header.modelId : undefined);
    const provider =
      (model !== undefined ? this.providers.get(model) : undefined) ??
      (header?.provider === "anthropic"
        ? "anthropic"
        : header?.provider === "openai"
          ? "openai-responses"
          : "anthropic");
    const transcript: Transcript = {
      file,
      id: fileId(file),
      format: "pi",
      provider,
      messages: this.messages,
      calls: this.calls,
    };
    if (model !== undefined) transcript.model = model;
    if (this.compactions.length > 0) transcript.compactions = this.compactions;
    if (typeof header?.id === "string") transcript.metadata = { sessionId: header.id };
    if (typeof header?.cwd === "string") transcript.metadata = { ...transcript.metadata, cwd: header.cwd };
    return transcript;
  }
}

/** The entries along the active branch, in order: every entry, unless the file keeps a tree (`id`/`parentId`). */
function activeBranch(entries: Entry[]): Entry[] {
  const byId = new Map<string, Entry>();
  for (const entry of entries)
    if (typeof entry.record.id === "string" && entry.record.type !== "session")
      byId.set(entry.record.id, entry);
  const last = entries.at(-1);
  if (byId.size === 0 || last === undefined || !("parentId" in last.record)) return entries;
  const branch: Entry[] = [];
  const seen = new Set<string>();
  let current: Entry | undefined = last;
  while (current !== undefined) {
    branch.push(current);
    const parent = current.record.parentId;
    if (typeof parent !== "string" || seen.has(parent)) break;
    seen.add(parent);
    current = byId.get(parent);
  }
  const header = entries.find((entry) => entry.record.type === "session");
  return [...(header ? [header] : []), ...branch.reverse()];
}

/** Reads the text of a pi session into one transcript. */
export function importPi(file: string, text: string): Transcript[] {
  const lines = text.split("\n");
  const entries: Entry[] = [];
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? "";
    if (!/\S/.test(raw)) continue;
    const source: Source = { file, line: index + 1 };
    const record = readObject(parseJson(raw, source), source, "$");
    readString(record.type, source, "$.type");
    entries.push({ record, source, index: entries.length });
  }
  if (entries.length === 0)
    throw new TranscriptFormatError(file, "line 1", "at least one pi session entry, got an empty file");
  const header = entries.find((entry) => entry.record.type === "session")?.record;
  const branch = activeBranch(entries);
  const firstApi = entries.find(
    (entry) => isObject(entry.record.message) && typeof entry.record.message.api === "string",
  )?.record.message as JsonObject | undefined;
  const style =
    providerOfApi(firstApi?.api as string | undefined) ??
    (header?.provider === "openai" ? "openai-responses" : "anthropic");
  const builder = new PiSessionBuilder(style === "anthropic");
  for (const [position, entry] of branch.entries()) {
    const type = entry.record.type;
    if (type === "message") builder.message(entry);
    else if (type === "compaction") {
      const { record, source } = entry;
      let first: number;
      if (typeof record.firstKeptEntryId === "string") {
        first = branch.findIndex((candidate) => candidate.record.id === record.firstKeptEntryId);
        if (first < 0)
          fail(source, "$.firstKeptEntryId", "the id of an earlier entry", record.firstKeptEntryId);
      } else {
        const index = readOptionalNumber(record.firstKeptEntryIndex, source, "$.firstKeptEntryIndex");
        first = index === undefined ? position : branch.findIndex((candidate) => candidate.index >= index);
        if (first < 0 || first > position) first = position;
      }
      builder.compaction(
        entry,
        branch.slice(first, position).filter((kept) => kept.record.type === "message"),
      );
    }
  }
  return [builder.toTranscript(file, header)];
}
