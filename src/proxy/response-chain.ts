/**
 * OpenAI Responses chains: a request with `previous_response_id` continues the conversation of that reply, so it
 * belongs to that reply's session (its own input is only what was added, so hashing its start would make every
 * call a session of its own). The proxy notes each reply's id as its first bytes pass through (the id leads
 * both a JSON reply and the `response.created` event of a stream), in memory and in the session store, so that
 * a chained call reaching any proxy on the same Redis finds its session.
 *
 * Bounded: at most {@link maxRememberedReplies} reply ids are kept in memory (least recently used dropped); the
 * store keeps them for the session's TTL or 30 days (Redis), or as many as 64 per session it holds (the memory
 * store), and a reply id dropped from memory is looked up there. Without a store, a chain whose reply id was
 * dropped starts a session of its own (hashed from its first input item). A lookup waits at most `timeoutMs`; a store that is slow or
 * down only costs the chain its session (the call is hashed as before), never the call.
 *
 * @module
 */
import { LRUCache } from "lru-cache";
import { boundedWait } from "../resilience/wait.js";
import type { SessionStore } from "../store/types.js";

/** Reply ids a proxy keeps in memory. */
export const maxRememberedReplies = 50_000;

/** How much of a reply's start is searched for its id. */
const sniffLimit = 8192;

/** Reply ids and their sessions. */
export interface ResponseChains {
  /** The session of the reply a chained request continues, if known here or in the store. */
  sessionOf(previousResponseId: string): Promise<string | undefined>;
  /** `upstream` with its body watched for the reply id, which is then linked to `sessionId`. */
  watch(upstream: Response, sessionId: string): Response;
  /** Reply ids held in memory now (at most `maxReplies`). */
  size(): number;
}

/** Options of {@link responseChains}. */
export interface ResponseChainOptions {
  /** Where links are shared with other processes (the proxy's session store), if anywhere. */
  store?: SessionStore | undefined;
  /** Longest wait for the store's answer. */
  timeoutMs: number;
  /** Reply ids kept in memory. @default {@link maxRememberedReplies} */
  maxReplies?: number;
  /** Reports a store failure (never thrown). */
  report: (error: unknown) => void;
}

export function responseChains(options: ResponseChainOptions): ResponseChains {
  const known = new LRUCache<string, string>({ max: options.maxReplies ?? maxRememberedReplies });
  const { store } = options;
  const stored = store !== undefined && typeof store.responseSession === "function";
  /** Another process may be linking a reply right now: a miss is asked again (not so for this process's memory store). */
  const shared = stored && store.name !== "memory";

  const link = (responseId: string, sessionId: string) => {
    known.set(responseId, sessionId);
    if (typeof store?.linkResponse !== "function") return;
    boundedWait(store.linkResponse(responseId, sessionId), `linking reply "${responseId}" in the ${store.name} store`, options.timeoutMs).catch(
      options.report,
    );
  };

  return {
    async sessionOf(previousResponseId) {
      const local = known.get(previousResponseId);
      if (local !== undefined || !stored || !store?.responseSession) return local;
      // Dropped from memory (past the bound), or another process served the previous call: the store has it. That
      // process's link may still be on its way (it is written as the reply starts, so a short retry covers a
      // client that sends the next call at once).
      for (let attempt = 0; attempt < (shared ? 3 : 1); attempt++) {
        try {
          const found = await boundedWait(
            store.responseSession(previousResponseId),
            `finding the session of reply "${previousResponseId}" in the ${store.name} store`,
            options.timeoutMs,
          );
          if (found !== undefined) {
            known.set(previousResponseId, found);
            return found;
          }
        } catch (error) {
          options.report(error);
          return undefined;
        }
        if (shared) await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
      }
      return undefined;
    },
    size: () => known.size,
    watch(upstream, sessionId) {
      if (!upstream.ok || upstream.body === null) return upstream;
      const decoder = new TextDecoder();
      let head = "";
      let done = false;
      const body = upstream.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            if (!done) {
              head += decoder.decode(chunk, { stream: true });
              const match = /"id"\s*:\s*"([^"\\]{1,200})"/.exec(head);
              if (match?.[1] !== undefined) link(match[1], sessionId);
              if (match || head.length > sniffLimit) {
                done = true;
                head = "";
              }
            }
            controller.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: upstream.status, statusText: upstream.statusText, headers: upstream.headers });
    },
  };
}
