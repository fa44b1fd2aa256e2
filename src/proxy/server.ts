/**
 * `compactor proxy`: an HTTP server that speaks the Anthropic Messages, OpenAI Chat Completions and Responses
 * APIs and forwards to the real ones (or any configured upstream), through the same wire-level core as
 * `withCompaction` — same sessions, strategies, checkpoints, invariant check with fallback, pricing, events and
 * budgets. Every other path (`/v1/messages/count_tokens`, `/v1/models`, files, batches) is forwarded untouched.
 *
 * One request, as a short sequence of stages:
 *
 * 1. admit: an origin-form path, the dashboard (`/`, `/api/summary`: see `dashboard/`), the proxy token when one
 *    is set, the proxy's own pages (`/metrics`);
 * 2. route: the provider (Anthropic when the path is `/v1/messages…` or the client sends `anthropic-version`;
 *    OpenAI otherwise) and so the one configured upstream the request may go to (never a client-chosen host);
 * 3. read: the body, up to the size limit, as bytes;
 * 4. identify: the session (see `session-id.ts`), handed to the core as the `x-compactor-session` header, and
 *    the body parsed from its bytes, only past the part identical to the session's previous body (`body-memo.ts`);
 * 5. core: prepare, send (the client's own bytes, or a compacted body written from them), observe; a JSON
 *    answer's call is settled right after it is relayed;
 * 6. relay: status, headers and body chunks as they arrive; a client that hangs up aborts the upstream call.
 *
 * Credentials (`x-api-key`, `authorization`, OAuth bearer tokens) go upstream untouched and are never logged or
 * kept: events carry sessions, models and usage, never headers.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InvalidOptionError } from "../errors.js";
import type { CompactorEvent } from "../events/types.js";
import { buildSessionReport, type SessionSummary } from "../session/session-report.js";
import type { ProviderFormat } from "../transcript/types.js";
import { type CompactionOptions, runtimeFrom } from "../with-compaction.js";
import { SESSION_HEADER } from "../wrapper/contract.js";
import { createWireCore } from "../wrapper/wire/core.js";
import { type FetchFunction, knownBodies, type WireRequest } from "../wrapper/wire/request.js";
import { formatOf } from "../wrapper/wire/route.js";
import type { Summarizer } from "../../strategies/types.js";
import { type AgentUsage, agentUsageView, type EventStreamRewriter } from "./agent-usage.js";
import { BodyMemo, type MemoBody } from "./body-memo.js";
import { createUpstreamFetch } from "./upstream.js";
import { type ErrorDialect, type ProxyErrorAnswer, proxyError } from "./errors.js";
import { createProxyMetrics } from "./metrics.js";
import { LRUCache } from "lru-cache";
import { defaultStoreCheckTimeoutMs } from "../resilience/shared-session.js";
import { maxRememberedReplies, responseChains } from "./response-chain.js";
import { createDashboard, type DashboardSummary, resolveBudgets } from "./dashboard/index.js";
import { type ProxySession, sessionFromHeaders, sessionOf } from "./session-id.js";

/** Header a client sends the proxy token in (when the proxy has one). */
export const PROXY_TOKEN_HEADER = "x-compactor-token";

/** The real APIs. */
export const DEFAULT_UPSTREAMS = { anthropic: "https://api.anthropic.com", openai: "https://api.openai.com" } as const;

/** Options of {@link startProxy}. */
export interface ProxyOptions extends Omit<CompactionOptions, "session" | "summarizer"> {
  /** @default 0 (a free port; read {@link CompactorProxy.port}) */
  port?: number;
  /**
   * Interface to listen on. Anything but loopback exposes the proxy (and the credentials clients send through
   * it) to the network: set {@link ProxyOptions.token} then.
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * Where requests go: origins (a path prefix is allowed) the client's path is appended to, e.g.
   * `https://api.anthropic.com` + `/v1/messages`. Only these are ever contacted.
   * @default {@link DEFAULT_UPSTREAMS}
   */
  upstreams?: { anthropic?: string; openai?: string };
  /** When set, every request must carry it in the `x-compactor-token` header (shared deployments). */
  token?: string;
  /**
   * Largest request body accepted, in bytes (413 above it).
   * @default 32 MiB (the Messages API's own limit)
   */
  maxBodyBytes?: number;
  /**
   * The summarizer for strategies that summarize, or `false` for the extractive fallback only.
   * @default false
   */
  summarizer?: false | Summarizer;
  /**
   * The `fetch` upstream calls are made with.
   * @default globalThis.fetch
   */
  fetch?: FetchFunction;
  /**
   * The usage a compacted request's answer shows the agent: `"uncompacted"` scales the input side to the size
   * of the agent's own request (so the agent's own auto-compaction fires when it would without the proxy),
   * `"upstream"` relays the upstream's usage unchanged. See `agent-usage.ts`.
   * @default "uncompacted"
   */
  agentUsage?: AgentUsage;
  /**
   * Most sessions listed by {@link CompactorProxy.sessions} and the dashboard (least recently used dropped).
   * @default {@link maxListedSessions} (10,000)
   */
  maxListedSessions?: number;
  /**
   * Most OpenAI Responses reply ids kept in memory to find a chained call's session (least recently used
   * dropped; a shared store still has them). @default {@link maxRememberedReplies} (50,000)
   */
  maxRememberedReplies?: number;
}

