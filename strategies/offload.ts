/**
 * `offload`: reversible removal. Wraps any part that replaces tool output by a placeholder (observation masking,
 * lossless removals, a pipeline of them) and makes every such placeholder recallable: it names the
 * {@link recallToolName} tool and a short id, and the output itself stays in the session store (the session's
 * history, which compactor keeps whole and persists; nothing is deleted). When the model calls the tool,
 * compactor answers it from the store and continues the call itself (see `src/wrapper/wire/recall.ts`), so the
 * agent's code never sees the tool.
 *
 * The id is derived from the tool call's id (`offloadId`), so the strategy stays a pure function of the view
 * (the bench, dry runs and shadow mode compute the same placeholders) and the runtime finds the output again by
 * scanning the history, with no second copy to keep in sync.
 *
 * Text observations (agents without tool calls) carry no call id; they are left as the inner part made them.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { InvalidOptionError } from "../src/errors.js";
import type { Block, Message, ToolResultBlock } from "../src/transcript/types.js";
import { removedTokens } from "./internal/view.js";
import { observationMasking } from "./observation-masking.js";
import type { CompactionResult, Strategy, StrategyContext } from "./types.js";

/** Name of the tool compactor adds to requests when offload is on. */
export const recallToolName = "compactor_recall";

/** Every recall hint contains this text; a placeholder that does is recallable. */
export const recallHintMarker = `${recallToolName} tool, id "`;

/** Pattern of the ids {@link offloadId} makes. */
export const offloadIdPattern = /^r[0-9a-f]{10}$/;

/** The short, stable id of the output of tool call `callId` (11 characters: `r` and 10 hex digits). */
export function offloadId(callId: string): string {
  return `r${createHash("sha256").update(callId).digest("hex").slice(0, 10)}`;
}

/** The sentence appended to a placeholder. */
export function recallHint(id: string): string {
  return `Its full output is kept: call the ${recallHintMarker}${id}" to read it again.`;
}

const idInText = /id "(r[0-9a-f]{10})"/g;

/** Ids of every recall hint and every entry of a kept-outputs index in `text`, in order. */
export function recallIdsIn(text: string): string[] {
  if (!text.includes('id "r')) return [];
  return [...text.matchAll(idInText)].map((match) => match[1] as string);
}

/** Heading of the index of kept outputs that {@link offload} appends to a summary. */
export const keptOutputsHeading = "## Kept outputs";

const keptOutputsIntro = `Each output below was removed from this conversation but is kept: call the ${recallToolName} tool with its id to read it again.`;

/**
 * The tool definition compactor adds (Anthropic form: `name`, `description`, `input_schema`; the wire stage
 * writes the OpenAI forms from it). Constant, so the tools block is byte-identical on every call.
 */
export const recallToolDefinition = {
  name: recallToolName,
  description:
    "Reads again a tool output that was removed from this conversation to save context. Use it only with the id " +
    "(r followed by 10 hex digits) of a placeholder that says the full output is kept.",
  input_schema: {
    type: "object",
    properties: { id: { type: "string", description: "The id from the placeholder, e.g. r0123456789." } },
    required: ["id"],
    additionalProperties: false,
  },
} as const;

/** Options of {@link offload}. */
export interface OffloadOptions {
  /**
   * Tool results smaller than this many tokens get no recall hint (re-reading them costs less than the hint).
   * @default 64
   */
  minTokens?: number;
  /**
   * When the inner part summarizes, the summary gets an index of the tool outputs it replaced (id, tool, command,
   * size; about 30 tokens each), so that those are one recall away too; at most this many entries, the latest
   * kept. `0` writes no index. Off by default: measured inside the default on the long recorded Claude Code
   * sessions, an index (of 50 or 200 lines) halved the number of compactions and lowered the effective saving
   * from 12.0% to 7.5% (Anthropic 5-minute writes; `benchmarks/strategies/levers.ts`, `default+offload-indexed`).
   * @default 0
   */
  maxIndexEntries?: number;
}

/** Strategies made by {@link offload} (and wrappers that report one inside, via `offloads`). */
const offloading = new WeakSet<Strategy>();

/**
 * True when `strategy` offloads: it is an {@link offload} part, or a wrapper whose name shows one inside
 * (`pipeline`, `cacheAware` and `guardedStrategy` name their parts).
 */
