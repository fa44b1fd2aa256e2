/**
 * `withCompaction(client, options)`: the one line an agent developer adds.
 *
 * @module
 */
import { InvalidOptionError } from "./errors.js";
import { diagnosticsChannelSink, fanOut, jsonlFileSink } from "./events/sinks.js";
import type { CompactorEvent, EventSink } from "./events/types.js";
import { createRuntime, type Runtime } from "./session/runtime.js";
import { memoryStore } from "./store/memory.js";
import type { SessionStore } from "./store/types.js";
import { INTERNAL_HEADER, wrapClient } from "./wrapper/index.js";
import { fetchThrough, installedHandler, upstreamFetch } from "./wrapper/internal/wrap.js";
import { takeSessionHeader } from "./wrapper/internal/session-header.js";
import { createWireCore } from "./wrapper/wire/core.js";
import type { FetchFunction } from "./wrapper/wire/request.js";
import type { Strategy, Summarizer, Trigger } from "../strategies/types.js";
import { defaultStrategy, guardedStrategy } from "../strategies/index.js";
import { createSdkSummarizer } from "../strategies/summarizer.js";
import { costOfCall, summarizerModelFor } from "./pricing/index.js";
import { buildSessionReport, type SessionSummary } from "./session/session-report.js";
import { type BudgetOption, gateFromOption } from "./budget/option.js";
import type { CallGate } from "./session/gate.js";
import type { RecallOptions, ResolvedRecallOptions } from "./session/recall.js";
import { isOffloading } from "../strategies/offload.js";

/** Options of {@link withCompaction}. */
export interface CompactionOptions {
  /** Session id the wrapped client's calls belong to (override per request with the `x-compactor-session` header). */
  session: string;
  /**
   * How to compact; `null` records and prices calls without compacting.
   * @default defaultStrategy() — prompt-cache-aware masking, then summarizing
   */
  strategy?: Strategy | null;
  /**
   * When to ask the strategy. A strategy that weighs the cache itself (the default, `cacheAware(...)`) is asked
   * on every call; any other strategy given without a trigger is wrapped in `cacheAware` (`guardedStrategy`),
   * so that it compacts only when a compaction pays for its cache rewrite. A trigger given here is used as is.
   * @default none: see above
   */
  trigger?: Trigger;
  /**
   * Where session state lives.
   * @default memoryStore()
   */
  store?: SessionStore;
  /** Receives every event (call, compaction, budget, error). */
  onEvent?: (event: CompactorEvent) => void;
  /** Appends every event to this JSONL file. */
  eventLog?: string;
  /**
   * Publish events on `node:diagnostics_channel` (`compactor:event`). Free when nobody subscribes.
   * @default true
   */
  diagnosticsChannel?: boolean;
  /**
   * The summarizing model for strategies that summarize: `"auto"` calls the session model's cheaper sibling
   * through the same (unwrapped) client; a {@link Summarizer} function; or `false` for the extractive fallback only.
   * @default "auto"
   */
  summarizer?: "auto" | false | Summarizer;
  /**
   * Longest a call waits for a compaction whose summary is being written. Past it the call goes out without
   * that compaction (no slower than unwrapped), and the summary is applied on a later call.
   * @default 2000
   */
  summarizerWaitMs?: number;
  /**
   * Longest a summarizer call may run before it is aborted (then the extractive summary is used).
   * @default 60000
   */
  summarizerTimeoutMs?: number;
  /**
   * Measure only: run the strategy and log what it would have saved, but always send the original request.
   * @default false
   */
  shadow?: boolean;
  /**
   * Budgets: limits for each session and for the team, on a ledger (Redis to share them between processes),
   * with actions as spend nears them (warn, compact, downgrade, refuse) and a fail mode; or a ready gate
   * (`budgetGate(...)`) shared by several clients.
   * @default no budget
   */
  budget?: BudgetOption | CallGate;
  /**
   * Anthropic prompt-cache breakpoints compactor places on what it sends (never more than the API's four, never
   * a 5-minute one before a 1-hour one):
   * - `"compacted"`: one at the end of a compacted prefix, once compactor has compacted (so the new prefix is
   *   cached); until then every request goes out byte for byte;
   * - `"auto"`: that, and, for agents that set up no caching, the usual two (end of the system prompt, last
   *   message) on every request that carries none;
   * - `false`: none.
   *
   * Never placed with `strategy: null` or `shadow: true`, which send exactly what the agent wrote.
   * @default "compacted"
   */
  cacheBreakpoints?: "compacted" | "auto" | false;
  /**
   * Reversible offload's recall round trip. When on, compactor appends one tool, `compactor_recall`, to every
   * compactable request of the session from its first call (so the tools block stays byte-identical), and when
   * the model calls it compactor answers from the session store and continues the call itself: the agent's code
   * never sees the tool (see the README, "Reversible offload"). `"auto"` turns it on when the strategy offloads
   * (an `offload(...)` part inside); `false` turns it off; options set its limits. Never on with `strategy: null`
   * or `shadow: true`.
   * @default "auto"
   */
  offload?: "auto" | boolean | RecallOptions;
  /**
   * Most sessions kept in this process's memory between calls. Beyond it the least recently used idle session
   * (nothing queued or unsaved) is dropped; its next call loads it from the store again (a shared store such as
   * Redis: it goes on where it left off). With the in-memory store the store's own `maxSessions` bounds it too.
   * @default 1000
   */
  maxLiveSessions?: number;
}