/** A running proxy. */
export interface CompactorProxy {
  /** `http://host:port`. */
  url: string;
  port: number;
  /** `baseURL` for `new Anthropic(...)` and `ANTHROPIC_BASE_URL` (the clients append `/v1/messages`). */
  anthropicBaseURL: string;
  /** `baseURL` for `new OpenAI(...)`: {@link CompactorProxy.url} + `/v1`. */
  openaiBaseURL: string;
  /**
   * Sessions this process has seen, with where their id came from: the {@link maxListedSessions} most recently
   * used, least recently used first.
   */
  sessions(): ProxySession[];
  /** A session's report (calls in flight settled first). */
  report(sessionId: string): Promise<SessionSummary>;
  /** The `/metrics` text. */
  metrics(): string;
  /** The dashboard's figures (the JSON at `/api/summary`): every session's report, their sums, the budgets. */
  dashboard(): Promise<DashboardSummary>;
  /** Stops accepting requests, lets the ones in flight finish (at most `graceMs`), persists sessions. */
  close(graceMs?: number): Promise<void>;
}

const defaultMaxBody = 32 * 1024 * 1024;

/** Most sessions a proxy lists in {@link CompactorProxy.sessions} (least recently used dropped first). */
export const maxListedSessions = 10_000;

/** Request headers that describe this hop, not the request (RFC 9110 §7.6.1), and ones the proxy sets itself. */
const requestHeadersDropped = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  // fetch negotiates its own encoding and decodes the answer.
  "accept-encoding",
  PROXY_TOKEN_HEADER,
]);

/** Response headers not relayed: the hop's, and the encoding fetch has already undone. */
const responseHeadersDropped = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-encoding",
  "content-length",
  "trailer",
  "upgrade",
]);

function upstreamBase(name: string, value: string | undefined, fallback: string): string {
  const raw = value ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidOptionError(`upstreams.${name}`, "an http(s) URL such as https://api.anthropic.com", raw);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidOptionError(`upstreams.${name}`, "an http(s) URL", raw);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new InvalidOptionError(`upstreams.${name}`, "a URL without query, fragment or credentials", raw);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The provider a request is for: Anthropic when its path or headers say so, OpenAI otherwise. */
function dialectOf(path: string, headers: IncomingMessage["headers"]): ErrorDialect {
  if (path === "/v1/messages" || path.startsWith("/v1/messages/") || path.startsWith("/v1/messages?")) return "anthropic";
  if (path.startsWith("/v1/complete")) return "anthropic";
  if (headers["anthropic-version"] !== undefined || headers["x-api-key"] !== undefined) return "anthropic";
  return "openai";
}

/**
 * The request headers that go upstream, as a plain object with lower-case names (repeated ones joined with ", ",
 * as `Headers` does): the core and the upstream client take it as it is, no `Headers` copies on the way.
 */
function forwardedHeaders(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = (raw[index] as string).toLowerCase();
    if (requestHeadersDropped.has(name)) continue;
    const value = raw[index + 1] as string;
    const before = headers[name];
    headers[name] = before === undefined ? value : `${before}, ${value}`;
  }
  return headers;
}

function tokenMatches(expected: Buffer, given: string | string[] | undefined): boolean {
  if (typeof given !== "string") return false;
  const buffer = Buffer.from(given);
  return buffer.length === expected.length && timingSafeEqual(buffer, expected);
}

