/**
 * Context recall: did what the strategy sent still hold what the model went on to use?
 *
 * At each call, the salient tokens of the recorded output (identifiers, paths, numbers of 3+ digits) that also
 * occurred in earlier tool output are the facts the model drew from its context. Tool output is a tool result,
 * or, for text agents (mini-swe-agent, SWE-agent: no tool calls at all), a user message that answers an
 * assistant message. A fact *was removed* when a tool output holding it was compacted away; it *is kept* when
 * its content is still in what the strategy sent: in tool output kept verbatim, or in the prose of a summary.
 * Its name in the agent's own tool call or in a masking placeholder does not count. Recall is measured only at
 * the calls that use something removed earlier (a session with no compaction has none).
 *
 * @module
 */
import type { Block, Message, Transcript } from "../transcript/types.js";

/** Every masking placeholder starts with this text (strategies/observation-masking.ts `maskMarker`). */
const maskMarker = "[compactor: masked]";

const salientPattern =
  /(?:[A-Za-z_.~-]*\/)+[A-Za-z0-9_.-]+|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|\d{3,}/g;

/**
 * Salient tokens of a text: paths (`src/a/b.py`), identifiers that look like code (contain `_`, a dot, a digit
 * or an inner capital, and are 4+ characters), and numbers of 3 or more digits.
 */
export function salientTokens(text: string): Set<string> {
  const found = new Set<string>();
  for (const match of text.matchAll(salientPattern)) {
    const token = match[0];
    if (/^\d{3,}$/.test(token) || token.includes("/")) found.add(token);
    else if (token.length >= 4 && /[_.\d]|[a-z][A-Z]/.test(token)) found.add(token);
  }
  return found;
}

/** The string and number values of a tool call's input, one a line (keys left out). */
function leafText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.map(leafText).join("\n");
  if (typeof value === "object" && value !== null) return Object.values(value).map(leafText).join("\n");
  return "";
}

function blockText(block: Block): string {
  switch (block.type) {
    case "text":
    case "thinking":
    case "summary":
      return block.text;
    case "tool_call":
      // What the call says (paths, commands, code), not the tool's name or its parameter names.
      return block.input !== undefined && block.input !== null
        ? leafText(block.input)
        : (block.rawArguments ?? "");
    case "tool_result":
      return block.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
    default:
      return "";
  }
}

/** All text of a message, as the recall measure reads it. */
export function messageText(message: Message): string {
  return message.content.map(blockText).join("\n");
}

/** Tool-output text of a message: its tool results, less masking placeholders. */
export function toolOutputText(message: Message): string {
  return message.content
    .filter((block) => block.type === "tool_result")
    .map(blockText)
    .filter((text) => !text.startsWith(maskMarker))
    .join("\n");
}

/** True when the text is a masking placeholder (it says what was removed, not what it said). */
export function isPlaceholderText(text: string): boolean {
  return text.startsWith(maskMarker);
}

const observationMemo = new WeakMap<Transcript, WeakSet<Message>>();

/**
 * The text observations of a transcript: when it holds no tool call or tool result at all (a text agent), every
 * user message after the first assistant message is the output of the command the assistant wrote. Empty for
 * agents with native tool calls. Memoised per transcript object.
 */
export function textObservations(transcript: Transcript): WeakSet<Message> {
  let found = observationMemo.get(transcript);
  if (found) return found;
  found = new WeakSet();
  const native = transcript.messages.some((message) =>
    message.content.some((block) => block.type === "tool_call" || block.type === "tool_result"),
  );
  if (!native) {
    let answered = false;
    for (const message of transcript.messages) {
      if (message.role === "assistant") answered = true;
      else if (message.role === "user" && answered) found.add(message);
    }
  }
  observationMemo.set(transcript, found);
  return found;
}

const salientMemo = new WeakMap<Message, Set<string>>();

/** Salient tokens of a whole message, memoised per message object. */
export function messageSalient(message: Message): Set<string> {
  let tokens = salientMemo.get(message);
  if (!tokens) {
    tokens = salientTokens(messageText(message));
    salientMemo.set(message, tokens);
  }
  return tokens;
}

const toolSalientMemo = new WeakMap<Message, Set<string>>();
const observationSalientMemo = new WeakMap<Message, Set<string>>();
const empty: ReadonlySet<string> = new Set();