const runtimes = new WeakMap<object, Runtime>();

/**
 * A client for the summarizer's own calls: the user's client with a header that makes compactor's core forward
 * the request untouched (so the summary is not itself a call of the session, and is never compacted).
 */
function internalClient(client: object): object {
  const headers = { [INTERNAL_HEADER]: "summarizer" };
  const withHeader = (options: unknown) => ({
    ...(typeof options === "object" && options !== null ? options : {}),
    headers: { ...((options as { headers?: Record<string, string> } | undefined)?.headers ?? {}), ...headers },
  });
  const target = client as {
    messages?: { create?: (params: unknown, options?: unknown) => unknown };
    chat?: { completions?: { create?: (params: unknown, options?: unknown) => unknown } };
  };
  if (typeof target.messages?.create === "function") {
    const messages = target.messages;
    return { messages: { create: (params: unknown, options?: unknown) => messages.create?.(params, withHeader(options)) } };
  }
  const completions = target.chat?.completions;
  return {
    chat: { completions: { create: (params: unknown, options?: unknown) => completions?.create?.(params, withHeader(options)) } },
  };
}

/**
 * Installs compactor on an `Anthropic` or `OpenAI` client (or any of their subclasses: `AzureOpenAI`, Bedrock,
 * Vertex, Foundry) and returns that same client. compactor sits at the wire — the `fetch` the SDK calls — so the
 * client keeps everything it does (auth, retries, timeouts, `asResponse()`, streams, error classes); only what a
 * Messages, Chat Completions or Responses request sends may be compacted, and every call is priced and logged.
 * Clients made from it with `withOptions()` are covered too.
 *
 * ```ts
 * const client = withCompaction(new Anthropic(), { session: "task-42" });
 * ```
 */
export function withCompaction<Client extends object>(client: Client, options: CompactionOptions): Client {
  const runtime = runtimeFrom(options, (model) => sdkSummarizer(internalClient(client), model));
  const wrapped = wrapClient(client, runtime, options.session);
  runtimes.set(wrapped, runtime);
  return wrapped;
}

/** Options of {@link compactorFetch}. */
export interface CompactorFetchOptions extends Omit<CompactionOptions, "summarizer"> {
  /**
   * The `fetch` requests are forwarded with.
   * @default globalThis.fetch
   */
  fetch?: FetchFunction;
  /**
   * The summarizing model for strategies that summarize: a {@link Summarizer} function, or `false` for the
   * extractive fallback only (there is no SDK client to call a model with).
   * @default false
   */
  summarizer?: false | Summarizer;
}