class BodyTooLarge extends Error {}

/** A getter of `body` as text, decoded on first use. */
function lazyText(body: Buffer): () => string {
  let text: string | undefined;
  return () => {
    text ??= body.toString("utf8");
    return text;
  };
}

/** Reads the request body, refusing more than `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        request.removeAllListeners("data");
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks, size)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, answer: ProxyErrorAnswer | { status: number; headers: Record<string, string>; body: string }): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(answer.status, { ...answer.headers, "content-length": Buffer.byteLength(answer.body) });
  response.end(answer.body);
}

/** Writes the upstream answer to the client as it arrives (an event stream's chunks through `rewrite`, if any). */
async function relay(
  upstream: Response,
  response: ServerResponse,
  abort: AbortController,
  whole: boolean,
  rewrite?: EventStreamRewriter,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  upstream.headers.forEach((value, name) => {
    if (!responseHeadersDropped.has(name) && name !== "set-cookie") headers[name] = value;
  });
  // set-cookie is the one header that must stay several lines.
  const cookies = upstream.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (upstream.body === null) {
    response.writeHead(upstream.status, upstream.statusText, headers);
    response.end();
    return;
  }
  if (whole && !(upstream.headers.get("content-type") ?? "").includes("text/event-stream")) {
    // Not a stream: headers and body go out together, in one write, with their length.
    let bytes: Uint8Array;
    try {
      bytes = knownBodies.get(upstream) ?? new Uint8Array(await upstream.arrayBuffer());
    } catch {
      response.destroy();
      return;
    }
    headers["content-length"] = String(bytes.length);
    response.writeHead(upstream.status, upstream.statusText, headers);
    response.end(bytes);
    return;
  }
  response.writeHead(upstream.status, upstream.statusText, headers);
  const reader = upstream.body.getReader();
  // The headers go out with the first chunk when it is already there (one write, not two), else at once: a
  // client is never kept waiting for them by an upstream that takes its time before the first event.
  const first = reader.read();
  try {
    const ready = await Promise.race([first, new Promise<undefined>((resolve) => setImmediate(resolve, undefined))]);
    let headersOut = ready === undefined;
    if (headersOut) response.flushHeaders();
    for (let next: typeof first | undefined = first; ; next = undefined) {
      const { done, value: received } = await (next ?? reader.read());
      if (done) break;
      if (response.destroyed) {
        abort.abort();
        break;
      }
      const value = rewrite === undefined ? received : rewrite.chunk(received);
      if (value === undefined) {
        // A line cut between chunks: the headers go out now if nothing has yet (as when the first read waits).
        if (!headersOut) response.flushHeaders();
        headersOut = true;
        continue;
      }
      headersOut = true;
      if (!response.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            response.off("drain", go);
            response.off("close", go);
            resolve();
          };
          response.on("drain", go);
          response.on("close", go);
        });
      }
    }
    const rest = rewrite?.end();
    if (rest !== undefined && !response.destroyed) response.end(rest);
    else response.end();
  } catch {
    // The upstream broke off mid-body: the client sees a cut connection, as it would have directly.
    response.destroy();
  } finally {
    reader.releaseLock();
  }
}

