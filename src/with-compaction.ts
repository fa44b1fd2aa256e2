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
import { wrapClient } from "./wrapper/index.js";
import type { Strategy, Summarizer, Trigger } from "../strategies/types.js";
import { defaultStrategy, guardedStrategy } from "../strategies/index.js";
import { createSdkSummarizer } from "../strategies/summarizer.js";
import { costOfCall, summarizerModelFor } from "./pricing/index.js";
import { buildSessionReport, type SessionSummary } from "./session/session-report.js";
import { type BudgetOption, gateFromOption } from "./budget/option.js";
import type { CallGate } from "./session/gate.js";

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
}

const runtimes = new WeakMap<object, Runtime>();

/**
 * Wraps an `Anthropic` or `OpenAI` client. The result has the client's own type and behaves the same, except
 * that what is sent may be compacted, and every call is priced and logged.
 *
 * ```ts
 * const client = withCompaction(new Anthropic(), { session: "task-42" });
 * ```
 */
export function withCompaction<Client extends object>(client: Client, options: CompactionOptions): Client {
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
  const gate = options.budget === undefined ? undefined : gateFromOption(options.budget);
  const sinks: EventSink[] = [];
  if (options.onEvent) sinks.push(options.onEvent);
  if (options.eventLog) sinks.push(jsonlFileSink(options.eventLog));
  if (options.diagnosticsChannel ?? true) sinks.push(diagnosticsChannelSink());

  const summarizerFor = (model: string): Summarizer | undefined => {
    if (summarizerOption === false) return undefined;
    if (typeof summarizerOption === "function") return summarizerOption;
    return createSdkSummarizer({
      client: client as never,
      model: summarizerModelFor(model) ?? model,
      price: (summaryModel, usage) => {
        const cost = costOfCall(summaryModel, usage);
        return cost.known ? cost.costUsd : null;
      },
    });
  };
  const guarded = guardedStrategy(options.strategy === undefined ? defaultStrategy() : options.strategy, options.trigger);
  const runtime = createRuntime({
    store: options.store ?? memoryStore(),
    strategy: guarded.strategy,
    trigger: guarded.trigger,
    emit: fanOut(sinks),
    summarizerFor,
    shadow: options.shadow ?? false,
    ...(options.summarizerWaitMs !== undefined ? { summarizerWaitMs: options.summarizerWaitMs } : {}),
    ...(options.summarizerTimeoutMs !== undefined ? { summarizerTimeoutMs: options.summarizerTimeoutMs } : {}),
    defaultSession: options.session,
    ...(gate ? { gate } : {}),
  });
  const wrapped = wrapClient(client, runtime, options.session);
  runtimes.set(wrapped, runtime);
  return wrapped;
}

/**
 * What a session cost and saved so far: calls, tokens, dollars spent, what the uncompacted history would have
 * cost, the realised saving (negative when compaction cost more, and then it says so), compactions.
 */
export async function sessionReport(wrappedClient: object, sessionId?: string): Promise<SessionSummary> {
  const runtime = runtimes.get(wrappedClient);
  if (!runtime) throw new InvalidOptionError("wrappedClient", "a client returned by withCompaction()", wrappedClient);
  await runtime.flush();
  const state = await runtime.session(sessionId ?? runtime.defaultSession);
  return buildSessionReport(state);
}
