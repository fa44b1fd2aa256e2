/**
 * The usage an agent is shown when the proxy compacted its request.
 *
 * Agents decide their own compaction from the usage the API returns: Claude Code compacts its history when the
 * last response's input tokens (`input_tokens + cache_creation_input_tokens + cache_read_input_tokens`) pass its
 * threshold; the Codex CLI compares the Responses `usage` with its `model_auto_compact_token_limit`. Relayed as
 * it is, the usage of a compacted request is the size of the *compacted* prompt, so the agent's history (which
 * it still sends in full) seems small to it and its own compaction never fires: it keeps every turn forever while
 * the proxy trims the wire copy. Measured with Claude Code 2.1.332 (`test/proxy/claude-code-usage.test.ts`).
 *
 * So, by default (`agentUsage: "uncompacted"`), the proxy shows the agent the prompt size its own request has:
 * the upstream's real input-side count scaled by the ratio of the agent's request to the request sent, both
 * counted with the same o200k estimator (a ratio, so the tokenizer's bias cancels). The session runtime counts
 * each part of a session's requests (the system prompt, each tool, each message, as JSON) once and remembers it,
 * so after the first compaction only the messages new since the last call are counted, while the upstream works
 * on the request: the bodies are not counted again on every call. The tokens added are reported
 * as cache reads (Anthropic `cache_read_input_tokens`; OpenAI `cached_tokens`, with `input_tokens` /
 * `prompt_tokens` and `total_tokens`), the way the removed history would mostly have been billed without the
 * proxy. The agent then compacts when it would have without the proxy: not earlier, not never. Output tokens are
 * never changed, nor is a request compactor did not change. The `x-compactor-agent-usage` response header gives
 * the ratio applied.
 *
 * Only what the agent reads changes: compactor's own report, events, budgets and `/metrics` read the upstream's
 * real answer. The agent's own cost display (Claude Code's `/cost`) counts the added tokens at the cache-read
 * price; compactor's report is the bill. `agentUsage: "upstream"` relays the upstream's usage unchanged.
 *
 * @module
 */
import type { ProviderFormat } from "../transcript/types.js";
import type { PromptSizes } from "../wrapper/contract.js";
import { knownBodies, type PreparedInfo } from "../wrapper/wire/request.js";

/** What usage the proxy shows the agent: see the module's documentation. */
export type AgentUsage = "uncompacted" | "upstream";

/** Response header set when the proxy scaled the usage the agent reads: `uncompacted; ratio=<agent / sent>`. */
export const AGENT_USAGE_HEADER = "x-compactor-agent-usage";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Adds `ratio - 1` times the input side of one usage object to it, in place. Returns the tokens added (0 when the
 * object carries no input-side count).
 */
export function scaleUsage(format: ProviderFormat, usage: Record<string, unknown>, ratio: number): number {
  if (!(ratio > 1)) return 0;
  if (format === "anthropic") {
    if (!("input_tokens" in usage) && !("cache_read_input_tokens" in usage)) return 0;
    const input = count(usage.input_tokens) + count(usage.cache_creation_input_tokens) + count(usage.cache_read_input_tokens);
    const added = Math.round(input * (ratio - 1));
    if (added <= 0) return 0;
    usage.cache_read_input_tokens = count(usage.cache_read_input_tokens) + added;
    return added;
  }
  const inputKey = format === "openai-chat" ? "prompt_tokens" : "input_tokens";
  const detailsKey = format === "openai-chat" ? "prompt_tokens_details" : "input_tokens_details";
  if (!(inputKey in usage)) return 0;
  const added = Math.round(count(usage[inputKey]) * (ratio - 1));
  if (added <= 0) return 0;
  usage[inputKey] = count(usage[inputKey]) + added;
  const details = isRecord(usage[detailsKey]) ? usage[detailsKey] : {};
  details.cached_tokens = count(details.cached_tokens) + added;
  usage[detailsKey] = details;
  if ("total_tokens" in usage) usage.total_tokens = count(usage.total_tokens) + added;
  return added;
}

