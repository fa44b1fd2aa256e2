import { describe, expect, it } from "vitest";
import type { Message } from "../../src/transcript/types.js";
import { validateConversation } from "../../src/transcript/validate.js";
import { assistant, call, conversation, result, system, text, thinking, tool, user } from "./builders.js";

const codes = (format: Parameters<typeof conversation>[0], messages: Message[]) =>
  validateConversation(conversation(format, messages)).map((violation) => [
    violation.code,
    violation.messageIndex,
  ]);

describe("validateConversation for Anthropic", () => {
  it("accepts a tool loop with thinking, merged user messages and a trailing prefill", () => {
    const messages = [
      user(text("task")),
      assistant(thinking("plan"), call("a"), call("b")),
      user(result("a")),
      user(result("b"), text("and continue")),
      assistant(text("done")),
    ];
    expect(codes("anthropic", messages)).toEqual([]);
  });

  it("reports an empty request, a first assistant turn and a tool role", () => {
    expect(codes("anthropic", [])).toEqual([["empty-conversation", undefined]]);
    expect(codes("anthropic", [assistant(text("hi")), user(text("x"))])).toEqual([["role-order", 0]]);
    expect(codes("anthropic", [user(text("x")), tool(result("a"))])).toContainEqual(["role-order", 1]);
  });

  it("reports a call whose result is not in the next user turn", () => {
    expect(codes("anthropic", [user(text("t")), assistant(call("a")), user(text("no result"))])).toEqual([
      ["tool-call-without-result", 1],
    ]);
    expect(codes("anthropic", [user(text("t")), assistant(call("a"))])).toEqual([
      ["tool-call-without-result", 1],
    ]);
  });

  it("tells an orphan result from a misplaced one", () => {
    expect(codes("anthropic", [user(text("t")), assistant(text("x")), user(result("zzz"))])).toEqual([
      ["tool-result-without-call", 2],
    ]);
    const late = [
      user(text("t")),
      assistant(call("a")),
      user(text("wait")),
      assistant(text("ok")),
      user(result("a")),
    ];
    expect(codes("anthropic", late)).toEqual([
      ["tool-call-without-result", 1],
      ["tool-result-misplaced", 4],
    ]);
  });

  it("wants tool results before any other content of the user turn", () => {
    expect(
      codes("anthropic", [user(text("t")), assistant(call("a")), user(text("first"), result("a"))]),
    ).toEqual([["tool-result-misplaced", 2]]);
  });

  it("reports a call id used twice", () => {
    const messages = [
      user(text("t")),
      assistant(call("a")),
      user(result("a")),
      assistant(call("a")),
      user(result("a")),
    ];
    expect(codes("anthropic", messages)).toEqual([["duplicate-tool-id", 3]]);
  });
});

describe("validateConversation for OpenAI chat", () => {
  it("accepts tool messages right after their call, and an id reused in a later turn", () => {
    const messages = [
      system(text("s")),
      user(text("t")),
      assistant(call("a"), call("b")),
      tool(result("a")),
      tool(result("b")),
      assistant(call("a")),
      tool(result("a")),
    ];
    expect(codes("openai-chat", messages)).toEqual([]);
  });

  it("reports a call left unanswered before the next non-tool message", () => {
    const messages = [
      user(text("t")),
      assistant(call("a"), call("b")),
      tool(result("a")),
      user(text("?")),
      tool(result("b")),
    ];
    expect(codes("openai-chat", messages)).toEqual([
      ["tool-call-without-result", 1],
      ["tool-result-misplaced", 4],
    ]);
  });

  it("reports an orphan tool message, tool blocks outside tool messages, and an empty request", () => {
    expect(codes("openai-chat", [user(text("t")), tool(result("x"))])).toEqual([
      ["tool-result-without-call", 1],
    ]);
    expect(codes("openai-chat", [user(text("t"), result("x"))])).toEqual([["role-order", 0]]);
    expect(codes("openai-chat", [])).toEqual([["empty-conversation", undefined]]);
  });

  it("reports the same id twice in one assistant message", () => {
    expect(
      codes("openai-chat", [user(text("t")), assistant(call("a"), call("a")), tool(result("a"))]),
    ).toContainEqual(["duplicate-tool-id", 1]);
  });
});

describe("validateConversation for OpenAI Responses", () => {
  const reasoning = assistant(thinking("r"));

  it("accepts outputs after their calls, with other items between", () => {
    const messages = [
      user(text("t")),
      reasoning,
      assistant(call("a")),
      assistant(call("b")),
      tool(result("b")),
      tool(result("a")),
    ];
    expect(codes("openai-responses", messages)).toEqual([]);
  });

  it("reports unanswered calls, orphan and early outputs", () => {
    expect(codes("openai-responses", [user(text("t")), assistant(call("a"))])).toEqual([
      ["tool-call-without-result", 1],
    ]);
    expect(codes("openai-responses", [user(text("t")), tool(result("x"))])).toEqual([
      ["tool-result-without-call", 1],
    ]);
    expect(codes("openai-responses", [user(text("t")), tool(result("a")), assistant(call("a"))])).toEqual([
      ["tool-result-misplaced", 1],
      ["tool-call-without-result", 2],
    ]);
  });

  it("reports a reasoning item with no assistant item after it", () => {
    expect(codes("openai-responses", [user(text("t")), reasoning])).toEqual([["reasoning-without-item", 1]]);
    expect(codes("openai-responses", [user(text("t")), reasoning, user(text("x"))])).toEqual([
      ["reasoning-without-item", 1],
    ]);
  });

  it("pairs opaque custom tool calls with their outputs by call_id", () => {
    const opaqueItem = (value: object): Message => ({
      role: "assistant",
      content: [{ type: "opaque", format: "openai-responses", value }],
      wire: { item: true },
    });
    const customCall = opaqueItem({ type: "custom_tool_call", call_id: "c", name: "patch", input: "x" });
    const customOutput = opaqueItem({ type: "custom_tool_call_output", call_id: "c", output: "ok" });
    expect(codes("openai-responses", [user(text("t")), customCall, customOutput])).toEqual([]);
    expect(codes("openai-responses", [user(text("t")), customCall])).toEqual([
      ["tool-call-without-result", 1],
    ]);
  });
});
