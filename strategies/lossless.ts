/**
 * `losslessRemovals`: removes tool output the conversation shows again later, so that nothing the agent still
 * needs is lost. An older observation is replaced by a short placeholder (starting with `maskMarker`, so
 * masking leaves it alone and invariant checks treat a text agent's observation as a rewrite) when, later in
 * the same view and still verbatim:
 *
 * - **duplicate output**: an observation has exactly the same content;
 * - **re-run**: the same tool is called with the same arguments (or a text agent runs the same command): the
 *   later output is the current one;
 * - **superseded read**: the same file is read again (the whole file, or the same range), or written whole
 *   (`Write`, `create`: the new content is in the call itself);
 * - **stale read** (off by default, it is not lossless): the file is edited in place afterwards.
 *
 * The later copy must itself be verbatim in the view (not masked nor summarized), so a chain of repeats keeps
 * exactly the last one. Only results the model has already answered are touched; the head, pinned messages
 * and every message after the last assistant message are never changed.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Block, Message, ToolCallBlock, ToolResultBlock } from "../src/transcript/types.js";
import { findObservations, type Observation, type Observations, withPlaceholder } from "./internal/observations.js";
import { headEnd } from "./internal/turns.js";
import { messageTokens, removedTokens } from "./internal/view.js";
import { maskMarker } from "./observation-masking.js";
import type { CompactionResult, Strategy, StrategyContext } from "./types.js";

/** Why an observation was removed. */
export type SupersededReason = "duplicate" | "rerun" | "reread" | "rewritten" | "edited";

/** Options of {@link losslessRemovals}. */
export interface LosslessOptions {
  /** Remove an output whose exact content appears again later. @default true */
  duplicateOutputs?: boolean;
  /** Remove an output of a call that is made again later with the same arguments. @default true */
  rerunCommands?: boolean;
  /** Remove a file read when the file is read again (whole, or the same range) or written whole later. @default true */
  supersededReads?: boolean;
  /**
   * Also remove a file read when the file is edited in place later. Not lossless (the unedited parts of the
   * file are no longer shown), hence off.
   * @default false
   */
  staleReads?: boolean;
  /** Outputs smaller than this many tokens are left alone (a placeholder would save little). @default 32 */
  minTokens?: number;
  /**
   * Treat user messages that answer an assistant message as tool output (text-based agents). `"auto"` does so
   * only when the view has no tool calls or results at all.
   * @default "auto"
   */
  textObservations?: boolean | "auto";
}

const readToolPattern = /^(?:read|read_?file|readfile|view|view_?file|open_?file|cat)$/i;
const writeToolPattern = /^(?:write|write_?file|create_?file|writefile)$/i;
const editToolPattern = /^(?:edit|multi_?edit|edit_?file|str_?replace|apply_?patch|notebook_?edit)$/i;
const editorToolPattern = /str_replace(?:_based)?_edit(?:or|_tool)?/i;
/** Argument names that only describe a call for humans, ignored when comparing calls. */
const descriptiveArguments = new Set(["description", "explanation", "reason", "justification"]);
const bashBlockPattern = /```(?:bash|sh|shell)?\s*\n([\s\S]*?)```/;

/** What one observation is, for the rules above. */
interface ObservationFacts {
  /** The observation alone, as a message to count. */
  probe: Message;
  /** Its content, for exact comparison. */
  contentKey: string;
  /** Tool name and arguments (or a text agent's command), when known. */
  callKey: string | undefined;
  /** File read, with the range (`""` for the whole file). */
  read: { path: string; range: string } | undefined;
  /** File written whole or edited in place by the call this observation answers. */
  write: string | undefined;
  edit: string | undefined;
  /** Shown in the placeholder. */
  label: string;
  masked: boolean;
}

function textOf(content: readonly Block[]): string {
  return content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key, item]) => item !== undefined && !descriptiveArguments.has(key))
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function stringField(input: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = input[name];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}

const pathArguments = ["file_path", "path", "filePath", "filename", "file", "target_file", "notebook_path"];
const rangeArguments = ["offset", "limit", "view_range", "start_line", "end_line", "line", "lines", "pages"];