/**
 * A `fetch` with compactor in it, for clients that take one: the Vercel AI SDK's providers
 * (`createAnthropic({ fetch })`, `createOpenAI({ fetch })`), LangChain, or any code that speaks the Anthropic
 * Messages, OpenAI Chat Completions or Responses wire format. The same core as {@link withCompaction}:
 * sessions, strategies, checkpoints, invariant checks, pricing, events and budgets. Every other request is
 * forwarded untouched. Pass it to {@link sessionReport} for its report.
 *
 * ```ts
 * const fetch = compactorFetch({ session: "task-42" });
 * const anthropic = createAnthropic({ fetch });
 * ```
 */
export function compactorFetch(options: CompactorFetchOptions): FetchFunction {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object with at least `session`", options);
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new InvalidOptionError("fetch", "a fetch function", options.fetch);
  }
  if (options.summarizer !== undefined && options.summarizer !== false && typeof options.summarizer !== "function") {
    throw new InvalidOptionError("summarizer", "false or a Summarizer function", options.summarizer);
  }
  const { fetch: given, ...rest } = options;
  const runtime = runtimeFrom({ ...rest, summarizer: options.summarizer ?? false }, () => undefined);
  const upstream: FetchFunction = given ? upstreamFetch(given) : (input, init) => globalThis.fetch(input, init);
  const core = createWireCore({ handler: runtime, defaultSession: options.session });
  const fetch = fetchThrough(core, upstream, runtime);
  runtimes.set(fetch, runtime);
  return fetch;
}

function sdkSummarizer(client: object, model: string): Summarizer {
  return createSdkSummarizer({
    client: client as never,
    model: summarizerModelFor(model) ?? model,
    price: (summaryModel, usage) => {
      const cost = costOfCall(summaryModel, usage);
      return cost.known ? cost.costUsd : null;
    },
  });
}

/**
 * Checks the options and builds the runtime behind a wrapped client or a compactor fetch (and the proxy's).
 * @internal
 */
