/**
 * Incremental prompt counting for one growing session. Agents resend their whole history on every call; the
 * counter keeps the messages it saw last time with their running totals, checks that the new list still
 * starts with them (object identity, else structural equality: never a re-tokenisation), and counts only
 * the new tail. When the history was edited it recounts from the first changed message on; messages after
 * that whose content the estimator has seen are answered from its cache, not tokenised.
 *
 * Cost per call: one reference comparison per kept message plus the estimator's cost for the new ones.
 *
 * @module
 */
import type { Conversation, Message } from "../transcript/types.js";
import { getDefaultTokenEstimator, type TokenEstimator } from "./estimator.js";
import { sameMessage } from "./same-content.js";

/** Options of {@link createSessionCounter}. */
export interface SessionCounterOptions {
  /**
   * The estimator that counts messages, system prompts and tools.
   * @default {@link getDefaultTokenEstimator}()
   */
  estimator?: TokenEstimator;
}

/** What one {@link SessionCounter.count} call found. */
export interface SessionCountResult {
  /** Tokens of the prompt: messages and reply priming (plus system prompt and tools for a conversation). */
  total: number;
  /** Tokens of the messages alone, without reply priming. */
  messageTokens: number;
  /** Index of the first message that was not part of the kept prefix (the list length when none). */
  firstChangedIndex: number;
  /** Messages taken from the kept prefix without counting. */
  reusedMessages: number;
  /** Messages passed to the estimator this call. */
  countedMessages: number;
}

/** Running token totals of one session's growing message list. */
export interface SessionCounter {
  /** Counts a prompt made of `messages`, reusing the kept prefix. */
  count(messages: readonly Message[]): SessionCountResult;
  /** Counts a whole request: its messages incrementally, system prompt and tools memoised. */
  countConversation(conversation: Conversation): SessionCountResult;
  /** Tokens of the kept messages `[0, end)` without reply priming (`end` is clamped to the kept length). */
  tokensBefore(end: number): number;
  /** Tokens of kept message `index`, or `undefined` past the kept list. */
  messageTokens(index: number): number | undefined;
  /** Number of messages kept from the last count. */
  readonly length: number;
  /** Forgets the kept messages; the next count starts over (the estimator's cache still helps). */
  reset(): void;
}

/** Creates an incremental counter for one session (use one per session and model). */
export function createSessionCounter(options: SessionCounterOptions = {}): SessionCounter {
  const estimator = options.estimator ?? getDefaultTokenEstimator();
  let kept: Message[] = [];
  /** `totals[i]` = tokens of kept messages `[0, i)`; always one longer than `kept`. */
  let totals: number[] = [0];

  function firstDifference(messages: readonly Message[]): number {
    const shared = Math.min(messages.length, kept.length);
    for (let index = 0; index < shared; index += 1) {
      const next = messages[index] as Message;
      const previous = kept[index] as Message;
      if (next === previous) continue;
      if (!sameMessage(next, previous)) return index;
      kept[index] = next;
    }
    return shared;
  }

  function count(messages: readonly Message[]): SessionCountResult {
    const firstChangedIndex = firstDifference(messages);
    kept.length = firstChangedIndex;
    totals.length = firstChangedIndex + 1;
    let running = totals[firstChangedIndex] as number;
    for (let index = firstChangedIndex; index < messages.length; index += 1) {
      const message = messages[index] as Message;
      running += estimator.countMessage(message);
      kept.push(message);
      totals.push(running);
    }
    return {
      total: running + estimator.replyPriming,
      messageTokens: running,
      firstChangedIndex,
      reusedMessages: firstChangedIndex,
      countedMessages: messages.length - firstChangedIndex,
    };
  }

  return {
    count,
    countConversation(conversation) {
      const result = count(conversation.messages);
      const fixed = estimator.countSystem(conversation.system) + estimator.countTools(conversation.tools);
      return { ...result, total: result.total + fixed };
    },
    tokensBefore: (end) => totals[Math.max(0, Math.min(end, kept.length))] as number,
    messageTokens: (index) =>
      index >= 0 && index < kept.length
        ? (totals[index + 1] as number) - (totals[index] as number)
        : undefined,
    get length() {
      return kept.length;
    },
    reset() {
      kept = [];
      totals = [0];
    },
  };
}
