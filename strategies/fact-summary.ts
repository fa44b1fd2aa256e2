/**
 * `factSummary`: a summary that keeps facts. It runs {@link summarize} (model prose, or the extractive fallback)
 * and puts a structured block beside the prose that keeps, verbatim, what an agent most often needs again from
 * the span it replaced:
 *
 * - **Open items**: the latest todo / task list (a `TodoWrite`-style call) and unchecked `- [ ]` lines;
 * - **Errors**: error lines of tool output (tracebacks, failures, `error:` lines), the latest first;
 * - **Paths**: file paths the agent touched (tool-call arguments) or saw;
 * - **Identifiers**: code-like names (`parse_config`, `self.cache`, `QueueRetry`) that occurred in the removed
 *   tool output and that the agent itself wrote somewhere in the view (in its text or its calls), so the block
 *   keeps the names the agent works with, not every name a file listing holds;
 * - **Decisions**: the agent's latest short statements of intent from the span.
 *
 * The block is bounded (`maxFactCharacters`) and filled in that order of priority. When the summary extends an
 * earlier one, the earlier block is taken out of the text the summarizer sees and merged into the new block
 * (newer facts first), so the block never grows past its bound however many times the session compacts.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Block, Message, SummaryBlock, ToolCallBlock } from "../src/transcript/types.js";
import { clip } from "./internal/render.js";
import { headEnd } from "./internal/turns.js";
import { messageTokens, removedTokens } from "./internal/view.js";
import { type SummarizeOptions, summarize, summaryTextAt } from "./summarize.js";
import type { CompactionResult, Strategy, StrategyContext, TokenView } from "./types.js";

/** Options of {@link factSummary}: those of {@link summarize}, plus the bound of the facts block. */
export interface FactSummaryOptions extends SummarizeOptions {
  /**
   * Longest facts block, in characters (about 4 characters a token).
   * @default 3000
   */
  maxFactCharacters?: number;
}

/** First line of the facts block; everything from it on is the block. */
export const factsHeading = "## Facts kept verbatim";

const filePathPattern = /(?:~|\.{1,2})?(?:\/[\w.@+-]+)+\.\w+|\b[\w.@+-]+(?:\/[\w.@+-]+)+\.\w{1,8}\b/g;
const identifierPattern = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/g;
const errorLinePattern =
  /\b(?:error|exception|traceback|failed|failure|fatal|panic|assert(?:ion)?error)\b|^E\s{2,}/i;
const openItemPattern = /^\s*[-*]\s*\[ \]\s+\S/;
/** A line that declares something (a function, class, type, constant) in common languages. */
const definitionPattern =
  /^\s*(?:\d+[\t→:|]\s*)?(?:export\s+)?(?:async\s+)?(?:def|class|function|interface|type|enum|struct|impl|trait|fn|pub\s+(?:fn|struct|enum)|func|const\s+[A-Za-z_$][\w$]*\s*=|module|package)\b.*$/;
