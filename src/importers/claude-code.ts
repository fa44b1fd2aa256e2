/**
 * Claude Code session logs (`~/.claude/projects/<project>/<session>.jsonl`).
 *
 * Each line is one record. `user` and `assistant` lines carry the messages; `system` lines with subtype
 * `compact_boundary` mark an auto-compaction (recorded in {@link Transcript.compactions}); every other line
 * (`progress`, `file-history-snapshot`, `summary`, `queue-operation`, other `system` lines) is skipped.
 * Sidechain lines (`isSidechain: true`, a subagent's conversation) form subsessions keyed by `agentId`, or,
 * in older logs without it, by the chain of `parentUuid`s. Subagent files written beside the session
 * (`<session>__subagents__agent-<id>.jsonl`, `<session>/subagents/agent-<id>.jsonl`) are sessions of their own;
 * `importPath` attaches them to their parent.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { TranscriptFormatError } from "../errors.js";
import type { Transcript } from "../transcript/types.js";
import { ClaudeCodeSessionBuilder } from "./internal/claude-code-session.js";
import {
  isObject,
  type JsonObject,
  parseJson,
  readObject,
  readString,
  type Source,
} from "./internal/reader.js";
import { fileId } from "./internal/transcript-parts.js";

const lineTypes = new Set([
  "user",
  "assistant",
  "system",
  "summary",
  "progress",
  "file-history-snapshot",
  "queue-operation",
]);

/**
 * True for a record typical of a Claude Code log: a known line type with one of its id fields. Lines without
 * messages (`summary`, `file-history-snapshot`, `queue-operation`) match too; see
 * {@link isClaudeCodeMessageRecord} for the lines that decide on their own.
 */
export function isClaudeCodeRecord(record: unknown): boolean {
  if (!isObject(record) || typeof record.type !== "string" || !lineTypes.has(record.type)) return false;
  return ["uuid", "sessionId", "leafUuid", "messageId"].some((key) => typeof record[key] === "string");
}

/** True for a Claude Code message line: `user`, `assistant` or `system` with a `sessionId` or `uuid`. */
export function isClaudeCodeMessageRecord(record: unknown): boolean {
  return (
    isObject(record) &&
    (record.type === "user" || record.type === "assistant" || record.type === "system") &&
    (typeof record.sessionId === "string" || typeof record.uuid === "string") &&
    (record.type === "system" || isObject(record.message))
  );
}

/**
 * The session a subagent log belongs to, from its file name: `<dir>/<session>__subagents__agent-<id>.jsonl`
 * or `<dir>/<session>/subagents/agent-<id>.jsonl` both give `<dir>/<session>.jsonl`; `undefined` otherwise.
 */
export function claudeCodeParentFile(file: string): string | undefined {
  const name = basename(file);
  const flat = /^(.+)__subagents__agent-[^/]+\.jsonl$/.exec(name);
  if (flat?.[1] !== undefined) return join(dirname(file), `${flat[1]}.jsonl`);
  const folder = dirname(file);
  if (/^agent-.+\.jsonl$/.test(name) && basename(folder) === "subagents") return `${dirname(folder)}.jsonl`;
  return undefined;
}

class SidechainRouter {
  readonly sessions = new Map<string, ClaudeCodeSessionBuilder>();
  private readonly keyOfLine = new Map<string, string>();
  private unnamed = 0;

  builderFor(line: JsonObject): ClaudeCodeSessionBuilder {
    const parent = typeof line.parentUuid === "string" ? this.keyOfLine.get(line.parentUuid) : undefined;
    const key =
      typeof line.agentId === "string" ? `agent-${line.agentId}` : (parent ?? `sidechain-${++this.unnamed}`);
    if (typeof line.uuid === "string") this.keyOfLine.set(line.uuid, key);
    let builder = this.sessions.get(key);
    if (builder === undefined) {
      builder = new ClaudeCodeSessionBuilder();
      this.sessions.set(key, builder);
    }
    return builder;
  }
}

/** Reads the text of a Claude Code log into one transcript (with its sidechains as subsessions). */
export function importClaudeCode(file: string, text: string): Transcript[] {
  const main = new ClaudeCodeSessionBuilder();
  const sidechains = new SidechainRouter();
  const ownFile = claudeCodeParentFile(file) !== undefined;
  const lines = text.split("\n");
  let records = 0;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? "";
    if (!/\S/.test(raw)) continue;
    const source: Source = { file, line: index + 1 };
    const line = readObject(parseJson(raw, source), source, "$");
    records++;
    const type = readString(line.type, source, "$.type");
    if (
      type !== "user" &&
      type !== "assistant" &&
      !(type === "system" && line.subtype === "compact_boundary")
    ) {
      continue;
    }
    const builder = line.isSidechain === true && !ownFile ? sidechains.builderFor(line) : main;
    if (type === "user") builder.addUser(line, source);
    else if (type === "assistant") builder.addAssistant(line, source);
    else builder.addBoundary(line, source);
  }
  if (records === 0)
    throw new TranscriptFormatError(file, "line 1", "at least one Claude Code record, got an empty file");
  const id = fileId(file);
  const subsessions = [...sidechains.sessions.entries()]
    .filter(([, builder]) => !builder.isEmpty)
    .map(([key, builder]) => builder.toTranscript(file, `${id}#${key}`));
  const only = subsessions[0];
  if (main.isEmpty && subsessions.length === 1 && only !== undefined) return [{ ...only, id }];
  const transcript = main.toTranscript(file, id);
  if (subsessions.length > 0) transcript.subsessions = subsessions;
  return [transcript];
}