export function runtimeFrom(options: CompactionOptions, autoSummarizer: (model: string) => Summarizer | undefined): Runtime {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object with at least `session`", options);
  }
  if (typeof options.session !== "string" || options.session.length === 0) {
    throw new InvalidOptionError("session", "a non-empty string", options.session);
  }
  if (options.strategy !== undefined && options.strategy !== null && typeof options.strategy?.compact !== "function") {
    throw new InvalidOptionError("strategy", "a Strategy (an object with `name` and `compact()`) or null", options.strategy);
  }
  if (options.trigger !== undefined && typeof options.trigger?.shouldCompact !== "function") {
    throw new InvalidOptionError("trigger", "a Trigger (an object with `name` and `shouldCompact()`)", options.trigger);
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== "function") {
    throw new InvalidOptionError("onEvent", "a function", options.onEvent);
  }
  if (options.eventLog !== undefined && (typeof options.eventLog !== "string" || options.eventLog.length === 0)) {
    throw new InvalidOptionError("eventLog", "a file path", options.eventLog);
  }
  if (
    options.cacheBreakpoints !== undefined &&
    options.cacheBreakpoints !== false &&
    options.cacheBreakpoints !== "compacted" &&
    options.cacheBreakpoints !== "auto"
  ) {
    throw new InvalidOptionError("cacheBreakpoints", '"compacted", "auto" or false', options.cacheBreakpoints);
  }
  const summarizerOption = options.summarizer ?? "auto";
  if (summarizerOption !== "auto" && summarizerOption !== false && typeof summarizerOption !== "function") {
    throw new InvalidOptionError("summarizer", '"auto", false or a Summarizer function', summarizerOption);
  }
  for (const field of ["summarizerWaitMs", "summarizerTimeoutMs"] as const) {
    const value = options[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new InvalidOptionError(field, "a non-negative integer of milliseconds", value);
    }
  }
  if (options.maxLiveSessions !== undefined && !(Number.isInteger(options.maxLiveSessions) && options.maxLiveSessions > 0)) {
    throw new InvalidOptionError("maxLiveSessions", "a positive integer", options.maxLiveSessions);
  }
  const offloadOption = options.offload ?? "auto";
  if (offloadOption !== "auto" && typeof offloadOption !== "boolean" && (typeof offloadOption !== "object" || offloadOption === null)) {
    throw new InvalidOptionError("offload", '"auto", true, false or { maxRecalls, lookupTimeoutMs }', offloadOption);
  }
  const recallOptions: ResolvedRecallOptions = { maxRecalls: 3, lookupTimeoutMs: 1_000 };
  if (typeof offloadOption === "object") {
    const { maxRecalls, lookupTimeoutMs } = offloadOption;
    if (maxRecalls !== undefined && !(Number.isInteger(maxRecalls) && maxRecalls >= 0)) {
      throw new InvalidOptionError("offload.maxRecalls", "a non-negative integer", maxRecalls);
    }
    if (lookupTimeoutMs !== undefined && !(Number.isInteger(lookupTimeoutMs) && lookupTimeoutMs >= 0)) {
      throw new InvalidOptionError("offload.lookupTimeoutMs", "a non-negative integer of milliseconds", lookupTimeoutMs);
    }
    if (maxRecalls !== undefined) recallOptions.maxRecalls = maxRecalls;
    if (lookupTimeoutMs !== undefined) recallOptions.lookupTimeoutMs = lookupTimeoutMs;
  }
  const gate = options.budget === undefined ? undefined : gateFromOption(options.budget);
  const sinks: EventSink[] = [];
  if (options.onEvent) sinks.push(options.onEvent);
  if (options.eventLog) sinks.push(jsonlFileSink(options.eventLog));
  if (options.diagnosticsChannel ?? true) sinks.push(diagnosticsChannelSink());

  const summarizerFor = (model: string): Summarizer | undefined => {
    if (summarizerOption === false) return undefined;
    if (typeof summarizerOption === "function") return summarizerOption;
    return autoSummarizer(model);
  };
  // Strategies other than the default get a cache-aware guard unless a trigger is given (guardedStrategy).
  const guarded = guardedStrategy(options.strategy === undefined ? defaultStrategy() : options.strategy, options.trigger);
  const strategy = guarded.strategy;
  const shadow = options.shadow ?? false;
  const offloadOn =
    strategy !== null && !shadow && (offloadOption === "auto" ? isOffloading(strategy) : offloadOption !== false);
  return createRuntime({
    store: options.store ?? memoryStore(),
    strategy,
    trigger: guarded.trigger,
    emit: fanOut(sinks),
    summarizerFor,
    shadow,
    offload: offloadOn ? recallOptions : false,
    ...(options.summarizerWaitMs !== undefined ? { summarizerWaitMs: options.summarizerWaitMs } : {}),
    ...(options.maxLiveSessions !== undefined ? { maxLiveSessions: options.maxLiveSessions } : {}),
    ...(options.summarizerTimeoutMs !== undefined ? { summarizerTimeoutMs: options.summarizerTimeoutMs } : {}),
    // Breakpoints change what is sent: only with a strategy that compacts, never in shadow mode.
    cacheBreakpoints:
      strategy === null || shadow || options.cacheBreakpoints === false
        ? "none"
        : (options.cacheBreakpoints ?? "compacted"),
    defaultSession: options.session,
    ...(gate ? { gate } : {}),
  });
}

/**
 * What a session cost and saved so far (`sessionId`, else the session the client's `defaultHeaders` name, else
 * the wrapper's `session`): calls, tokens, dollars spent, what the uncompacted history would have
 * cost, the realised saving (negative when compaction cost more, and then it says so), compactions.
 */
export async function sessionReport(wrappedClient: object, sessionId?: string): Promise<SessionSummary> {
  const runtime = runtimes.get(wrappedClient) ?? (installedHandler(wrappedClient) as Runtime | undefined);
  if (!runtime || typeof runtime.session !== "function") throw new InvalidOptionError("wrappedClient", "a client returned by withCompaction() or a compactorFetch()", wrappedClient);
  await runtime.flush();
  const state = await runtime.refresh(sessionId ?? defaultHeaderSession(wrappedClient) ?? runtime.defaultSession);
  return buildSessionReport(state);
}

/** The session an SDK client's own `defaultHeaders` name (its calls are tracked under it), if any. */
function defaultHeaderSession(client: object): string | undefined {
  const options = (client as { _options?: { defaultHeaders?: unknown } })._options;
  if (typeof options !== "object" || options === null || options.defaultHeaders === undefined) return undefined;
  return takeSessionHeader({ headers: options.defaultHeaders }).sessionId;
}