/** File effects of a tool call: what it reads (and which range), writes whole or edits. */
function fileEffects(call: ToolCallBlock): Pick<ObservationFacts, "read" | "write" | "edit"> {
  const input =
    typeof call.input === "object" && call.input !== null ? (call.input as Record<string, unknown>) : {};
  const path = stringField(input, pathArguments);
  if (path === undefined) return { read: undefined, write: undefined, edit: undefined };
  let kind: "read" | "write" | "edit" | undefined;
  if (editorToolPattern.test(call.name)) {
    const command = stringField(input, ["command"]);
    kind =
      command === "view"
        ? "read"
        : command === "create"
          ? "write"
          : command !== undefined
            ? "edit"
            : undefined;
  } else if (readToolPattern.test(call.name)) kind = "read";
  else if (writeToolPattern.test(call.name)) kind = "write";
  else if (editToolPattern.test(call.name)) kind = "edit";
  const range = stableJson(
    Object.fromEntries(
      rangeArguments.filter((name) => input[name] !== undefined).map((name) => [name, input[name]]),
    ),
  );
  return {
    read: kind === "read" ? { path, range: range === "{}" ? "" : range } : undefined,
    write: kind === "write" ? path : undefined,
    edit: kind === "edit" ? path : undefined,
  };
}

/** File effects per call block: a history's blocks are never changed in place, and every call re-sends them. */
const effectsMemo = new WeakMap<ToolCallBlock, Pick<ObservationFacts, "read" | "write" | "edit">>();

function fileEffectsOf(call: ToolCallBlock): Pick<ObservationFacts, "read" | "write" | "edit"> {
  let effects = effectsMemo.get(call);
  if (effects === undefined) {
    effects = fileEffects(call);
    effectsMemo.set(call, effects);
  }
  return effects;
}

function shorten(text: string, limit = 80): string {
  const oneLine = text.trim().replace(/\s+/g, " ");
  return oneLine.length <= limit ? oneLine : `${oneLine.slice(0, limit - 3)}...`;
}

function isMaskedContent(content: readonly Block[]): boolean {
  return content.length === 1 && textOf(content).startsWith(maskMarker);
}

/** Facts per message object and block index: every call re-sends the same history. */
const factsMemo = new WeakMap<Message, Map<number, ObservationFacts>>();

function factsOf(
  message: Message,
  blockIndex: number,
  call: ToolCallBlock | undefined,
  previous: Message | undefined,
): ObservationFacts {
  let byBlock = factsMemo.get(message);
  if (!byBlock) {
    byBlock = new Map();
    factsMemo.set(message, byBlock);
  }
  const known = byBlock.get(blockIndex);
  if (known) return known;
  const block = blockIndex >= 0 ? (message.content[blockIndex] as ToolResultBlock) : undefined;
  const content = block ? block.content : message.content;
  let facts: ObservationFacts;
  if (block) {
    const name = block.name ?? call?.name ?? "tool";
    const effects = call ? fileEffects(call) : { read: undefined, write: undefined, edit: undefined };
    const argument = effects.read?.path ?? (call ? firstString(call.input) : undefined);
    facts = {
      probe: { role: "tool", content: [block] },
      contentKey: JSON.stringify(content),
      callKey: call ? `${call.name}\u0000${stableJson(call.input)}` : undefined,
      ...effects,
      label: argument ? `${name} \`${shorten(argument)}\`` : name,
      masked: isMaskedContent(content),
    };
  } else {
    const command = bashBlockPattern.exec(textOf(previous?.content ?? []))?.[1]?.trim();
    facts = {
      probe: message,
      contentKey: JSON.stringify(content),
      callKey: command ? `command\u0000${command}` : undefined,
      read: undefined,
      write: undefined,
      edit: undefined,
      label: command ? `command \`${shorten(command)}\`` : "command",
      masked: isMaskedContent(content),
    };
  }
  byBlock.set(blockIndex, facts);
  return facts;
}

function firstString(input: unknown): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const value = Object.values(input as Record<string, unknown>).find((item) => typeof item === "string");
  return typeof value === "string" ? value : undefined;
}

