/**
 * Scripts decide what the test server answers: a queue of replies, a function, or both (the queue first).
 *
 * @module
 */

import { InvalidOptionError } from "../errors.js";
import type { ProviderFormat } from "../transcript/types.js";
import type { PromptLayout } from "./prompt.js";
import type { RecordedRequest } from "./recorded-request.js";
import { type Reply, reply } from "./reply.js";

/** What a script is told besides the request. */
export interface ScriptContext {
  provider: ProviderFormat;
  /** 0-based index of this call among the valid calls the server has answered. */
  callIndex: number;
  /** The prompt, laid out and counted. */
  prompt: PromptLayout;
  /** Text of the last user message ("" when it has none, e.g. only tool results). */
  lastUserText: string;
}

/** A scripted answer; a string is short for `reply.text(string)`. */
export type ScriptAnswer = Reply | string;

/** Computes the reply to a request. */
export type ScriptFunction = (
  request: RecordedRequest,
  context: ScriptContext,
) => ScriptAnswer | Promise<ScriptAnswer>;

/** A function, or a queue of replies answered in order (then the default script). */
export type Script = ScriptFunction | ScriptAnswer[];

/** The default script: answers `Echo: <last user text>` (or `OK.` when the last user message has no text). */
export const defaultScript: ScriptFunction = (_request, context) =>
  reply.text(context.lastUserText === "" ? "OK." : `Echo: ${context.lastUserText.slice(0, 200)}`);

function toReply(answer: ScriptAnswer, place: string): Reply {
  if (typeof answer === "string") return reply.text(answer);
  if (typeof answer !== "object" || answer === null || !("kind" in answer)) {
    throw new InvalidOptionError(place, "a reply built with `reply.*` or a string", answer);
  }
  return answer;
}

/** Queued replies in front of a script function. */
export class ScriptRunner {
  readonly #queue: ScriptAnswer[];
  readonly #fallback: ScriptFunction;

  constructor(script: Script | undefined) {
    if (script !== undefined && typeof script !== "function" && !Array.isArray(script)) {
      throw new InvalidOptionError("script", "a function or an array of replies", script);
    }
    this.#queue = Array.isArray(script) ? [...script] : [];
    this.#fallback = typeof script === "function" ? script : defaultScript;
  }

  /** Adds replies to the end of the queue. */
  enqueue(answers: ScriptAnswer[]): void {
    this.#queue.push(...answers);
  }

  /** Replies still queued. */
  get pending(): number {
    return this.#queue.length;
  }

  /** The next queued reply, or the script function's answer. */
  async next(request: RecordedRequest, context: ScriptContext): Promise<Reply> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return toReply(queued, "script[queued reply]");
    return toReply(await this.#fallback(request, context), "script(request, context) result");
  }
}
