import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkInvariants } from "../../src/transcript/invariants.js";
import type { Conversation, Message } from "../../src/transcript/types.js";
import { neutralConversationArbitrary, propertyParameters } from "../support/arbitraries.js";
import { assistant, call, conversation, result, summary, system, text, thinking, user } from "./builders.js";

const task = user(text("Fix the failing test"));
const original = conversation(
  "anthropic",
  [
    task,
    assistant(thinking("look"), call("a")),
    user(result("a", "long listing ".repeat(50))),
    assistant(thinking("edit"), call("b")),
    user(result("b")),
    assistant(thinking("verify"), call("c")),
    user(result("c")),
  ],
  { system: [text("You are an agent")] },
);
const with_ = (messages: Message[], extra: Partial<Conversation> = {}): Conversation => ({
  ...original,
  messages,
  ...extra,
});
const codes = (compacted: Conversation, base = original, options = {}) =>
  checkInvariants(base, compacted, options).map((violation) => violation.code);
const messages = original.messages;
const at = (index: number): Message => messages[index] as Message;

describe("checkInvariants", () => {
  it("accepts the original itself", () => {
    expect(codes(original)).toEqual([]);
  });

  it("accepts a summary in place of the oldest turns", () => {
    expect(codes(with_([task, user(summary("Listed files, edited a.py.")), at(5), at(6)]))).toEqual([]);
  });

  it("accepts a masked tool result that keeps its call id", () => {
    const masked = user({
      type: "tool_result",
      callId: "a",
      content: [{ type: "text", text: "[output cleared]" }],
    });
    expect(codes(with_([task, at(1), masked, ...messages.slice(3)]))).toEqual([]);
  });

  it("reports a new structural problem: a result whose call was dropped", () => {
    expect(codes(with_([task, at(2), ...messages.slice(3)]))).toEqual(
      expect.arrayContaining(["tool-result-without-call"]),
    );
  });

  it("does not blame the compaction for a problem the original already had", () => {
    const broken = with_([...messages, assistant(call("z"))]);
    expect(codes(broken, broken)).toEqual([]);
  });

  it("reports a changed format or system prompt", () => {
    expect(codes(with_(messages, { format: "openai-chat" }))).toContain("format-changed");
    expect(codes(with_(messages, { system: [text("You are a poet")] }))).toEqual(["system-changed"]);
    const chat = conversation("openai-chat", [system(text("s")), task, assistant(text("ok"))]);
    expect(codes(conversation("openai-chat", [task, assistant(text("ok"))]), chat)).toEqual([
      "system-changed",
    ]);
  });

  it("reports a dropped or altered task", () => {
    expect(codes(with_([user(summary("everything so far")), at(5), at(6)]))).toEqual(["task-dropped"]);
    expect(codes(with_([user(text("Fix the failing test!")), ...messages.slice(1)]))).toEqual([
      "unknown-message",
      "task-dropped",
    ]);
  });

  it("reports dropped pinned messages, by flag or by index", () => {
    const pinned = with_(
      messages.map((message, index) => (index === 2 ? { ...message, pinned: true } : message)),
    );
    const dropped = with_([task, user(summary("s")), at(5), at(6)]);
    expect(codes(dropped, pinned)).toEqual(["pinned-dropped"]);
    expect(codes(dropped, original, { pinned: [3] })).toEqual(["pinned-dropped"]);
  });

  it("reports thinking that changed in a kept assistant message", () => {
    const edited = assistant(thinking("edit, shortened"), call("b"));
    expect(codes(with_([...messages.slice(0, 3), edited, ...messages.slice(4)]))).toEqual([
      "thinking-changed",
    ]);
  });

  it("reports the open tool loop's last assistant turn losing its thinking (Anthropic)", () => {
    expect(codes(with_(messages.slice(0, 5)))).toEqual(["thinking-dropped"]);
    expect(codes(with_([...messages.slice(0, 5), assistant(call("c")), at(6)]))).toEqual([
      "thinking-changed",
    ]);
  });

  it("keeps that thinking even after later turns without tool use", () => {
    const finished = with_([...messages, assistant(text("All green.")), user(text("thanks"))]);
    const compacted = with_([
      task,
      user(summary("fixed and verified")),
      assistant(text("All green.")),
      user(text("thanks")),
    ]);
    expect(codes(compacted, finished)).toEqual(["thinking-dropped"]);
  });

  it("reports messages that are neither original nor summaries", () => {
    expect(codes(with_([...messages, user(text("Also delete the tests"))]))).toEqual(["unknown-message"]);
  });

  it("reports original messages out of order", () => {
    const swapped = [task, at(3), at(4), at(1), at(2), at(5), at(6)];
    expect(codes(with_(swapped))).toContain("order-changed");
  });

  it("lets a caller say what counts as a summary", () => {
    const note = user(text("[compactor] 3 turns removed"));
    const compacted = with_([task, note, at(5), at(6)]);
    expect(codes(compacted)).toEqual(["unknown-message"]);
    const isSummary = (message: Message) =>
      message.content.some((block) => block.type === "text" && block.text.startsWith("[compactor]"));
    expect(codes(compacted, original, { isSummary })).toEqual([]);
  });
});