/** The usage objects one response body or stream event carries, in every API's shape. */
function usagesIn(value: Record<string, unknown>): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  if (isRecord(value.usage)) found.push(value.usage);
  // Anthropic message_start, Responses response.* events.
  for (const key of ["message", "response"]) {
    const inner = value[key];
    if (isRecord(inner) && isRecord(inner.usage)) found.push(inner.usage);
  }
  return found;
}

/** Rewrites the usage in one JSON text; returns it unchanged when it carries none. */
function rewriteJson(format: ProviderFormat, text: string, ratio: number): { text: string; added: number } {
  if (!text.includes('"usage"')) return { text, added: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { text, added: 0 };
  }
  if (!isRecord(parsed)) return { text, added: 0 };
  let added = 0;
  for (const usage of usagesIn(parsed)) added = Math.max(added, scaleUsage(format, usage, ratio));
  return added > 0 ? { text: JSON.stringify(parsed), added } : { text, added: 0 };
}

/** The SSE lines of `text` with the usage in each `data:` line rewritten (the same string when none changes). */
function rewriteLines(format: ProviderFormat, text: string, ratio: number): string {
  if (!text.includes('"usage"')) return text;
  let changed = false;
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (!line.startsWith("data:") || !line.includes('"usage"')) continue;
    // Written as `data: <json>` whether or not its usage changed, as it always was.
    const rewritten = `data: ${rewriteJson(format, line.slice(5).trimStart(), ratio).text}`;
    if (rewritten === line) continue;
    lines[index] = rewritten;
    changed = true;
  }
  return changed ? lines.join("\n") : text;
}

/**
 * The usage in each SSE `data:` line of an event stream rewritten, chunk by chunk as the stream arrives, in the
 * same call (no stream of its own): a chunk of whole lines with no usage to rewrite goes on as the very bytes
 * received, a line cut between chunks waits for its end.
 */
export class EventStreamRewriter {
  readonly #format: ProviderFormat;
  readonly #ratio: number;
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();
  #pending = "";

  constructor(format: ProviderFormat, ratio: number) {
    this.#format = format;
    this.#ratio = ratio;
  }

