/**
 * Format detection and dispatch. Built-in importers recognise a file by a cheap look at its content: the
 * parsed document for JSON files; for JSONL files the records it holds, read from the top until one is
 * decisive (a Claude Code log may begin with `custom-title`, `mode`, `queue-operation` or
 * `file-history-snapshot` records, which say little on their own). Importers added with
 * {@link registerImporter} (compactor's own event log is defined elsewhere) are asked first.
 *
 * @module
 */
import { CompactorError, TranscriptFormatError } from "../errors.js";
import { eventLogImporter } from "../events/event-log-importer.js";
import type { Transcript, TranscriptFormat } from "../transcript/types.js";
import { importAnthropicMessages, isAnthropicMessagesDocument } from "./anthropic-messages.js";
import { importClaudeCode, isClaudeCodeMessageRecord, isClaudeCodeRecord } from "./claude-code.js";
import { importCodex, isCodexRecord } from "./codex.js";
import { isEntireMetadataDocument } from "./entire-metadata.js";
import { isObject, parseJson, type Source } from "./internal/reader.js";
import { fileId } from "./internal/transcript-parts.js";
import { importMiniSweAgent, isMiniSweAgentDocument } from "./mini-swe-agent.js";
import { importOpenAIChat, importTauBench, isTauBenchDocument } from "./openai-chat.js";
import { importOpenHands, importOpenHandsRecord, isOpenHandsRecord } from "./openhands.js";
import { importOpenHandsLlmLog, isOpenHandsLlmLogDocument } from "./openhands-llm-log.js";
import { importPi, isPiRecord } from "./pi.js";
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

/** How many records of a JSONL file detection reads at most before settling on a weak match. */
const detectionRecords = 200;

/**
 * Record detectors, in order. `decisive` records name the format on their own (a Claude Code message line,
 * a Codex rollout record, a pi entry); `weak` ones are typical of the format but carry no message (Claude
 * Code's `summary`, `file-history-snapshot` and `queue-operation` lines).
 */
const recordFormats: ReadonlyArray<{
  format: TranscriptFormat;
  decisive: (record: unknown) => boolean;
  weak?: (record: unknown) => boolean;
}> = [
  { format: "claude-code", decisive: isClaudeCodeMessageRecord, weak: isClaudeCodeRecord },
  { format: "codex", decisive: isCodexRecord },
  { format: "pi", decisive: isPiRecord },
  { format: "openhands", decisive: isOpenHandsRecord },
];

/**
 * A JSONL file: the records it holds decide. Records are read from the top until one is decisive (at most
 * {@link detectionRecords}); failing that, the first weak match decides. Throws for a line that is not JSON.
 */
function detectRecords(file: string, text: string): TranscriptFormat | undefined {
  let start = 0;
  let line = 1;
  let read = 0;
  let weak: TranscriptFormat | undefined;
  while (start < text.length && read < detectionRecords) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    const content = text.slice(start, end);
    if (hasContent(content)) {
      const record = parseJson(content, { file, line });
      read++;
      for (const candidate of recordFormats) {
        if (candidate.decisive(record)) return candidate.format;
        if (weak === undefined && candidate.weak?.(record)) weak = candidate.format;
      }
    }
    start = end + 1;
    line++;
  }
  return weak;
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

/**
 * The format of a transcript file, judged by its name and content, or `undefined` when no importer
 * recognises it. Throws {@link TranscriptFormatError} when the text is not valid JSON / JSONL.
 */
export function detectFormat(file: string, text: string): TranscriptFormat | undefined {
  for (const importer of registered) {
    if (importer.detect(file, text)) return importer.format;
  }
  if (!hasContent(text)) return undefined;
  if (isJsonLines(file, text)) return detectRecords(file, text);
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
    const format = detectRecords(file, text);
    if (format === "claude-code") return importClaudeCode(file, text);
    if (format === "codex") return importCodex(file, text);
    if (format === "pi") return importPi(file, text);
    if (format === "openhands") return importOpenHands(file, text);
    return undefined;
  }
  const document = parseJson(text, { file });
  if (isEntireMetadataDocument(file, document)) {
    throw new TranscriptFormatError(
      file,
      "$",
      "a transcript, got an Entire checkpoint metadata sidecar (import the .jsonl transcript beside it, or its folder)",
    );
  }
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
    "a known transcript format (mini-swe-agent, SWE-agent, tau-bench, OpenAI chat, Anthropic messages, OpenHands, Claude Code JSONL, Codex CLI rollout, pi session)",
  );
}