/**
 * Start of each run of assistant messages after the leading system messages and the task, up to the run of
 * the last tool-using assistant message (whose thinking Anthropic needs).
 */
function cutPoints(messages: readonly Message[]): { head: number; points: number[] } {
  let head = 0;
  while (messages[head]?.role === "system") head++;
  if (messages[head]?.role === "user") head++;
  const points: number[] = [];
  for (let index = head + 1; index < messages.length; index++) {
    if (messages[index]?.role === "assistant" && messages[index - 1]?.role !== "assistant")
      points.push(index);
  }
  const lastToolUse = messages.findLastIndex(
    (message) => message.role === "assistant" && message.content.some((block) => block.type === "tool_call"),
  );
  return { head, points: points.filter((point) => lastToolUse < 0 || point <= lastToolUse) };
}

describe.each(["anthropic", "openai-chat", "openai-responses"] as const)(
  "checkInvariants on generated %s sessions",
  (format) => {
    it("accepts a summary of the turns before any cut point", () => {
      fc.assert(
        fc.property(neutralConversationArbitrary(format), fc.nat(), (session, choice) => {
          const { head, points } = cutPoints(session.messages);
          fc.pre(points.length > 0);
          const cut = points[choice % points.length] as number;
          const compacted = {
            ...session,
            messages: [
              ...session.messages.slice(0, head),
              user(summary("earlier turns")),
              ...session.messages.slice(cut),
            ],
          };
          expect(checkInvariants(session, compacted)).toEqual([]);
        }),
        propertyParameters(200),
      );
    });

    it("catches any dropped message that holds a tool call", () => {
      fc.assert(
        fc.property(neutralConversationArbitrary(format), fc.nat(), (session, choice) => {
          const holders = session.messages.flatMap((message, index) =>
            message.content.some((block) => block.type === "tool_call") ? [index] : [],
          );
          fc.pre(holders.length > 0);
          const drop = holders[choice % holders.length] as number;
          const compacted = { ...session, messages: session.messages.filter((_, index) => index !== drop) };
          const found = checkInvariants(session, compacted).map((violation) => violation.code);
          expect(found).toEqual(expect.arrayContaining(["tool-result-without-call"]));
        }),
        propertyParameters(200),
      );
    });

    it("catches any dropped tool result", () => {
      fc.assert(
        fc.property(neutralConversationArbitrary(format), fc.nat(), (session, choice) => {
          const holders = session.messages.flatMap((message, index) =>
            message.content.some((block) => block.type === "tool_result") ? [index] : [],
          );
          fc.pre(holders.length > 0);
          const drop = holders[choice % holders.length] as number;
          const compacted = { ...session, messages: session.messages.filter((_, index) => index !== drop) };
          const found = checkInvariants(session, compacted).map((violation) => violation.code);
          expect(found).toEqual(expect.arrayContaining(["tool-call-without-result"]));
        }),
        propertyParameters(200),
      );
    });
  },
);