  /** What goes on for one chunk received: the chunk itself, rewritten bytes, or undefined (a line goes on). */
  chunk(value: Uint8Array): Uint8Array | undefined {
    const text = this.#decoder.decode(value, { stream: true });
    const end = text.lastIndexOf("\n");
    if (end < 0) {
      this.#pending += text;
      return undefined;
    }
    // A chunk of whole lines, none of them after an unfinished one, whose usage (if any) stays as it is.
    if (this.#pending === "" && end === text.length - 1) {
      const rewritten = rewriteLines(this.#format, text, this.#ratio);
      return rewritten === text ? value : this.#encoder.encode(rewritten);
    }
    const complete = this.#pending + text.slice(0, end + 1);
    this.#pending = text.slice(end + 1);
    return this.#encoder.encode(rewriteLines(this.#format, complete, this.#ratio));
  }

  /** What goes on at the stream's end (an unfinished last line), if anything. */
  end(): Uint8Array | undefined {
    const rest = this.#pending + this.#decoder.decode();
    this.#pending = "";
    return rest.length > 0 ? this.#encoder.encode(rewriteLines(this.#format, rest, this.#ratio)) : undefined;
  }
}

/**
 * A byte stream with the usage in each SSE `data:` line rewritten (see {@link EventStreamRewriter}). One web
 * stream pulling from the upstream's reader: a `TransformStream` (two more streams and a pipe between them) costs
 * several times more per chunk.
 */
function rewriteEventStream(body: ReadableStream<Uint8Array>, format: ProviderFormat, ratio: number): ReadableStream<Uint8Array> {
  const rewriter = new EventStreamRewriter(format, ratio);
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          const rest = rewriter.end();
          if (rest !== undefined) controller.enqueue(rest);
          controller.close();
          return;
        }
        const out = rewriter.chunk(value);
        if (out === undefined) continue;
        controller.enqueue(out);
        return;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** One request's view: told the runtime's size estimates, then rewrites the answer's usage if it was compacted. */
export interface AgentUsageView {
  /** The wire core's `WireRequest.onPrepared` hook: notes the ratio of a compacted request. */
  prepared(info: PreparedInfo): void;
  /** The response the agent gets: `upstream` itself unless the request was compacted. */
  answer(upstream: Response): Promise<Response>;
  /**
   * {@link AgentUsageView.answer} for a relay that writes the chunks itself: an event stream to rewrite comes
   * back as the upstream's body (with the agent's headers) and the rewriter to pass its chunks through, which
   * saves a stream between them. Any other answer is `answer`'s, with no rewriter.
   */
  relayed(upstream: Response): Promise<{ response: Response; rewrite?: EventStreamRewriter }>;
}

/** The agent's request over the sent one (1 when the sent one is not smaller). */
export function sizeRatio(sizes: PromptSizes): number {
  return sizes.sent > 0 && sizes.agent > sizes.sent ? sizes.agent / sizes.sent : 1;
}

/**
 * A view for one request. The sizes come from the session runtime, which counts each part of a session's
 * requests once (by object) and remembers it: only the messages new since the last call are counted, and that
 * while the upstream works on the request (so it adds nothing to the time to the first byte unless the upstream
 * answers faster than the count takes).
 */
export function agentUsageView(format: ProviderFormat): AgentUsageView {
  let ratio: Promise<number> | undefined;
  const view: AgentUsageView = {
    prepared(info) {
      const sizes = info.promptSizes;
      if (!info.changed || sizes === undefined) return;
      ratio = new Promise((resolve) => setImmediate(() => resolve(sizeRatio(sizes()))));
    },
    async answer(upstream) {
      if (ratio === undefined || !upstream.ok || upstream.body === null) return upstream;
      const scale = await ratio.catch(() => 1);
      if (!(scale > 1)) return upstream;
      const init = agentInit(upstream, scale);
      if (isEventStream(upstream)) return new Response(rewriteEventStream(upstream.body, format, scale), init);
      // A JSON answer the wire core has read whole already: rewritten at once, and handed on as bytes the relay
      // writes in one go (no web stream).
      const known = knownBodies.get(upstream);
      if (known !== undefined) {
        const text = new TextDecoder().decode(known);
        const rewritten = rewriteJson(format, text, scale).text;
        const bytes = rewritten === text ? known : new TextEncoder().encode(rewritten);
        const copy = new Response(bytes, init);
        knownBodies.set(copy, bytes);
        return copy;
      }
      const body = upstream.text().then((text) => rewriteJson(format, text, scale).text);
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          try {
            controller.enqueue(new TextEncoder().encode(await body));
            controller.close();
          } catch (error) {
            controller.error(error);
          }
        },
      });
      return new Response(stream, init);
    },
    async relayed(upstream) {
      if (ratio === undefined || !upstream.ok || upstream.body === null || !isEventStream(upstream)) {
        return { response: await view.answer(upstream) };
      }
      const scale = await ratio.catch(() => 1);
      if (!(scale > 1)) return { response: upstream };
      return { response: new Response(upstream.body, agentInit(upstream, scale)), rewrite: new EventStreamRewriter(format, scale) };
    },
  };
  return view;
}

function isEventStream(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").includes("text/event-stream");
}

/** The status and headers of the answer the agent gets, its usage scaled by `scale`. */
function agentInit(upstream: Response, scale: number): ResponseInit {
  const headers = new Headers(upstream.headers);
  headers.set(AGENT_USAGE_HEADER, `uncompacted; ratio=${scale.toFixed(4)}`);
  return { status: upstream.status, statusText: upstream.statusText, headers };
}
