import { describe, expect, it } from "vitest";
import { createSessionCounter, createTokenEstimator } from "../../src/tokens/index.js";
import type { Conversation, Message } from "../../src/transcript/types.js";
import { createSpyTokenizer } from "./spy-tokenizer.js";

function text(role: Message["role"], body: string): Message {
  return { role, content: [{ type: "text", text: body }] };
}

function setup() {
  const tokenizer = createSpyTokenizer();
  const estimator = createTokenEstimator({ tokenizer });
  return { tokenizer, estimator, counter: createSessionCounter({ estimator }) };
}

describe("createSessionCounter", () => {
  it("encodes only the messages appended since the last call", () => {
    const { tokenizer, estimator, counter } = setup();
    const history = [text("system", "You are an agent."), text("user", "Fix the bug in parser.ts")];
    const first = counter.count(history);
    expect(tokenizer.encoded).toEqual(["You are an agent.", "Fix the bug in parser.ts"]);
    expect(first).toMatchObject({ firstChangedIndex: 0, reusedMessages: 0, countedMessages: 2 });

    history.push(text("assistant", "Reading parser.ts"), text("user", "line 1: import x"));
    tokenizer.encoded.length = 0;
    const second = counter.count(history);
    expect(tokenizer.encoded).toEqual(["Reading parser.ts", "line 1: import x"]);
    expect(second).toMatchObject({ firstChangedIndex: 2, reusedMessages: 2, countedMessages: 2 });
    expect(second.total).toBe(estimator.countMessages(history));
    expect(second.messageTokens).toBe(second.total - estimator.replyPriming);
  });

  it("asks the estimator nothing when the same prompt is sent again", () => {
    const { estimator, counter } = setup();
    const history = [text("user", "a"), text("assistant", "b"), text("user", "c")];
    counter.count(history);
    const before = estimator.stats();
    const again = counter.count([...history]);
    expect(estimator.stats()).toEqual(before);
    expect(again).toMatchObject({ reusedMessages: 3, countedMessages: 0 });
  });

  it("treats rebuilt but equal message objects as unchanged", () => {
    const { tokenizer, counter } = setup();
    const history = [text("user", "first"), text("assistant", "second")];
    const total = counter.count(history).total;
    tokenizer.encoded.length = 0;
    const rebuilt = structuredClone(history);
    const result = counter.count([...rebuilt, text("user", "third")]);
    expect(result).toMatchObject({ firstChangedIndex: 2, countedMessages: 1 });
    expect(result.total).toBeGreaterThan(total);
    expect(tokenizer.encoded).toEqual(["third"]);
  });

  it("recounts from the first changed message, tokenising only new content", () => {
    const { tokenizer, estimator, counter } = setup();
    const history = [
      text("user", "task"),
      text("assistant", "step one"),
      text("user", "output one"),
      text("assistant", "step two"),
    ];
    counter.count(history);
    tokenizer.encoded.length = 0;
    const edited = [history[0] as Message, text("user", "[output cleared]"), ...history.slice(2)];
    const result = counter.count(edited);
    expect(result).toMatchObject({ firstChangedIndex: 1, reusedMessages: 1, countedMessages: 3 });
    expect(tokenizer.encoded).toEqual(["[output cleared]"]);
    expect(result.total).toBe(estimator.countMessages(edited));
  });

  it("follows a history that shrinks after a compaction", () => {
    const { estimator, counter } = setup();
    const history = [
      text("user", "task"),
      text("assistant", "a long exploration"),
      text("user", "more output"),
    ];
    counter.count(history);
    const compacted: Message[] = [
      history[0] as Message,
      { role: "user", content: [{ type: "summary", text: "Explored; found the bug." }] },
    ];
    const result = counter.count(compacted);
    expect(result.firstChangedIndex).toBe(1);
    expect(result.total).toBe(estimator.countMessages(compacted));
    expect(counter.length).toBe(2);
  });

  it("keeps running totals per message", () => {
    const { estimator, counter } = setup();
    const history = [text("user", "alpha"), text("assistant", "beta gamma"), text("user", "delta")];
    counter.count(history);
    expect(counter.messageTokens(1)).toBe(estimator.countMessage(history[1] as Message));
    expect(counter.tokensBefore(2)).toBe(
      estimator.countMessage(history[0] as Message) + estimator.countMessage(history[1] as Message),
    );
    expect(counter.tokensBefore(99)).toBe(counter.count(history).messageTokens);
    expect(counter.messageTokens(3)).toBeUndefined();
  });

  it("adds the system prompt and tools of a conversation, memoised", () => {
    const { tokenizer, estimator, counter } = setup();
    const conversation: Conversation = {
      format: "anthropic",
      system: [{ type: "text", text: "Be brief." }],
      tools: [{ name: "bash", description: "Run a command", parameters: { type: "object" } }],
      messages: [text("user", "hello")],
    };
    const result = counter.countConversation(conversation);
    expect(result.total).toBe(estimator.countConversation(conversation));
    tokenizer.encoded.length = 0;
    counter.countConversation({
      ...conversation,
      messages: [...conversation.messages, text("assistant", "hi")],
    });
    expect(tokenizer.encoded).toEqual(["hi"]);
  });

  it("starts over after reset, answering from the estimator's cache", () => {
    const { tokenizer, counter } = setup();
    const history = [text("user", "x"), text("assistant", "y")];
    counter.count(history);
    counter.reset();
    tokenizer.encoded.length = 0;
    expect(counter.count(history)).toMatchObject({ firstChangedIndex: 0, countedMessages: 2 });
    expect(tokenizer.encoded).toEqual([]);
  });
});