/** Starts a proxy. Resolves once it listens. */
export async function startProxy(options: ProxyOptions = {}): Promise<CompactorProxy> {
  if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "an object", options);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionError("port", "an integer 0-65535", port);
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBody;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new InvalidOptionError("maxBodyBytes", "a positive integer of bytes", maxBodyBytes);
  }
  if (options.token !== undefined && (typeof options.token !== "string" || options.token.length < 8)) {
    throw new InvalidOptionError("token", "a string of at least 8 characters", "(hidden)");
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new InvalidOptionError("fetch", "a fetch function", options.fetch);
  }
  for (const field of ["maxListedSessions", "maxRememberedReplies"] as const) {
    const value = options[field];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new InvalidOptionError(field, "a positive integer", value);
  }
  if (options.agentUsage !== undefined && options.agentUsage !== "uncompacted" && options.agentUsage !== "upstream") {
    throw new InvalidOptionError("agentUsage", '"uncompacted" or "upstream"', options.agentUsage);
  }
  const upstreams: Record<ErrorDialect, string> = {
    anthropic: upstreamBase("anthropic", options.upstreams?.anthropic, DEFAULT_UPSTREAMS.anthropic),
    openai: upstreamBase("openai", options.upstreams?.openai, DEFAULT_UPSTREAMS.openai),
  };
  const token = options.token === undefined ? undefined : Buffer.from(options.token);
  const metrics = createProxyMetrics();
  const userOnEvent = options.onEvent;
  const {
    port: _port,
    host: _host,
    upstreams: _upstreams,
    token: _token,
    maxBodyBytes: _max,
    fetch: givenFetch,
    agentUsage = "uncompacted",
    maxListedSessions: listedBound = maxListedSessions,
    maxRememberedReplies: repliesBound,
    ...compaction
  } = options;
  const budgets = resolveBudgets(compaction.budget);
  const runtime = runtimeFrom(
    {
      ...compaction,
      ...(budgets.gate === undefined ? {} : { budget: budgets.gate }),
      session: "compactor-proxy",
      summarizer: options.summarizer ?? false,
      onEvent: (event: CompactorEvent) => {
        metrics.record(event);
        userOnEvent?.(event);
      },
    },
    () => undefined,
  );
  // A JSON answer is relayed first and accounted right after (never lost: the runtime's flush waits for it).
  const core = createWireCore({ handler: runtime, defaultSession: "compactor-proxy", refusal: "http", settle: "after-return" });
  // Upstream calls go out on node:http(s) (proxy/upstream.ts) unless a fetch is given.
  const upstreamClient = givenFetch === undefined ? createUpstreamFetch() : undefined;
  const upstreamFetch: FetchFunction = givenFetch ?? (upstreamClient as { fetch: FetchFunction }).fetch;
  // The three APIs' JSON answers, which the core reads whole: read on node streams, no web stream over the socket.
  const formatFetch: FetchFunction =
    upstreamClient === undefined ? upstreamFetch : (input, init) => upstreamClient.fetch(input, init, { wholeJson: true });
  const seen = new LRUCache<string, ProxySession>({ max: listedBound });
  const bodies = new BodyMemo();
  const chains = responseChains({
    store: options.store,
    timeoutMs: defaultStoreCheckTimeoutMs,
    ...(repliesBound !== undefined ? { maxReplies: repliesBound } : {}),
    report: (error) => {
      const event: CompactorEvent = { type: "error", session: "compactor-proxy", time: Date.now(), phase: "store", message: error instanceof Error ? error.message : String(error), fallback: "continued-in-memory" };
      metrics.record(event);
      userOnEvent?.(event);
    },
  });
  const dashboard = createDashboard({
    token: options.token,
    sessions: () => [...seen.values()],
    session: (id) => runtime.session(id),
    fresh: (id) => runtime.refresh(id),
    budgets,
    startedAt: Date.now(),
    mode: options.shadow ? "shadow" : options.strategy === null ? "record-only" : "compacting",
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<string> {
    // 1. Admit.
    const target = request.url ?? "/";
    const dialect = dialectOf(target, request.headers);
    const fail = (status: number, code: string, message: string) => {
      send(response, proxyError(dialect, status, code, message));
      return "error";
    };
    if (!target.startsWith("/") || target.startsWith("//")) {
      return fail(400, "absolute_url_refused", "compactor proxy forwards only to its configured upstreams; send an origin-form path such as /v1/messages.");
    }
    if (dashboard.handles(request.method, target)) return dashboard.serve(request, response);
    if (token !== undefined && !tokenMatches(token, request.headers[PROXY_TOKEN_HEADER])) {
      return fail(401, "proxy_token_required", `compactor proxy: missing or wrong ${PROXY_TOKEN_HEADER} header.`);
    }
    if (String(request.headers.upgrade).toLowerCase() === "websocket") {
      // The Codex CLI tries a Responses WebSocket first; a 426 makes it fall back to HTTPS at once (other answers
      // cost five reconnects, about 6 s).
      return fail(426, "websocket_not_supported", "compactor proxy speaks HTTP only; use the HTTPS (SSE) transport.");
    }
    if (request.method === "GET" && (target === "/metrics" || target.startsWith("/metrics?"))) {
      send(response, { status: 200, headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" }, body: metrics.render() });
      return "metrics";
    }

    // 2. Route: the configured upstream of the provider, and nothing else.
    const url = `${upstreams[dialect]}${target}`;

    // 3. Read.
    let body: Buffer;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        response.setHeader("connection", "close");
        return fail(413, "request_too_large", `Request body larger than the proxy's limit of ${maxBodyBytes} bytes.`);
      }
      throw error;
    }

    // 4. Identify the session.
    const method = (request.method ?? "GET").toUpperCase();
    const headers = forwardedHeaders(request.rawHeaders);
    const format: ProviderFormat | undefined = formatOf(method, url);
    let sessionId: string | undefined;
    let params: Record<string, unknown> | undefined;
    let memo: MemoBody | undefined;
    if (format !== undefined && body.length > 0 && body[0] === 123 /* { */) {
      // Parsed once, here, from the bytes: the part identical to the session's previous body keeps its objects
      // and is never decoded (body-memo).
      const named = sessionFromHeaders(format, headers);
      memo = bodies.read(format, body, named?.id);
      params = memo?.params;
      let session = named;
      if (session === undefined && params !== undefined) {
        // A Responses call chained to an earlier reply continues that reply's session.
        const previous = format === "openai-responses" ? params.previous_response_id : undefined;
        const chained = typeof previous === "string" ? await chains.sessionOf(previous) : undefined;
        session = chained !== undefined ? { id: chained, source: "response-chain" } : sessionOf(format, headers, params);
      }
      if (session !== undefined) {
        sessionId = session.id;
        headers[SESSION_HEADER] = session.id;
        if (seen.get(session.id) === undefined) seen.set(session.id, session);
      }
    }

    // 5. Core.
    const abort = new AbortController();
    const onClose = () => {
      if (!response.writableFinished) abort.abort();
    };
    response.on("close", onClose);
    const init: RequestInit = {
      method,
      headers,
      signal: abort.signal,
      redirect: "manual",
      ...(body.length > 0 && method !== "GET" && method !== "HEAD" ? { body } : {}),
    };
    const wire: WireRequest = { url, method, init, text: undefined };
    // The body's text, decoded only if something reads it (the core does not when it has the params).
    if (init.body !== undefined) Object.defineProperty(wire, "text", { get: lazyText(body), enumerable: true });
    if (params !== undefined) wire.params = params;
    // A compacted body goes out as the client's bytes for every part it kept, not re-serialised.
    if (memo !== undefined) wire.serialize = memo.serialize;
    const view = agentUsage === "uncompacted" && format !== undefined && init.body !== undefined ? agentUsageView(format) : undefined;
    if (view) wire.onPrepared = view.prepared;
    let upstream: Response;
    try {
      upstream = await core(wire, format === undefined ? upstreamFetch : formatFetch);
    } catch (error) {
      if (abort.signal.aborted) return "aborted";
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      return fail(502, "upstream_unreachable", `compactor proxy could not reach ${upstreams[dialect]}: ${reason}`);
    }

    // 6. Relay (a Responses reply's id is noted on the way, for calls chained to it). The core has already read
    // a JSON answer of the three APIs whole: it goes out in one write.
    // An event stream whose usage the agent reads scaled is rewritten chunk by chunk as the relay writes it.
    const agentAnswer = view ? await view.relayed(upstream) : { response: upstream };
    let answer = agentAnswer.response;
    if (format === "openai-responses" && sessionId !== undefined) answer = chains.watch(answer, sessionId);
    await relay(answer, response, abort, format !== undefined, agentAnswer.rewrite);
    return format ?? "passthrough";
  }

  const server = createServer((request, response) => {
    handle(request, response).then(
      (route) => metrics.request(route, response.statusCode),
      () => {
        metrics.request("error", 500);
        send(response, proxyError(dialectOf(request.url ?? "/", request.headers), 500, "proxy_internal_error", "compactor proxy failed on this request."));
      },
    );
  });
  // A long agent turn can stream for many minutes: no server-side request timeout beyond the client's own.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    port: address.port,
    anthropicBaseURL: url,
    openaiBaseURL: `${url}/v1`,
    sessions: () => [...seen.rvalues()].filter((session): session is ProxySession => session !== undefined),
    async report(sessionId) {
      await runtime.flush();
      return buildSessionReport(await runtime.refresh(sessionId));
    },
    metrics: () => metrics.render(),
    dashboard: () => dashboard.summary(),
    close(graceMs = 5000) {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        await closed;
        clearTimeout(timer);
        await runtime.flush(graceMs).catch(() => {});
        upstreamClient?.close();
      })();
      return closing;
    },
  };
}