const decisionPattern =
  /\b(?:I will|I'll|let me|decided|decision|instead|the (?:root )?cause|the fix|plan(?:ning)? to|next,? I)\b/i;

/** Code-like: 4+ characters with `_`, a dot, a digit or an inner capital (what recall and agents key on). */
function isCodeLike(token: string): boolean {
  return token.length >= 4 && /[_.\d]|[a-z][A-Z]/.test(token) && !/^\d+(?:\.\d+)*$/.test(token);
}

function textsOf(blocks: readonly Block[]): string[] {
  const texts: string[] = [];
  for (const block of blocks) {
    if (block.type === "text" || block.type === "summary") texts.push(block.text);
    if (block.type === "tool_result") texts.push(...textsOf(block.content));
  }
  return texts;
}

/** What one message offers the facts block (memoised per message object). */
interface MessageFacts {
  /** Code-like names in the tool output, and in what the agent wrote (its text and its calls' arguments). */
  outputNames: string[];
  agentNames: string[];
  paths: string[];
  errors: string[];
  openItems: string[];
  todo: string | undefined;
  decisions: string[];
  /** Definition lines of the files this message shows (a tool result of a file read), by path. */
  outlines: Array<{ path: string; lines: string[] }>;
}

const memo = new WeakMap<Message, MessageFacts>();

const readToolPattern = /^(?:read|read_?file|view|view_?file|open_?file)$/i;

const shellReadPattern = /\b(?:cat|nl|head|tail|sed\s+-n)\b[^|;&\n]*?\s([\w./~-]+\.\w{1,8})\b/;

/** The file a shell command shows (`cat`, `nl`, `head`, `tail`, `sed -n`), if any. */
function shellReadPath(command: string): string | undefined {
  return shellReadPattern.exec(command)?.[1];
}

/** The file a tool call reads, if any (memoised per block: a history's blocks are never changed in place). */
const readPathMemo = new WeakMap<ToolCallBlock, string | null>();
function readPathOf(block: ToolCallBlock): string | undefined {
  const known = readPathMemo.get(block);
  if (known !== undefined) return known ?? undefined;
  let found: string | undefined;
  if (typeof block.input === "object" && block.input !== null) {
    const input = block.input as Record<string, unknown>;
    const path = input.file_path ?? input.path;
    const isRead = readToolPattern.test(block.name) || (/edit/i.test(block.name) && input.command === "view");
    if (isRead && typeof path === "string") found = path;
    else {
      const command = input.command ?? input.cmd;
      const text = Array.isArray(command) ? command.join(" ") : command;
      found = typeof text === "string" ? shellReadPath(text) : undefined;
    }
  }
  readPathMemo.set(block, found ?? null);
  return found;
}

/**
 * The last view whose read paths were gathered, and its map. A call reads the paths again when it meets a new tool
 * result, and its view is the last one with messages appended: only those are read.
 */
let lastReadPaths: { messages: Message[]; paths: Map<string, string> } | undefined;

/** Paths of the file reads of a view, by call id (the caller only reads the map). */
function readPathsOf(messages: readonly Message[]): Map<string, string> {
  let from = 0;
  let paths: Map<string, string> | undefined;
  const last = lastReadPaths;
  if (last !== undefined && last.messages.length <= messages.length) {
    const seen = last.messages;
    let same = 0;
    while (same < seen.length && seen[same] === messages[same]) same++;
    if (same === seen.length) {
      from = same;
      paths = last.paths;
    }
  }
  paths ??= new Map<string, string>();
  for (let index = from; index < messages.length; index++) {
    for (const block of (messages[index] as Message).content) {
      if (block.type !== "tool_call") continue;
      const path = readPathOf(block);
      if (path !== undefined) paths.set(block.id, path);
    }
  }
  if (from < messages.length || lastReadPaths === undefined)
    lastReadPaths = { messages: messages.slice(), paths };
  return paths;
}

/** Call ids are unique within a session, so a message's facts do not depend on which view it is read from. */
function factsOfMessage(
  message: Message,
  previous: Message | undefined,
  readPaths: ReadonlyMap<string, string> = new Map(),
): MessageFacts {
  const known = memo.get(message);
  if (known) return known;
  const calls = message.content.filter((block): block is ToolCallBlock => block.type === "tool_call");
  const isOutput =
    message.role === "tool" ||
    message.content.some((block) => block.type === "tool_result") ||
    (message.role === "user" && previous?.role === "assistant");
  const texts = textsOf(message.content).join("\n");
  const callText = calls.map((call) => `${call.name} ${JSON.stringify(call.input ?? null)}`).join("\n");
  const facts: MessageFacts = {
    outputNames: isOutput ? codeNames(texts) : [],
    agentNames: message.role === "assistant" ? codeNames(`${texts}\n${callText}`) : [],
    paths: [],
    errors: [],
    openItems: [],
    todo: undefined,
    decisions: [],
    outlines: [],
  };
  const shown: Array<{ path: string; blocks: readonly Block[] }> = [];
  for (const block of message.content) {
    const path = block.type === "tool_result" ? readPaths.get(block.callId) : undefined;
    if (block.type === "tool_result" && path !== undefined) shown.push({ path, blocks: block.content });
  }
  if (isOutput && message.role === "user" && calls.length === 0 && shown.length === 0 && previous) {
    // A text agent's observation: the command is in the assistant's text before it.
    const path = shellReadPath(textsOf(previous.content).join("\n"));
    if (path !== undefined && !message.content.some((block) => block.type === "tool_result"))
      shown.push({ path, blocks: message.content });
  }
  for (const { path, blocks } of shown) {
    const lines = textsOf(blocks)
      .join("\n")
      .split("\n")
      .filter((line) => definitionPattern.test(line))
      .map((line) => clip(line.trim(), 140));
    if (lines.length > 0) facts.outlines.push({ path, lines: lines.slice(0, 40) });
  }
  for (const match of `${callText}\n${texts}`.matchAll(filePathPattern)) facts.paths.push(match[0]);
  for (const call of calls) {
    if (/todo|task(?:create|update)|plan/i.test(call.name))
      facts.todo = clip(JSON.stringify(call.input), 600);
  }
  for (const line of texts.split("\n")) {
    if (isOutput && errorLinePattern.test(line)) facts.errors.push(clip(line.trim(), 200));
    if (openItemPattern.test(line)) facts.openItems.push(clip(line.trim(), 200));
    if (message.role === "assistant" && decisionPattern.test(line))
      facts.decisions.push(clip(line.trim(), 240));
  }
  memo.set(message, facts);
  return facts;
}

/** The distinct code-like names of a text, in order. */
function codeNames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(identifierPattern)) if (isCodeLike(match[0])) names.add(match[0]);
  return [...names];
}