const reasonText: Record<SupersededReason, string> = {
  duplicate: "the same output appears again later",
  rerun: "the same call is made again later; its later output is the current one",
  reread: "the same file is read again later",
  rewritten: "the file is written whole later (the new content is in that call)",
  edited: "the file is edited later; read it again if needed",
};

/** The placeholder of a superseded observation. */
export function supersededPlaceholder(label: string, tokens: number, reason: SupersededReason): string {
  return `${maskMarker} Output of ${label} removed (${tokens} tokens): ${reasonText[reason]}.`;
}

function validate(options: LosslessOptions): Required<LosslessOptions> {
  const {
    duplicateOutputs = true,
    rerunCommands = true,
    supersededReads = true,
    staleReads = false,
    minTokens = 32,
    textObservations = "auto",
  } = options;
  for (const [field, value] of Object.entries({
    duplicateOutputs,
    rerunCommands,
    supersededReads,
    staleReads,
  })) {
    if (typeof value !== "boolean") throw new InvalidOptionError(field, "a boolean", value);
  }
  if (!(typeof minTokens === "number" && Number.isFinite(minTokens) && minTokens >= 0)) {
    throw new InvalidOptionError("minTokens", "a non-negative number", minTokens);
  }
  if (textObservations !== "auto" && typeof textObservations !== "boolean") {
    throw new InvalidOptionError("textObservations", '`true`, `false` or `"auto"`', textObservations);
  }
  return { duplicateOutputs, rerunCommands, supersededReads, staleReads, minTokens, textObservations };
}

/** What the observations after the one being judged show verbatim. */
interface Later {
  contents: Set<string>;
  calls: Set<string>;
  /** Path → ranges read later (`""`: the whole file). */
  reads: Map<string, Set<string>>;
  writes: Set<string>;
  edits: Set<string>;
}

function reasonFor(
  facts: ObservationFacts,
  later: Later,
  settings: Required<LosslessOptions>,
): SupersededReason | undefined {
  if (settings.duplicateOutputs && later.contents.has(facts.contentKey)) return "duplicate";
  if (facts.read !== undefined && settings.supersededReads) {
    const ranges = later.reads.get(facts.read.path);
    if (ranges?.has("") || ranges?.has(facts.read.range)) return "reread";
    if (later.writes.has(facts.read.path)) return "rewritten";
  }
  if (settings.rerunCommands && facts.callKey !== undefined && later.calls.has(facts.callKey)) return "rerun";
  if (facts.read !== undefined && settings.staleReads && later.edits.has(facts.read.path)) return "edited";
  return undefined;
}

function remember(facts: ObservationFacts, later: Later, staysVerbatim: boolean): void {
  if (staysVerbatim) later.contents.add(facts.contentKey);
  if (facts.callKey !== undefined) later.calls.add(facts.callKey);
  if (facts.read !== undefined) {
    const ranges = later.reads.get(facts.read.path) ?? new Set<string>();
    ranges.add(facts.read.range);
    later.reads.set(facts.read.path, ranges);
  }
}

/**
 * What the observations of a view share, for the quick answer "nothing in this view is superseded": every
 * content, call and file read of its verbatim observations, every file written or edited by its calls, and whether
 * two of them already meet (a content or a call seen twice, a file read twice, or read and written or edited).
 * Kept for the last view and extended with what appended messages add (the next call's view is the same messages
 * and more).
 */
interface Overlaps {
  /** The view these are of (a copy), and its observations they hold. */
  messages: Message[];
  observations: number;
  seen: readonly Observation[];
  contents: Set<string>;
  calls: Set<string>;
  reads: Set<string>;
  changed: Set<string>;
  /** Two of the sets above meet: a rule may apply, the view is judged in full. */
  meet: boolean;
}

/**
 * Adds the observations `from` on, and the calls of the messages from `fromMessage` on, to `overlaps`. A masked
 * observation shows nothing (the pass skips it, and it counts for no earlier one).
 */