export function isOffloading(strategy: Strategy | null | undefined): boolean {
  if (strategy === null || strategy === undefined) return false;
  return offloading.has(strategy) || /(^|[(+])offload\(/.test(strategy.name);
}

function textOf(content: readonly Block[]): string {
  return content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
}

/** One hinted block per (block, id), so the same compaction writes the very same objects again. */
const hintedMemo = new WeakMap<ToolResultBlock, ToolResultBlock>();

function hinted(block: ToolResultBlock, id: string): ToolResultBlock {
  const known = hintedMemo.get(block);
  if (known) return known;
  const text = textOf(block.content);
  const next: ToolResultBlock = { ...block, content: [{ type: "text", text: `${text} ${recallHint(id)}` }] };
  hintedMemo.set(block, next);
  return next;
}

/**
 * Creates the `offload` part around `inner` (default: {@link observationMasking} with its defaults). Whatever
 * tool results `inner` replaces get a recall hint with their id; nothing else changes, so the part removes
 * exactly what `inner` removes, plus a sentence per result.
 */
export function offload(inner: Strategy = observationMasking(), options: OffloadOptions = {}): Strategy {
  if (typeof inner?.compact !== "function") throw new InvalidOptionError("inner", "a strategy", inner);
  const minTokens = options.minTokens ?? 64;
  if (!(Number.isFinite(minTokens) && minTokens >= 0)) {
    throw new InvalidOptionError("minTokens", "a non-negative number", options.minTokens);
  }
  const maxIndexEntries = options.maxIndexEntries ?? 0;
  if (!(Number.isInteger(maxIndexEntries) && maxIndexEntries >= 0)) {
    throw new InvalidOptionError("maxIndexEntries", "a non-negative integer", options.maxIndexEntries);
  }
  const strategy: Strategy = {
    name: `offload(${inner.name})`,
    ...(inner.weighsCache ? { weighsCache: true } : {}),
    async compact(messages: readonly Message[], context: StrategyContext): Promise<CompactionResult | null> {
      const result = await inner.compact(messages, context);
      if (result === null) return null;
      // The originals: every tool result the view holds before the cut, by call id.
      const originals = new Map<string, ToolResultBlock>();
      for (let index = 0; index < Math.min(result.keepFrom, messages.length); index++) {
        for (const block of (messages[index] as Message).content) {
          if (block.type === "tool_result") originals.set(block.callId, block);
        }
      }
      let hints = 0;
      let replacement = result.replacement.map((message) => {
        if (!message.content.some((block) => block.type === "tool_result")) return message;
        let changed = false;
        const content = message.content.map((block) => {
          if (block.type !== "tool_result") return block;
          const original = originals.get(block.callId);
          if (original === undefined || original === block) return block;
          const text = textOf(block.content);
          if (text.includes(recallHintMarker)) return block;
          if (textOf(original.content).includes(recallHintMarker)) return block;
          if (context.tokens.count([{ role: "tool", content: [original] }]) < minTokens) return block;
          changed = true;
          hints++;
          return hinted(block, offloadId(block.callId));
        });
        return changed ? { ...message, content } : message;
      });
      const indexed =
        maxIndexEntries > 0
          ? withKeptIndex(
              messages,
              result.keepFrom,
              replacement,
              originals,
              context,
              minTokens,
              maxIndexEntries,
            )
          : undefined;
      if (indexed) {
        replacement = indexed.replacement;
        hints += indexed.entries;
      }
      if (hints === 0) return { ...result };
      return {
        ...result,
        replacement,
        removed: {
          ...result.removed,
          tokens: removedTokens(context.tokens, messages, result.keepFrom, replacement),
          description: `${result.removed.description}; ${hints} recallable`,
        },
      };
    },
  };
  offloading.add(strategy);
  return strategy;
}

function shorten(text: string, limit = 60): string {
  const oneLine = text.trim().replace(/\s+/g, " ");
  return oneLine.length <= limit ? oneLine : `${oneLine.slice(0, limit - 3)}...`;
}

/** Index entries already written in summaries of the view before `keepFrom`, by id. */
function earlierEntries(messages: readonly Message[], keepFrom: number): Map<string, string> {
  const entries = new Map<string, string>();
  for (let index = 0; index < Math.min(keepFrom, messages.length); index++) {
    for (const block of (messages[index] as Message).content) {
      if ((block.type !== "summary" && block.type !== "text") || !block.text.includes(keptOutputsHeading)) continue;
      for (const line of block.text.split("\n")) {
        const id = /^- id "(r[0-9a-f]{10})"/.exec(line)?.[1];
        if (id) entries.set(id, line);
      }
    }
  }
  return entries;
}

/** `text` without its kept-outputs section (a summarizer may have copied the earlier one). */
function withoutIndex(text: string): string {
  const at = text.indexOf(`\n\n${keptOutputsHeading}\n`);
  return at < 0 ? text : text.slice(0, at);
}

/** One object per (summary block, index text): the same compaction writes the same objects again. */
const indexedMemo = new WeakMap<object, Map<string, Message>>();

/**
 * The replacement with an index of kept outputs appended to its (first) summary: the tool results the view held
 * before `keepFrom` that the replacement no longer holds (summarized away), and the entries of earlier indexes
 * that were summarized again. Undefined when the replacement has no summary or nothing to list.
 */
function withKeptIndex(
  messages: readonly Message[],
  keepFrom: number,
  replacement: readonly Message[],
  originals: ReadonlyMap<string, ToolResultBlock>,
  context: StrategyContext,
  minTokens: number,
  maxEntries: number,
): { replacement: Message[]; entries: number } | undefined {
  const summaryAt = replacement.findIndex((message) =>
    message.content.some((block) => block.type === "summary"),
  );
  if (summaryAt < 0) return undefined;
  const present = new Set<string>();
  for (const message of replacement)
    for (const block of message.content) if (block.type === "tool_result") present.add(block.callId);
  const calls = new Map<string, { name: string; input: unknown }>();
  for (let index = 0; index < Math.min(keepFrom, messages.length); index++)
    for (const block of (messages[index] as Message).content)
      if (block.type === "tool_call") calls.set(block.id, { name: block.name, input: block.input });
  const entries = earlierEntries(messages, keepFrom);
  for (const [callId, original] of originals) {
    if (present.has(callId)) continue;
    const text = textOf(original.content);
    const id = offloadId(callId);
    if (entries.has(id)) continue;
    if (text.startsWith("[compactor:") && !text.includes(recallHintMarker)) continue;
    const tokens = context.tokens.count([{ role: "tool", content: [original] }]);
    if (tokens < minTokens && !text.includes(recallHintMarker)) continue;
    const call = calls.get(callId);
    const first =
      call && typeof call.input === "object" && call.input !== null
        ? Object.values(call.input as Record<string, unknown>).find((value) => typeof value === "string")
        : undefined;
    const what = `${call?.name ?? original.name ?? "tool"}${typeof first === "string" && first.trim() !== "" ? ` \`${shorten(first)}\`` : ""}`;
    entries.set(
      id,
      `- id "${id}": ${what}${text.includes(recallHintMarker) ? "" : ` (${Math.round(tokens)} tokens)`}`,
    );
  }
  if (entries.size === 0) return undefined;
  const lines = [...entries.values()].slice(-maxEntries);
  const index = `\n\n${keptOutputsHeading}\n${keptOutputsIntro}\n${lines.join("\n")}`;
  const message = replacement[summaryAt] as Message;
  let byIndex = indexedMemo.get(message);
  if (!byIndex) {
    byIndex = new Map();
    indexedMemo.set(message, byIndex);
  }
  let next = byIndex.get(index);
  if (!next) {
    // A text block of its own beside the summary: a summarizer extending the summary reads the summary block
    // alone, so the index is never summarized into the prose (nor grows with it); it is rebuilt here each time.
    next = {
      ...message,
      content: [
        ...message.content
          .filter((block) => !(block.type === "text" && block.text.startsWith(keptOutputsHeading)))
          .map((block) => (block.type === "summary" ? { ...block, text: withoutIndex(block.text) } : block)),
        { type: "text", text: index.trimStart() },
      ],
    };
    byIndex.set(index, next);
  }
  const out = [...replacement];
  out[summaryAt] = next;
  return { replacement: out, entries: lines.length };
}