/**
 * The last `count` distinct values of the sequence `valuesOf(items[from]), …, valuesOf(items[to − 1])` (each
 * value ranked by its LAST occurrence), latest first. Scans backwards and stops once `count` are found, so a
 * long span costs only what its end needs; the result is what appending every value in order to an
 * insertion-ordered set (moving a repeat to the end) and taking its last `count`, reversed, gives.
 */
function latestDistinct<T>(
  items: readonly T[],
  from: number,
  to: number,
  valuesOf: (item: T) => readonly string[],
  count: number,
  accept: (value: string) => boolean = () => true,
): string[] {
  const seen = new Set<string>();
  const latest: string[] = [];
  for (let index = to - 1; index >= from && latest.length < count; index--) {
    const values = valuesOf(items[index] as T);
    for (let at = values.length - 1; at >= 0 && latest.length < count; at--) {
      const value = values[at] as string;
      if (seen.has(value) || !accept(value)) continue;
      seen.add(value);
      latest.push(value);
    }
  }
  return latest;
}

/**
 * The code-like names of the tool output of a span, per span start: the span of a dry run grows from call to call
 * (the same first messages, more after them), so only the messages past the ones already read are added.
 */
const outputNamesMemo = new WeakMap<Message, SpanMemo>();

/** A span start's memo: the messages read so far, their output names, the span-only sections of exactly them. */
interface SpanMemo {
  covered: Message[];
  names: Set<string>;
  /** The sections that depend on the span alone, for the span `covered`. */
  sections?: Map<string, string[]>;
  /** The last view read for identifiers with the span `covered`, and the identifiers found in it. */
  view?: { messages: Message[]; identifiers: string[] };
  /** The last block written for the span `covered`, with what it was written from. */
  rendered?: { identifiers: string[]; older: Map<string, string[]>; maxCharacters: number; block: string };
}

function spanMemoOf(span: readonly Message[], factsAt: (offset: number) => MessageFacts): SpanMemo {
  const first = span[0];
  if (first === undefined) return { covered: [], names: new Set() };
  let known = outputNamesMemo.get(first);
  if (known !== undefined) {
    const { covered } = known;
    let same = covered.length <= span.length;
    for (let index = 0; same && index < covered.length; index++) same = covered[index] === span[index];
    if (!same) known = undefined;
  }
  if (known === undefined) {
    known = { covered: [], names: new Set() };
    outputNamesMemo.set(first, known);
  }
  if (known.covered.length < span.length) {
    delete known.sections;
    delete known.view;
    delete known.rendered;
  }
  for (let offset = known.covered.length; offset < span.length; offset++) {
    for (const name of factsAt(offset).outputNames) known.names.add(name);
    known.covered.push(span[offset] as Message);
  }
  return known;
}

/** Most identifiers the block lists. */
const maxIdentifiers = 150;

/**
 * The facts block for `span` (judged against the whole view `messages`), merged with the earlier block's
 * sections `older`. The span's own sections are memoised per span, and the identifiers (which depend on the whole
 * view) are found from the messages added since the previous view when that view is a prefix of this one.
 */
