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

/** Ids of every recall hint in `text`, in order. */
export function recallIdsIn(text: string): string[] {
  const ids: string[] = [];
  let at = text.indexOf(recallHintMarker);
  while (at >= 0) {
    const id = text.slice(at + recallHintMarker.length, at + recallHintMarker.length + 11);
    if (offloadIdPattern.test(id)) ids.push(id);
    at = text.indexOf(recallHintMarker, at + recallHintMarker.length);
  }
  return ids;
}

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
      const replacement = result.replacement.map((message) => {
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