function addOverlaps(
  overlaps: Overlaps,
  messages: readonly Message[],
  fromMessage: number,
  observations: readonly Observation[],
  calls: ReadonlyMap<string, ToolCallBlock>,
): void {
  for (let index = fromMessage; index < messages.length; index++) {
    const content = (messages[index] as Message).content;
    for (let at = 0; at < content.length; at++) {
      const block = content[at] as Block;
      if (block.type !== "tool_call") continue;
      const effects = fileEffectsOf(block);
      for (const path of [effects.write, effects.edit]) {
        if (path === undefined) continue;
        if (overlaps.reads.has(path)) overlaps.meet = true;
        overlaps.changed.add(path);
      }
    }
  }
  for (let position = overlaps.observations; position < observations.length; position++) {
    const { messageIndex, blockIndex } = observations[position] as Observation;
    const original = messages[messageIndex] as Message;
    const block = blockIndex >= 0 ? original.content[blockIndex] : undefined;
    const call = block?.type === "tool_result" ? calls.get(block.callId) : undefined;
    const facts = factsOf(original, blockIndex, call, messages[messageIndex - 1]);
    if (facts.masked) continue;
    if (overlaps.contents.has(facts.contentKey)) overlaps.meet = true;
    overlaps.contents.add(facts.contentKey);
    if (facts.callKey !== undefined) {
      if (overlaps.calls.has(facts.callKey)) overlaps.meet = true;
      overlaps.calls.add(facts.callKey);
    }
    if (facts.read !== undefined) {
      if (overlaps.reads.has(facts.read.path) || overlaps.changed.has(facts.read.path)) overlaps.meet = true;
      overlaps.reads.add(facts.read.path);
    }
  }
  overlaps.observations = observations.length;
}

/**
 * True when no observation of `messages` can be superseded by any rule, whatever the options: no content or call
 * seen twice among its verbatim observations, no file read twice, none read and also written or edited by a call
 * of the view. Every rule needs such a pair (a later copy, call, read, write or edit), so the pass would remove
 * nothing. Answered from the last view's {@link Overlaps} when `messages` extends it (then only the appended
 * messages are read).
 */
function nothingOverlaps(
  memo: { last?: Overlaps },
  messages: readonly Message[],
  found: Observations,
): boolean {
  let overlaps = memo.last;
  if (overlaps !== undefined) {
    const seen = overlaps.messages;
    let same = seen.length <= messages.length && overlaps.observations <= found.observations.length;
    for (let index = 0; same && index < seen.length; index++) same = seen[index] === messages[index];
    // The earlier observations must still be observations, in the same places (`textObservations: "auto"` reads
    // user text as observations only until the first tool block).
    const before = overlaps.seen;
    const now = found.observations;
    if (same && before !== now) {
      for (let index = 0; same && index < overlaps.observations; index++) {
        const left = before[index] as Observation;
        const right = now[index] as Observation;
        same = left === right || (left.messageIndex === right.messageIndex && left.blockIndex === right.blockIndex);
      }
    }
    if (!same) overlaps = undefined;
  }
  const fromMessage = overlaps?.messages.length ?? 0;
  overlaps ??= {
    messages: [],
    observations: 0,
    seen: [],
    contents: new Set(),
    calls: new Set(),
    reads: new Set(),
    changed: new Set(),
    meet: false,
  };
  if (!overlaps.meet && (fromMessage < messages.length || overlaps.observations < found.observations.length)) {
    addOverlaps(overlaps, messages, fromMessage, found.observations, found.calls);
  }
  if (overlaps.messages.length !== messages.length) overlaps.messages = messages.slice();
  overlaps.seen = found.observations;
  memo.last = overlaps;
  return !overlaps.meet;
}