function factsBlockOf(
  span: readonly Message[],
  spanStart: number,
  messages: readonly Message[],
  older: Map<string, string[]>,
  maxCharacters: number,
): string {
  // The view's read paths are needed only for messages whose facts are not memoised yet.
  let readPaths: Map<string, string> | undefined;
  const factsAt = (index: number): MessageFacts => {
    const message = messages[index] as Message;
    const known = memo.get(message);
    if (known) return known;
    // Read paths are looked up for tool results only.
    if (message.content.some((block) => block.type === "tool_result")) readPaths ??= readPathsOf(messages);
    return factsOfMessage(message, messages[index - 1], readPaths);
  };
  // The span's facts are read only where the memo needs them: the messages past the ones it covers (usually a
  // few), and all of them when its sections are written again.
  const spanMemo = spanMemoOf(span, (offset) => factsAt(spanStart + offset));
  spanMemo.sections ??= spanSections(span.map((_, offset) => factsAt(spanStart + offset)));
  const identifiers = identifiersOf(messages, spanMemo, factsAt);
  const last = spanMemo.rendered;
  if (
    last !== undefined &&
    last.maxCharacters === maxCharacters &&
    (last.older === older || (last.older.size === 0 && older.size === 0)) &&
    sameList(last.identifiers, identifiers)
  )
    return last.block;
  const sections = new Map(spanMemo.sections);
  sections.set("Identifiers", identifiers);
  const block = renderFacts(sections, older, maxCharacters);
  spanMemo.rendered = { identifiers, older, maxCharacters, block };
  return block;
}

function sameList(left: readonly string[], right: readonly string[]): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}

/**
 * Names from the span's tool output that the agent itself wrote somewhere in the view, latest first. When the
 * previous view read with this span is a prefix of `messages` (the same message objects), its messages' facts are
 * memoised already and only the new messages are read: their names come first, then the previous answer's.
 */
function identifiersOf(
  messages: readonly Message[],
  spanMemo: SpanMemo,
  factsAt: (index: number) => MessageFacts,
): string[] {
  const names = spanMemo.names;
  if (names.size === 0) return [];
  const accept = (name: string): boolean => names.has(name);
  const agentNames = (facts: MessageFacts): readonly string[] => facts.agentNames;
  const previous = spanMemo.view;
  let prefix = 0;
  if (previous !== undefined) {
    const limit = Math.min(previous.messages.length, messages.length);
    while (prefix < limit && previous.messages[prefix] === messages[prefix]) prefix++;
  }
  let identifiers: string[];
  if (previous !== undefined && prefix === previous.messages.length) {
    // The new messages' names first, then the previous answer's: that answer holds the first names of the earlier
    // view's backward scan, and enough of them, since each one a new message repeats leaves room for one less.
    const tail: MessageFacts[] = [];
    for (let index = prefix; index < messages.length; index++) tail.push(factsAt(index));
    identifiers = latestDistinct(tail, 0, tail.length, agentNames, maxIdentifiers, accept);
    const seen = new Set(identifiers);
    for (const name of previous.identifiers) {
      if (identifiers.length >= maxIdentifiers) break;
      if (!seen.has(name)) identifiers.push(name);
    }
  } else {
    // The span changed (its names with it) or the view did: the names of the whole view, ranked by where the
    // agent last wrote them (what a backward scan of the view meets first), from the view's index of them.
    const positions = agentNamePositions(messages, factsAt);
    const found: Array<{ name: string; at: number }> = [];
    if (names.size <= positions.size) {
      for (const name of names) {
        const at = positions.get(name);
        if (at !== undefined) found.push({ name, at });
      }
    } else for (const [name, at] of positions) if (names.has(name)) found.push({ name, at });
    found.sort((left, right) => right.at - left.at);
    identifiers = found.slice(0, maxIdentifiers).map((entry) => entry.name);
  }
  spanMemo.view = { messages: [...messages], identifiers };
  return identifiers;
}

/**
 * The last view indexed: each name the agent wrote in it, with the rank of its last occurrence (messages in order,
 * each message's names in order). The next call's view is this one with messages appended, so the index is
 * extended with the appended messages' names only.
 */
let lastNameIndex: { messages: Message[]; positions: Map<string, number>; next: number } | undefined;