/**
 * Salient tokens of a message's tool output, memoised per message object: its tool results (placeholders
 * left out), or all its text when `observations` (from {@link textObservations}) says it is a text observation
 * (unless it is a masking placeholder). Empty when it holds neither.
 */
export function toolOutputSalient(message: Message, observations?: WeakSet<Message>): ReadonlySet<string> {
  if (observations?.has(message)) {
    let tokens = observationSalientMemo.get(message);
    if (!tokens) {
      const text = messageText(message);
      tokens = isPlaceholderText(text) ? new Set() : salientTokens(text);
      observationSalientMemo.set(message, tokens);
    }
    return tokens;
  }
  let tokens = toolSalientMemo.get(message);
  if (!tokens) {
    tokens = message.content.some((block) => block.type === "tool_result")
      ? salientTokens(toolOutputText(message))
      : new Set();
    toolSalientMemo.set(message, tokens);
  }
  return tokens.size > 0 ? tokens : empty;
}

/**
 * What a strategy's replacement messages still hold of the content a fact can come from: tool output kept
 * verbatim (tool results, text observations; placeholders left out) and the prose of summaries. Names in the
 * agent's own messages (its tool calls, its text) do not count.
 */
export function replacementContent(
  replacement: readonly Message[],
  observations: WeakSet<Message>,
): Set<string> {
  const tokens = new Set<string>();
  for (const message of replacement) {
    for (const token of toolOutputSalient(message, observations)) tokens.add(token);
    for (const block of message.content)
      if (block.type === "summary") for (const token of salientTokens(block.text)) tokens.add(token);
  }
  return tokens;
}

/** A strategy's checkpoint as the recall measure reads it. */
export interface CheckpointView {
  id: string;
  /** History messages the replacement stands for (`history[0, covered)`). */
  covered: number;
  replacement: readonly Message[];
}

/** What a call's facts met in the view it sent. */
export interface RecallMeasure {
  /** Facts the call used that a compaction removed earlier (0: the call does not count for recall). */
  removed: number;
  /** Of those, the ones whose content the view still held. */
  kept: number;
  /** Facts gone from the view, each with the history index of the latest tool output that held it. */
  lost: Array<{ token: string; source: number }>;
}

/** The probe of one call (transcript-steps.ts): the facts its response used, and where tool output held them. */
export interface FactProbe {
  tokens: readonly string[];
  /** For each token, the history indices of the tool outputs holding it, ascending (the first `counts[i]`). */
  places: readonly (readonly number[])[];
  counts: readonly number[];
}

/**
 * Measures recall at each call of one replay. Keeps, per checkpoint, the content its replacement holds and
 * which of its messages are kept verbatim.
 */
export class RecallMeter {
  private memo: { id: string; content: Set<string>; verbatim: Set<Message> } | undefined;

  constructor(private readonly observations: WeakSet<Message>) {}

  /** The facts of `probe` against the view `checkpoint.replacement + history[covered..]`. */
  measure(
    probe: FactProbe,
    history: readonly Message[],
    checkpoint: CheckpointView | undefined,
  ): RecallMeasure {
    const result: RecallMeasure = { removed: 0, kept: 0, lost: [] };
    if (!checkpoint) return result;
    if (this.memo?.id !== checkpoint.id) {
      this.memo = {
        id: checkpoint.id,
        content: replacementContent(checkpoint.replacement, this.observations),
        verbatim: new Set(checkpoint.replacement),
      };
    }
    const { content, verbatim } = this.memo;
    const covered = checkpoint.covered;
    probe.tokens.forEach((token, index) => {
      const places = probe.places[index] ?? [];
      const count = probe.counts[index] ?? 0;
      let removed = false;
      for (let at = 0; at < count; at++) {
        const place = places[at] as number;
        if (place >= covered) break;
        if (!verbatim.has(history[place] as Message)) {
          removed = true;
          break;
        }
      }
      if (!removed) return;
      result.removed++;
      const last = count > 0 ? (places[count - 1] as number) : -1;
      if (last >= covered || content.has(token)) result.kept++;
      else result.lost.push({ token, source: last });
    });
    return result;
  }
}
