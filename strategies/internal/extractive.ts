/**
 * The deterministic summary used when no summarizing model is available or it fails: it extracts what an
 * agent most needs to carry on (shell commands, file paths, error lines, the last plan or todo list, the last
 * thing the assistant said) and bounds the length. It never throws.
 *
 * @module
 */
import type { Block, Message } from "../../src/transcript/types.js";
import { looksLikeInstruction, withheldLine } from "./prompt-safety.js";
import { clip } from "./render.js";

/** Options of {@link extractiveSummary}. */
export interface ExtractiveOptions {
  /** A summary this one extends; it is kept at the top (shortened if needed). */
  previousSummary?: string;
  /** Longest summary, in characters. @default 4000 */
  maxCharacters?: number;
}

const filePathPattern = /(?:~|\.{1,2})?(?:\/[\w.@+-]+)+\.\w+|\b[\w.@+-]+(?:\/[\w.@+-]+)+\.\w{1,8}\b/g;
const errorLinePattern =
  /(?:error|exception)\b|\b(?:traceback|failed|failure|fatal|cannot|not found|denied)\b/i;
const bashBlockPattern = /```(?:bash|sh|shell|console)?\s*\n([\s\S]*?)```/g;
const planLinePattern = /^\s*(?:[-*]\s*\[[ xX]\]|\d+[.)]\s|(?:todo|plan|next step)s?\s*:)/im;

function textsOf(blocks: readonly Block[]): string[] {
  const texts: string[] = [];
  for (const block of blocks) {
    if (block.type === "text" || block.type === "summary") texts.push(block.text);
    if (block.type === "tool_result") texts.push(...textsOf(block.content));
  }
  return texts;
}

function commandOf(input: unknown): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const record = input as Record<string, unknown>;
  for (const key of ["command", "cmd", "script", "code"]) {
    const value = record[key];
    if (typeof value === "string") return value;
    if (Array.isArray(value) && value.every((part) => typeof part === "string")) return value.join(" ");
  }
  return undefined;
}

/** The last `limit` distinct values pushed (a value already listed is not added again), in order. */
class RecentUnique {
  readonly list: string[] = [];
  /** The same values as `list`, for a constant-time membership test. */
  private readonly members = new Set<string>();
  constructor(private readonly limit: number) {}

  /** A copy that goes on independently of this one. */
  copy(): RecentUnique {
    const copy = new RecentUnique(this.limit);
    for (const value of this.list) {
      copy.list.push(value);
      copy.members.add(value);
    }
    return copy;
  }

  push(value: string): void {
    const trimmed = value.trim();
    if (trimmed === "" || this.members.has(trimmed)) return;
    this.list.push(trimmed);
    this.members.add(trimmed);
    if (this.list.length > this.limit) this.members.delete(this.list.shift() as string);
  }
}

/**
 * What one message contributes to the summary, in the order it contributes it. Each list is fed through
 * {@link RecentUnique} when messages are merged, so the result is the same as scanning the messages in turn.
 */
interface MessageExtract {
  commands: string[];
  paths: string[];
  errors: string[];
  /** The last plan the message holds, if any. */
  plan: string | undefined;
  /** The message's text, when it is an assistant message with text. */
  assistantText: string | undefined;
}

/** Extracts per message object: summaries of growing spans re-read the same messages on every call. */
const extracts = new WeakMap<Message, MessageExtract>();

/** Scans one message for commands, file paths, errors, a plan and the assistant's text (memoised). */
function extractOf(message: Message): MessageExtract {
  const known = extracts.get(message);
  if (known !== undefined) return known;
  const extract: MessageExtract = {
    commands: [],
    paths: [],
    errors: [],
    plan: undefined,
    assistantText: undefined,
  };
  for (const block of message.content) {
    if (block.type !== "tool_call") continue;
    const command = commandOf(block.input);
    if (command !== undefined) {
      extract.commands.push(clip(command, 200));
      for (const match of command.matchAll(filePathPattern)) extract.paths.push(match[0]);
    }
    if (/todo|plan/i.test(block.name)) extract.plan = clip(JSON.stringify(block.input), 800);
  }
  const texts = textsOf(message.content);
  for (const text of texts) {
    for (const match of text.matchAll(filePathPattern)) extract.paths.push(match[0]);
    if (message.role === "assistant") {
      for (const match of text.matchAll(bashBlockPattern)) extract.commands.push(clip(match[1] ?? "", 200));
      if (planLinePattern.test(text)) extract.plan = clip(text, 800);
    } else if (message.role !== "system") {
      for (const line of text.split("\n")) {
        // Tool output is quoted in a user-role message: a line that reads like an instruction is not copied.
        if (errorLinePattern.test(line))
          extract.errors.push(looksLikeInstruction(line) ? withheldLine : clip(line, 200));
      }
    }
  }
  if (message.role === "assistant" && texts.length > 0) extract.assistantText = clip(texts.join("\n"), 600);
  extracts.set(message, extract);
  return extract;
}