function agentNamePositions(
  messages: readonly Message[],
  factsAt: (index: number) => MessageFacts,
): Map<string, number> {
  let index = lastNameIndex;
  let from = 0;
  if (index !== undefined && index.messages.length <= messages.length) {
    const seen = index.messages;
    let same = 0;
    while (same < seen.length && seen[same] === messages[same]) same++;
    if (same === seen.length) from = same;
    else index = undefined;
  } else index = undefined;
  if (index === undefined) index = { messages: [], positions: new Map(), next: 0 };
  // Every message's facts are read, as a scan of the whole view would (they are memoised per message).
  for (let at = from; at < messages.length; at++)
    for (const name of factsAt(at).agentNames) index.positions.set(name, index.next++);
  if (from < messages.length) index.messages = messages.slice();
  lastNameIndex = index;
  return index.positions;
}

/** The sections that depend on the span alone (the identifiers are set by the caller), in the block's order. */
function spanSections(spanFacts: readonly MessageFacts[]): Map<string, string[]> {
  const end = spanFacts.length;
  let todo: string | undefined;
  for (let index = end - 1; index >= 0 && todo === undefined; index--) todo = spanFacts[index]?.todo;
  const latest = (valuesOf: (facts: MessageFacts) => readonly string[], count: number): string[] =>
    latestDistinct(spanFacts, 0, end, valuesOf, count);
  const sections = new Map<string, string[]>();
  sections.set("Open items", [...(todo ? [todo] : []), ...latest((facts) => facts.openItems, 10).reverse()]);
  sections.set(
    "Errors",
    latest((facts) => facts.errors, 12),
  );
  sections.set(
    "Paths",
    latest((facts) => facts.paths, 60),
  );
  sections.set("Identifiers", []);
  sections.set(
    "Outlines",
    latest((facts) => facts.outlines.map((outline) => `${outline.path}: ${outline.lines.join(" | ")}`), 20),
  );
  sections.set(
    "Decisions",
    latest((facts) => facts.decisions, 8),
  );
  return sections;
}

/** Splits a summary text into its prose and the lines of each section of its facts block. */
export function splitFacts(text: string): { prose: string; sections: Map<string, string[]> } {
  const at = text.indexOf(factsHeading);
  const sections = new Map<string, string[]>();
  if (at < 0) return { prose: text, sections };
  let current: string[] | undefined;
  for (const line of text.slice(at + factsHeading.length).split("\n")) {
    const heading = /^### (.+)$/.exec(line);
    if (heading) {
      current = [];
      sections.set(heading[1] as string, current);
    } else if (current && line.startsWith("- ")) current.push(line.slice(2));
    else if (current && /^ {2}\S/.test(line)) current.push(line.trim()); // identifiers are listed inline
  }
  // Identifiers are written on one line, separated by spaces.
  const names = sections.get("Identifiers");
  if (names)
    sections.set(
      "Identifiers",
      names.flatMap((line) => line.split(/\s+/).filter(Boolean)),
    );
  return { prose: text.slice(0, at).trimEnd(), sections };
}

/** Writes the facts block, newer facts first, within `maxCharacters`. */
export function renderFacts(
  newer: Map<string, string[]>,
  older: Map<string, string[]>,
  maxCharacters: number,
): string {
  const order = ["Open items", "Errors", "Paths", "Identifiers", "Outlines", "Decisions"];
  let room = maxCharacters - factsHeading.length - 1;
  const parts: string[] = [factsHeading];
  for (const title of order) {
    // Open items are a state: the newest list replaces an older one.
    const fresh = newer.get(title) ?? [];
    const merged =
      title === "Open items" && fresh.length > 0 ? fresh : [...fresh, ...(older.get(title) ?? [])];
    const unique = [...new Set(merged.map((item) => item.trim()).filter(Boolean))];
    if (unique.length === 0) continue;
    const heading = `### ${title}`;
    if (room < heading.length + 8) break;
    room -= heading.length + 1;
    const kept: string[] = [];
    if (title === "Identifiers") {
      let line = "";
      for (const name of unique) {
        if (line.length + name.length + 1 > room - 3) break;
        line = line === "" ? name : `${line} ${name}`;
      }
      if (line === "") continue;
      room -= line.length + 3;
      parts.push(heading, `  ${line}`);
      continue;
    }
    for (const item of unique) {
      const line = `- ${item}`;
      if (line.length + 1 > room) break;
      kept.push(line);
      room -= line.length + 1;
    }
    if (kept.length > 0) parts.push(heading, ...kept);
    else room += heading.length + 1;
  }
  return parts.length > 1 ? parts.join("\n") : "";
}

