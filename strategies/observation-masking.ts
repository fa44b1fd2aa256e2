/**
 * `observationMasking`: replaces old tool results with a short placeholder that says what was removed and
 * that the call can be re-run, keeping the latest results verbatim. Tool outputs are most of an agent's
 * context (about 84% of a turn in SWE-agent sessions), and the model rarely needs an old one again.
 *
 * Text-based agents (mini-swe-agent, SWE-agent) have no tool calls: their command lives in the assistant's
 * text and its output comes back as a user message. With `textObservations` such user messages are masked
 * the same way.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Block, Message, ToolCallBlock } from "../src/transcript/types.js";
import { findObservations, withPlaceholder } from "./internal/observations.js";
import { headEnd } from "./internal/turns.js";
import { messageTokens, removedTokens } from "./internal/view.js";
import type { CompactionResult, Strategy, StrategyContext } from "./types.js";

/** Every placeholder starts with this marker; a result that does is already masked and left as it is. */
export const maskMarker = "[compactor: masked]";

/** What the placeholder of a masked result can say about it. */
export interface MaskedResultInfo {
  /** Tool name, or `"command"` for a text observation. */
  toolName: string;
  /** The command or first argument of the call, shortened, when known. */
  command?: string;
  /** Estimated tokens of the original result. */
  tokens: number;
  /** Lines of the original result. */
  lines: number;
}

/** Options of {@link observationMasking}. */
export interface ObservationMaskingOptions {
  /**
   * Latest tool results kept verbatim.
   * @default 10
   */
  keepLast?: number;
  /**
   * Results smaller than this many tokens are never masked (they cost little and may matter).
   * @default 64
   */
  minTokens?: number;
  /**
   * Writes the placeholder text; {@link maskMarker} is put in front of it when it does not start with it.
   * @default a sentence naming the tool, the command, the size in tokens and lines, and that it can be re-run
   */
  placeholder?: (info: MaskedResultInfo) => string;
  /**
   * Treat user messages that answer an assistant message as tool output (text-based agents). `"auto"` does so
   * only when the view has no tool calls or results at all.
   * @default "auto"
   */
  textObservations?: boolean | "auto";
}

/**
 * True for a message this strategy rewrote as a whole (a text agent's observation replaced by its
 * placeholder). Such a message keeps no tool ids, so an invariant check must be told it is a rewrite, as it
 * is for summaries (`checkInvariants(..., { isSummary })`).
 */
export function isMaskedObservation(message: Message): boolean {
  return message.role === "user" && isMaskedText(message.content);
}

/** The default placeholder text. */
export function defaultPlaceholder(info: MaskedResultInfo): string {
  const what = info.command ? `${info.toolName} \`${info.command}\`` : info.toolName;
  return `${maskMarker} Output of ${what} removed to save context (${info.tokens} tokens, ${info.lines} lines). Re-run the call if it is needed again.`;
}

const bashBlockPattern = /```(?:bash|sh|shell)?\s*\n([\s\S]*?)```/;

function shorten(text: string, limit = 80): string {
  const oneLine = text.trim().replace(/\s+/g, " ");
  return oneLine.length <= limit ? oneLine : `${oneLine.slice(0, limit - 3)}...`;
}

function commandOfCall(call: ToolCallBlock | undefined): string | undefined {
  if (call === undefined || typeof call.input !== "object" || call.input === null) return undefined;
  const first = Object.values(call.input as Record<string, unknown>).find(
    (value) => typeof value === "string",
  );
  return typeof first === "string" ? shorten(first) : undefined;
}

/** Placeholder commands per call block (tool results) or preceding message (text observations). */
const commandMemo = new WeakMap<object, { command: string | undefined }>();

/**
 * The command an observation answers, shortened for its placeholder, or undefined when there is none.
 * Memoised per `source` (the call block, or the message before a text observation), which is immutable;
 * without a source the command is looked up every time.
 */
function placeholderCommand(source: object | undefined, find: () => string | undefined): string | undefined {
  const known = source === undefined ? undefined : commandMemo.get(source);
  if (known !== undefined) return known.command;
  const raw = find();
  const command = raw !== undefined && raw.trim() !== "" ? shorten(raw) : undefined;
  if (source !== undefined) commandMemo.set(source, { command });
  return command;
}

function textOf(content: readonly Block[]): string {
  return content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
}

/** True for content that is one text block starting with the marker (what `textOf` of it starts with). */
function isMaskedText(content: readonly Block[]): boolean {
  const only = content.length === 1 ? content[0] : undefined;
  return only?.type === "text" && only.text.startsWith(maskMarker);
}

function validate(
  options: ObservationMaskingOptions,
): Required<Omit<ObservationMaskingOptions, "placeholder">> {
  const { keepLast = 10, minTokens = 64, textObservations = "auto" } = options;
  if (!Number.isInteger(keepLast) || keepLast < 0) {
    throw new InvalidOptionError("keepLast", "a non-negative integer", keepLast);
  }
  if (!(Number.isFinite(minTokens) && minTokens >= 0)) {
    throw new InvalidOptionError("minTokens", "a non-negative number", minTokens);
  }
  if (textObservations !== "auto" && typeof textObservations !== "boolean") {
    throw new InvalidOptionError("textObservations", '`true`, `false` or `"auto"`', textObservations);
  }
  if (options.placeholder !== undefined && typeof options.placeholder !== "function") {
    throw new InvalidOptionError("placeholder", "a function", options.placeholder);
  }
  return { keepLast, minTokens, textObservations };
}

