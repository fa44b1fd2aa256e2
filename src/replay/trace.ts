/**
 * The bench's audit trail (`compactor bench --trace DIR`): per replay, one JSON line per recorded call with the
 * messages the strategy sent (the view), the usage and dollars the replay priced, and, at a compaction, what
 * was removed and the summary written. Anyone can re-price a line or read a view without trusting the bench.
 *
 * Each message is written in full once, on the first line whose view holds it (`messages`, by content hash);
 * every line's `view` lists the hashes of what was sent, in order, after the fixed prefix (system prompt and
 * tools, written on the first line).
 *
 * @module
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";
import type { Message, Transcript, Usage } from "../transcript/types.js";

/** What the replay hands the trace at each call. */
export interface TraceCallInput {
  callIndex: number;
  /** Time the replay put the call at (epoch ms). */
  time: number;
  model: string;
  /** The messages sent after the fixed prefix, in order, with their content hashes. */
  view: readonly Message[];
  viewHashes: readonly string[];
  /** Prompt usage from the cache model, with the recorded output tokens. */
  usage: Usage;
  /** Dollars of this call (`null`: unknown price). */
  costUsd: number | null;
  /** Dollars of the replay so far, this call, summaries and recoveries included. */
  cumulativeCostUsd: number | null;
  compaction?: {
    strategy: string;
    description: string;
    /** History messages the checkpoint covers. */
    coveredMessages: number;
    /** Content hashes of the history messages no longer sent (covered and not kept verbatim). */
    removed: string[];
    /** Text of the summary the strategy wrote, when it wrote one. */
    summary?: string;
    summarizerModel?: string;
    summarizerCostUsd: number | null;
    tokensBefore: number;
    tokensAfter: number;
  };
  recall?: { removed: number; kept: number; lost: string[] };
  recovery?: {
    /** Removed outputs re-read at this call (content hash, tokens, the facts that called for it). */
    reRead: Array<{ message: string; tokens: number; facts: string[] }>;
    /** Tokens re-read earlier that ride in this call's prompt. */
    ridingTokens: number;
    costUsd: number;
  };
}

/** One line of a trace file. */
export interface TraceLine extends Omit<TraceCallInput, "view" | "viewHashes" | "time" | "callIndex"> {
  call: number;
  time: string;
  view: string[];
  /** Messages first sent at this call, by content hash. */
  messages: Record<string, Message>;
  /** First line only: the fixed prefix every call sends. */
  fixed?: { system: unknown; tools: unknown };
}

/** Writes one replay's trace file, line by line. */
export class TraceWriter {
  private readonly seen = new Set<string>();
  private readonly fd: number;
  private first = true;

  constructor(
    readonly file: string,
    private readonly transcript: Transcript,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, "w");
  }

  /** Appends the line of one call. */
  call(input: TraceCallInput): void {
    const messages: Record<string, Message> = {};
    input.viewHashes.forEach((hash, index) => {
      if (this.seen.has(hash)) return;
      this.seen.add(hash);
      messages[hash] = input.view[index] as Message;
    });
    const { view: _view, viewHashes, time, callIndex, ...rest } = input;
    const line: TraceLine = {
      call: callIndex,
      time: new Date(time).toISOString(),
      ...rest,
      view: [...viewHashes],
      messages,
      ...(this.first
        ? { fixed: { system: this.transcript.system ?? null, tools: this.transcript.tools ?? null } }
        : {}),
    };
    this.first = false;
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A file name safe on every file system, from parts such as a transcript id and a strategy name. */
export function traceFileName(...parts: string[]): string {
  return `${parts.map((part) => part.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 120)).join(".")}.jsonl`;
}