/** The summary message with its facts block taken out, one object per message. */
const strippedMemo = new WeakMap<Message, { message: Message; older: Map<string, string[]> }>();

function stripFacts(message: Message): { message: Message; older: Map<string, string[]> } {
  const known = strippedMemo.get(message);
  if (known) return known;
  let older = new Map<string, string[]>();
  const content = message.content.map((block) => {
    if (block.type !== "summary") return block;
    const split = splitFacts(block.text);
    if (split.sections.size > 0) older = split.sections;
    return { ...block, text: split.prose } satisfies SummaryBlock;
  });
  const stripped = { message: { ...message, content }, older };
  strippedMemo.set(message, stripped);
  return stripped;
}

/** Memo of summary messages with their block, so that asking again returns the very same message. */
const withFactsMemo = new WeakMap<Message, Map<string, Message>>();

function withFacts(summary: Message, block: string): Message {
  let byBlock = withFactsMemo.get(summary);
  if (!byBlock) {
    byBlock = new Map();
    withFactsMemo.set(summary, byBlock);
  }
  let message = byBlock.get(block);
  if (!message) {
    let done = false;
    const content = summary.content.map((item) => {
      if (item.type !== "summary" || done) return item;
      done = true;
      return { ...item, text: `${item.text.trimEnd()}\n\n${block}` } satisfies SummaryBlock;
    });
    message = { ...summary, content };
    byBlock.set(block, message);
  }
  return message;
}

function tokenViewWith(tokens: TokenView, index: number, message: Message): TokenView {
  const perMessage = [...tokens.perMessage];
  const before = perMessage[index] ?? 0;
  const after = messageTokens(tokens, message);
  perMessage[index] = after;
  return { ...tokens, perMessage, total: tokens.total - before + after, count: tokens.count };
}

/** Creates the `fact-summary` strategy. */
export function factSummary(options: FactSummaryOptions = {}): Strategy {
  const { maxFactCharacters = 3000, ...summarizeOptions } = options;
  if (!Number.isInteger(maxFactCharacters) || maxFactCharacters < 200) {
    throw new InvalidOptionError("maxFactCharacters", "an integer of at least 200", maxFactCharacters);
  }
  const inner = summarize(summarizeOptions);
  return {
    name: "fact-summary",
    async compact(messages: readonly Message[], context: StrategyContext): Promise<CompactionResult | null> {
      const head = headEnd(messages);
      const hasPrevious = summaryTextAt(messages, head) !== undefined;
      let view = messages;
      let viewContext = context;
      let older = new Map<string, string[]>();
      if (hasPrevious) {
        const stripped = stripFacts(messages[head] as Message);
        older = stripped.older;
        if (stripped.message !== messages[head]) {
          view = [...messages.slice(0, head), stripped.message, ...messages.slice(head + 1)];
          viewContext = { ...context, tokens: tokenViewWith(context.tokens, head, stripped.message) };
        }
      }
      const result = await inner.compact(view, viewContext);
      if (result === null) return null;
      const spanStart = hasPrevious ? head + 1 : head;
      const span = messages.slice(spanStart, result.keepFrom);
      const block = factsBlockOf(span, spanStart, messages, older, maxFactCharacters);
      const summaryIndex = result.replacement.length - 1;
      const summaryMessage = result.replacement[summaryIndex] as Message;
      const finalSummary = block === "" ? summaryMessage : withFacts(summaryMessage, block);
      const replacement = [...result.replacement.slice(0, summaryIndex), finalSummary];
      // Counted against the original view: the earlier block is part of what is replaced.
      const tokens = removedTokens(context.tokens, messages, result.keepFrom, replacement);
      if (tokens <= 0) return null;
      const text = finalSummary.content.find((item) => item.type === "summary")?.text ?? "";
      return {
        ...result,
        replacement,
        removed: {
          ...result.removed,
          tokens,
          description: `${result.removed.description}; summary ${text.length} characters, facts block ${block.length}`,
        },
        ...(result.summary ? { summary: { ...result.summary, text } } : {}),
      };
    },
  };
}