/** Creates the `lossless` strategy. */
export function losslessRemovals(options: LosslessOptions = {}): Strategy {
  const settings = validate(options);
  const overlapsMemo: { last?: Overlaps } = {};
  return {
    name: "lossless",
    compact(messages: readonly Message[], context: StrategyContext): CompactionResult | null {
      const found = findObservations(messages, settings.textObservations);
      // The usual case on a session's later calls: nothing repeats, and only the new messages are read.
      if (nothingOverlaps(overlapsMemo, messages, found)) return null;
      const { observations, calls, lastAssistant } = found;
      const head = headEnd(messages);
      const later: Later = {
        contents: new Set(),
        calls: new Set(),
        reads: new Map(),
        writes: new Set(),
        edits: new Set(),
      };
      // Writes and edits count from the call on, whether or not its result is still in the view.
      const effectsAt: Array<{ index: number; write?: string; edit?: string }> = [];
      // Plain index loops: `entries()` allocates a pair per message, on every call of a session.
      for (let index = 0; index < messages.length; index++) {
        const content = (messages[index] as Message).content;
        for (let at = 0; at < content.length; at++) {
          const block = content[at] as Block;
          if (block.type !== "tool_call") continue;
          const effects = fileEffectsOf(block);
          if (effects.write !== undefined) effectsAt.push({ index, write: effects.write });
          if (effects.edit !== undefined) effectsAt.push({ index, edit: effects.edit });
        }
      }
      let effectCursor = effectsAt.length - 1;
      const replaced = new Map<number, Message>();
      const counts: Record<SupersededReason, number> = {
        duplicate: 0,
        rerun: 0,
        reread: 0,
        rewritten: 0,
        edited: 0,
      };
      /** The rewritten message, or undefined when the output is too small for a placeholder to save anything. */
      const supersede = (
        messageIndex: number,
        blockIndex: number,
        facts: ObservationFacts,
        reason: SupersededReason,
      ): Message | undefined => {
        const tokens = messageTokens(context.tokens, facts.probe);
        if (tokens < settings.minTokens) return undefined;
        const current = replaced.get(messageIndex) ?? (messages[messageIndex] as Message);
        const next = withPlaceholder(current, blockIndex, supersededPlaceholder(facts.label, tokens, reason));
        const after =
          blockIndex >= 0 ? { role: "tool" as const, content: [next.content[blockIndex] as Block] } : next;
        return messageTokens(context.tokens, after) >= tokens ? undefined : next;
      };
      for (let position = observations.length - 1; position >= 0; position--) {
        const { messageIndex, blockIndex } = observations[position] as Observation;
        while (effectCursor >= 0 && (effectsAt[effectCursor]?.index ?? -1) > messageIndex) {
          const effect = effectsAt[effectCursor];
          if (effect?.write !== undefined) later.writes.add(effect.write);
          if (effect?.edit !== undefined) later.edits.add(effect.edit);
          effectCursor--;
        }
        const original = messages[messageIndex] as Message;
        const block = blockIndex >= 0 ? original.content[blockIndex] : undefined;
        const call = block?.type === "tool_result" ? calls.get(block.callId) : undefined;
        const facts = factsOf(original, blockIndex, call, messages[messageIndex - 1]);
        if (facts.masked) continue;
        const editable = messageIndex >= head && !original.pinned && messageIndex <= lastAssistant;
        const reason = editable ? reasonFor(facts, later, settings) : undefined;
        const next = reason === undefined ? undefined : supersede(messageIndex, blockIndex, facts, reason);
        // Its call and file count for earlier outputs either way (a later copy covers them); its content only
        // when it stays verbatim, so that a duplicate always points at a copy that is still there.
        remember(facts, later, next === undefined);
        if (next === undefined || reason === undefined) continue;
        replaced.set(messageIndex, next);
        counts[reason]++;
      }
      if (replaced.size === 0) return null;
      const keepFrom = Math.max(...replaced.keys()) + 1;
      const replacement = messages.slice(0, keepFrom).map((message, index) => replaced.get(index) ?? message);
      const tokens = removedTokens(context.tokens, messages, keepFrom, replacement);
      if (tokens <= 0) return null;
      const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
      const parts = (Object.entries(counts) as Array<[SupersededReason, number]>)
        .filter(([, count]) => count > 0)
        .map(([reason, count]) => `${count} ${reason}`);
      return {
        keepFrom,
        replacement,
        removed: {
          messages: replaced.size,
          toolResults: total,
          tokens,
          description: `${total} superseded output${total === 1 ? "" : "s"} removed (${parts.join(", ")})`,
        },
      };
    },
  };
}