/**
 * What masking one observation needs to know about it, kept per message object and block index so that a
 * view sent again (every call re-sends the history) does not re-count or re-scan unchanged observations.
 */
interface ObservationFacts {
  /** The observation alone, as a message to count; the same object every time, so counts hit the memo. */
  probe: Message;
  lines: number;
}

const factsMemo = new WeakMap<Message, Map<number, ObservationFacts>>();

function factsOf(message: Message, blockIndex: number): ObservationFacts {
  let byBlock = factsMemo.get(message);
  if (!byBlock) {
    byBlock = new Map();
    factsMemo.set(message, byBlock);
  }
  let facts = byBlock.get(blockIndex);
  if (!facts) {
    const block = blockIndex >= 0 ? message.content[blockIndex] : undefined;
    const content = block?.type === "tool_result" ? block.content : message.content;
    facts = {
      probe: block ? { role: "tool", content: [block] } : message,
      lines: textOf(content).split("\n").length,
    };
    byBlock.set(blockIndex, facts);
  }
  return facts;
}

/** Creates the `observation-masking` strategy. */
export function observationMasking(options: ObservationMaskingOptions = {}): Strategy {
  const { keepLast, minTokens, textObservations } = validate(options);
  const write = (info: MaskedResultInfo) => {
    const text = (options.placeholder ?? defaultPlaceholder)(info);
    return text.startsWith(maskMarker) ? text : `${maskMarker} ${text}`;
  };

  // The default placeholder is a function of the observation, its tokens and its call (or the message before a
  // text observation): its masked message is kept per observation with those, so that a call re-masking the same
  // old observations writes no placeholder text again (`withPlaceholder` would return the same object anyway).
  // A custom placeholder is called every time, as documented.
  const defaultWrites =
    options.placeholder === undefined
      ? new WeakMap<ObservationFacts, { tokens: number; source: object | undefined; replaced: Message }>()
      : undefined;

  return {
    name: "observation-masking",
    compact(messages: readonly Message[], context: StrategyContext): CompactionResult | null {
      const { observations, calls, lastAssistant } = findObservations(messages, textObservations);
      const head = headEnd(messages);
      // The candidates are the observations but the last `keepLast` (read in place, not copied).
      const candidates = Math.max(0, observations.length - keepLast);
      const masked = new Map<number, Message>();
      let maskedCount = 0;
      for (let candidate = 0; candidate < candidates; candidate++) {
        const { messageIndex, blockIndex } = observations[candidate] as (typeof observations)[number];
        const original = messages[messageIndex];
        // Never the head, a pinned message, or a result the model has not answered yet.
        if (!original || messageIndex < head || original.pinned || messageIndex > lastAssistant) continue;
        const current = masked.get(messageIndex) ?? original;
        const block = blockIndex >= 0 ? current.content[blockIndex] : undefined;
        const content = block?.type === "tool_result" ? block.content : current.content;
        if (isMaskedText(content)) continue;
        const facts = factsOf(current, blockIndex);
        const tokens = messageTokens(context.tokens, facts.probe);
        if (tokens < minTokens) continue;
        const previous = messages[messageIndex - 1];
        // What the placeholder is written from besides `current` and `tokens`: the call (its name and command) or,
        // for a text observation, the message before it (its command).
        const source = block?.type === "tool_result" ? calls.get(block.callId) : previous;
        const known = defaultWrites?.get(facts);
        let replaced: Message;
        if (known !== undefined && known.tokens === tokens && known.source === source)
          replaced = known.replaced;
        else {
          const info: MaskedResultInfo =
            block?.type === "tool_result"
              ? {
                  toolName: block.name ?? calls.get(block.callId)?.name ?? "tool",
                  tokens,
                  lines: facts.lines,
                }
              : {
                  toolName: "command",
                  tokens,
                  lines: facts.lines,
                };
          const command =
            block?.type === "tool_result"
              ? placeholderCommand(source, () => commandOfCall(source as ToolCallBlock | undefined))
              : placeholderCommand(
                  previous,
                  () => bashBlockPattern.exec(textOf(previous?.content ?? []))?.[1],
                );
          if (command !== undefined) info.command = command;
          replaced = withPlaceholder(current, blockIndex, write(info));
          defaultWrites?.set(facts, { tokens, source, replaced });
        }
        const probeAfter = block ? factsOf(replaced, blockIndex).probe : replaced;
        if (messageTokens(context.tokens, probeAfter) >= tokens) continue;
        masked.set(messageIndex, replaced);
        maskedCount++;
      }
      if (maskedCount === 0) return null;

      const keepFrom = Math.max(...masked.keys()) + 1;
      const replacement = messages.slice(0, keepFrom).map((message, index) => masked.get(index) ?? message);
      const tokens = removedTokens(context.tokens, messages, keepFrom, replacement);
      if (tokens <= 0) return null;
      return {
        keepFrom,
        replacement,
        removed: {
          messages: masked.size,
          toolResults: maskedCount,
          tokens,
          description: `${maskedCount} tool result${maskedCount === 1 ? "" : "s"} masked (kept the last ${keepLast})`,
        },
      };
    },
  };
}