/** What the scan of a run of messages has gathered so far (the scan is a left fold over the messages). */
interface Gathered {
  recentCommands: RecentUnique;
  recentPaths: RecentUnique;
  recentErrors: RecentUnique;
  plan: string | undefined;
  lastAssistantText: string | undefined;
}

function copyOf(gathered: Gathered): Gathered {
  return {
    recentCommands: gathered.recentCommands.copy(),
    recentPaths: gathered.recentPaths.copy(),
    recentErrors: gathered.recentErrors.copy(),
    plan: gathered.plan,
    lastAssistantText: gathered.lastAssistantText,
  };
}

/**
 * The last scan per first message: the messages it read and what it gathered from them. The span a dry run
 * summarizes grows from call to call (the same first messages, a turn more after them), so a scan whose messages
 * start with the last one's goes on from a copy of what that one gathered instead of reading them all again.
 */
const lastScans = new WeakMap<Message, { messages: Message[]; gathered: Gathered }>();

/** Scans `messages` in order, going on from the last scan of a prefix of them when there is one. */
function gather(messages: readonly Message[]): Gathered {
  const first = messages[0];
  const last = first === undefined ? undefined : lastScans.get(first);
  let from = 0;
  let gathered: Gathered | undefined;
  if (last !== undefined && last.messages.length <= messages.length) {
    let same = true;
    for (let index = 0; same && index < last.messages.length; index++)
      same = last.messages[index] === messages[index];
    if (same) {
      from = last.messages.length;
      gathered = copyOf(last.gathered);
    }
  }
  gathered ??= {
    recentCommands: new RecentUnique(15),
    recentPaths: new RecentUnique(25),
    recentErrors: new RecentUnique(10),
    plan: undefined,
    lastAssistantText: undefined,
  };
  for (let index = from; index < messages.length; index++) {
    const extract = extractOf(messages[index] as Message);
    for (const command of extract.commands) gathered.recentCommands.push(command);
    for (const path of extract.paths) gathered.recentPaths.push(path);
    for (const error of extract.errors) gathered.recentErrors.push(error);
    gathered.plan = extract.plan ?? gathered.plan;
    gathered.lastAssistantText = extract.assistantText ?? gathered.lastAssistantText;
  }
  // The caller reads the lists only: the memo keeps its own copy to go on from.
  if (first !== undefined && from < messages.length)
    lastScans.set(first, { messages: [...messages], gathered: copyOf(gathered) });
  return gathered;
}

/** Writes the extractive summary of `messages`. */
export function extractiveSummary(messages: readonly Message[], options: ExtractiveOptions = {}): string {
  const maxCharacters = Math.max(200, options.maxCharacters ?? 4000);
  const { recentCommands, recentPaths, recentErrors, plan, lastAssistantText } = gather(messages);

  const sections: string[] = [
    `Extractive summary of ${messages.length} earlier messages (no model was used).`,
  ];
  const section = (title: string, lines: string[]) => {
    if (lines.length > 0) sections.push(`## ${title}\n${lines.map((line) => `- ${line}`).join("\n")}`);
  };
  section("Commands run", recentCommands.list);
  section("Files mentioned", recentPaths.list);
  section("Errors seen", recentErrors.list);
  if (plan !== undefined) sections.push(`## Last plan\n${plan}`);
  if (lastAssistantText !== undefined) sections.push(`## Last assistant message\n${lastAssistantText}`);
  const previousSummary = options.previousSummary?.trim() ?? "";
  // With an earlier summary to keep, the new part gets at most 60% of the room.
  const fresh = clip(
    sections.join("\n\n"),
    previousSummary === "" ? maxCharacters : Math.floor(maxCharacters * 0.6),
  );
  if (previousSummary === "") return fresh;
  const room = maxCharacters - fresh.length - 2;
  const previous =
    previousSummary.length <= room
      ? previousSummary
      : `${previousSummary.slice(0, room - 20)}\n[... shortened ...]`;
  return `${previous}\n\n${fresh}`;
}
