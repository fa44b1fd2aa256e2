/**
 * Format detection and dispatch. Built-in importers recognise a file by a cheap look at its content (the
 * parsed document for JSON files, the first record for JSONL files); importers added with
 * {@link registerImporter} (compactor's own event log is defined elsewhere) are asked first.
 *
 * @module
 */
import { CompactorError, TranscriptFormatError } from "../errors.js";
import { eventLogImporter } from "../events/event-log-importer.js";
import type { Transcript, TranscriptFormat } from "../transcript/types.js";
import { importAnthropicMessages, isAnthropicMessagesDocument } from "./anthropic-messages.js";
import { importClaudeCode, isClaudeCodeRecord } from "./claude-code.js";
import { isObject, parseJson, type Source } from "./internal/reader.js";
import { fileId } from "./internal/transcript-parts.js";
import { importMiniSweAgent, isMiniSweAgentDocument } from "./mini-swe-agent.js";
import { importOpenAIChat, importTauBench, isTauBenchDocument } from "./openai-chat.js";
import { importOpenHands, importOpenHandsRecord, isOpenHandsRecord } from "./openhands.js";
import { importOpenHandsLlmLog, isOpenHandsLlmLogDocument } from "./openhands-llm-log.js";
import { importSweAgent, isSweAgentDocument } from "./swe-agent.js";

/** A pluggable importer, for formats defined outside this module (compactor's own JSONL event log). */
export interface TranscriptImporter {
  /** The format it reads. */
  format: TranscriptFormat;
  /** True when `text`, read from `file`, is in this format. Called before the built-in importers; keep it cheap. */
  detect(file: string, text: string): boolean;
  /** Reads the text into one or more transcripts; throws {@link TranscriptFormatError} on malformed input. */
  parse(file: string, text: string): Transcript[];
}

/** Importers asked before the built-in ones; compactor's own event log is always among them. */
const registered: TranscriptImporter[] = [eventLogImporter];

/**
 * Adds an importer, asked before the built-in ones (the latest registered first).
 *
 * @returns a function that removes it again.
 */
export function registerImporter(importer: TranscriptImporter): () => void {
  registered.unshift(importer);
  return () => {
    const index = registered.indexOf(importer);
    if (index >= 0) registered.splice(index, 1);
  };
}

/** A JSONL file: its first record decides. */
function firstRecord(file: string, text: string): unknown {
  let start = 0;
  let line = 1;
  while (start < text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    const content = text.slice(start, end);
    if (hasContent(content)) return parseJson(content, { file, line });
    start = end + 1;
    line++;
  }
  return undefined;
}

/** True when the text holds anything but whitespace (stops at the first such character). */
function hasContent(text: string): boolean {
  return /\S/.test(text);
}

/** `.jsonl` / `.ndjson` files; for other names, text whose first line alone is a JSON object and has more lines. */
function isJsonLines(file: string, text: string): boolean {
  if (file.endsWith(".jsonl") || file.endsWith(".ndjson")) return true;
  if (file.endsWith(".json") || file.endsWith(".traj")) return false;
  const start = text.search(/\S/);
  const newline = start < 0 ? -1 : text.indexOf("\n", start);
  if (newline < 0 || !hasContent(text.slice(newline))) return false;
  try {
    return isObject(JSON.parse(text.slice(start, newline)));
  } catch {
    return false;
  }
}

function detectDocument(file: string, document: unknown): TranscriptFormat | undefined {
  if (isMiniSweAgentDocument(file, document)) return "mini-swe-agent";
  if (isSweAgentDocument(document)) return "swe-agent";
  if (isTauBenchDocument(document)) return "tau-bench";
  if (isOpenHandsLlmLogDocument(document)) return "openhands-llm-log";
  if (isOpenHandsRecord(document)) return "openhands";
  if (isAnthropicMessagesDocument(document)) return "anthropic-messages";
  const messages = Array.isArray(document) ? document : isObject(document) ? document.messages : undefined;
  if (
    Array.isArray(messages) &&
    messages.every((message) => isObject(message) && typeof message.role === "string")
  ) {
    return "openai-chat";
  }
  return undefined;
}

function detectRecord(record: unknown): TranscriptFormat | undefined {
  if (isClaudeCodeRecord(record)) return "claude-code";
  if (isOpenHandsRecord(record)) return "openhands";
  return undefined;
}

/**
 * The format of a transcript file, judged by its name and content, or `undefined` when no importer
 * recognises it. Throws {@link TranscriptFormatError} when the text is not valid JSON / JSONL.
 */
export function detectFormat(file: string, text: string): TranscriptFormat | undefined {
  for (const importer of registered) {
    if (importer.detect(file, text)) return importer.format;
  }
  if (!hasContent(text)) return undefined;
  if (isJsonLines(file, text)) return detectRecord(firstRecord(file, text));
  return detectDocument(file, parseJson(text, { file }));
}

function parseDocument(
  file: string,
  document: unknown,
  format: TranscriptFormat | undefined,
): Transcript[] | undefined {
  switch (format) {
    case "mini-swe-agent":
      return importMiniSweAgent(file, document);
    case "swe-agent":
      return importSweAgent(file, document);
    case "tau-bench":
      return importTauBench(file, document);
    case "openhands-llm-log":
      return importOpenHandsLlmLog(file, document);
    case "openhands":
      return [importOpenHandsRecord(document, { file } satisfies Source, "$", fileId(file))];
    case "anthropic-messages":
      return importAnthropicMessages(file, document);
    case "openai-chat":
      return importOpenAIChat(file, document);
    default:
      return undefined;
  }
}

function parseKnown(file: string, text: string): Transcript[] | undefined {
  for (const importer of registered) {
    if (importer.detect(file, text)) return importer.parse(file, text);
  }
  if (!hasContent(text)) throw new TranscriptFormatError(file, "line 1", "a transcript, got an empty file");
  if (isJsonLines(file, text)) {
    const format = detectRecord(firstRecord(file, text));
    if (format === "claude-code") return importClaudeCode(file, text);
    if (format === "openhands") return importOpenHands(file, text);
    return undefined;
  }
  const document = parseJson(text, { file });
  return parseDocument(file, document, detectDocument(file, document));
}

/**
 * Like {@link parseTranscriptText}, but returns `undefined` for well-formed text that no importer recognises
 * (folder walks skip such files).
 */
export function parseRecognisedText(file: string, text: string): Transcript[] | undefined {
  try {
    return parseKnown(file, text);
  } catch (error) {
    if (CompactorError.isInstance(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new TranscriptFormatError(file, "$", `a readable transcript (${reason})`, { cause: error });
  }
}

/**
 * Reads the text of a transcript file into transcripts (one file may hold several sessions).
 *
 * @throws TranscriptFormatError naming the file, the line or JSON path and what was expected, for empty,
 * truncated, malformed or unrecognised input.
 */
export function parseTranscriptText(file: string, text: string): Transcript[] {
  const transcripts = parseRecognisedText(file, text);
  if (transcripts !== undefined) return transcripts;
  const place = isJsonLines(file, text) ? "line 1" : "$";
  throw new TranscriptFormatError(
    file,
    place,
    "a known transcript format (mini-swe-agent, SWE-agent, tau-bench, OpenAI chat, Anthropic messages, OpenHands, Claude Code JSONL)",
  );
}
