/**
 * The session runtime: behind every wrapped client. Before a call it syncs the session's history with what the
 * agent sent, applies the active checkpoint, asks the trigger and strategy, checks invariants and builds the
 * request to send. After the call it prices it, computes what the uncompacted history would have cost, updates
 * the calibration, the ledger and the store, and emits events. Nothing here may break the user's call.
 *
 * @module
 */
import type { CompactorEvent } from "../events/types.js";
import type { SessionStore } from "../store/types.js";
import type { Message, ProviderFormat } from "../transcript/types.js";
import type { Strategy, Summarizer, Trigger } from "../../strategies/types.js";
import type {
  CallOutcome,
  OutgoingRequest,
  PreparedRequest,
  PromptSizes,
  RecallHooks,
  RequestHandler,
} from "../wrapper/contract.js";
import { recallHooks, type ResolvedRecallOptions, withRecall } from "./recall.js";
import { settleCall } from "./accounting.js";
import { applyCompaction, type CompactionPlan, planCompaction, requestCacheTtlMs } from "./compaction.js";
import { placeBreakpoints, scanCacheMarkers, stripCacheControl } from "./breakpoints.js";
import { bindingFor } from "./formats.js";
import {
  anthropicCompactionBeta,
  nativeCompactorFor,
  nativeRetryAfterMs,
  reportingFailures,
} from "./native-compaction.js";
import type { NativeCompactor } from "../../strategies/types.js";
import { isNativeCompactionMessage } from "../../strategies/native.js";
import { type CallGate, type GateTicket, isRefusal } from "./gate.js";
import type { CacheLayout } from "./shadow-cache.js";
import { enqueue, emptyTotals, type LiveSession, liveFrom } from "./live-session.js";
import { keepAlternate, takeAlternate } from "./alternates.js";
import { fromRawMessages, rawFromMessages } from "./conversion.js";
import { commonPrefix, rawMessageHashes } from "./raw-hash.js";
import { calibrationOf } from "./calibration-state.js";
import { validateConversation } from "../transcript/validate.js";
import { type TokenCounter, defaultTokenCounter } from "./token-counter.js";
import {
  onVersionConflict,
  persistInBackground,
  rebaseRecall,
  rebaseTotals,
  settledInBackground,
} from "../resilience/background.js";
import { boundedWait } from "../resilience/wait.js";
import { flushEventLogs } from "../events/sinks.js";
import { gateUnprepared } from "../resilience/unprepared.js";
import { gateSizes } from "../resilience/budget-estimate.js";
import { defaultMaxLiveSessions, LiveSessions } from "../resilience/live-sessions.js";
import { defaultStoreTimeoutMs, loadSession } from "../resilience/session-load.js";
import { adoptStored, defaultStoreCheckTimeoutMs, sessionSync } from "../resilience/shared-session.js";
import {
  compactWithin,
  defaultSummarizerTimeoutMs,
  defaultSummarizerWaitMs,
} from "../resilience/compaction-wait.js";

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  store: SessionStore;
  /** `null` records and prices calls without ever compacting. */
  strategy: Strategy | null;
  trigger: Trigger | null;
  emit: (event: CompactorEvent) => void;
  /** The summarizer for a session model, if any (memoised per model). */
  summarizerFor?: (model: string) => Summarizer | undefined;
  /** Session id of requests that name none. */
  defaultSession: string;
  /** Budget gate consulted before and after every call. */
  gate?: CallGate;
  /**
   * Anthropic cache breakpoints compactor places on what it sends: `"compacted"`, one at the end of a compacted
   * prefix (only once it has compacted); `"auto"`, that and, when a request carries none at all, the system
   * prompt and the last message; `"none"`.
   * @default "compacted"
   */
  cacheBreakpoints?: "compacted" | "auto" | "none";
  /** Measure only: run the strategy and log what it would save, but send the original request. */
  shadow?: boolean;
  /**
   * Reversible offload's recall round trip: the `compactor_recall` tool is added to every compactable request and
   * the wire core answers the model's recall calls. Ignored in shadow mode and without a strategy.
   * @default false
   */
  offload?: ResolvedRecallOptions | false;
  tokens?: TokenCounter;
  /** Clock, for tests. */
  now?: () => number;
  /**
   * Most idle sessions kept in memory (least recently used are dropped, and reloaded from the store when needed).
   * @default 1000, or the store's `maxSessions` when smaller
   */
  maxLiveSessions?: number;
  /**
   * Longest wait for a session to load from the store; then the call goes on in memory.
   * @default 1000
   */
  storeTimeoutMs?: number;
  /**
   * Longest a call waits to read its session's version from the store (to learn whether another process served
   * the session since this one last did); past it, the call goes on with this process's copy.
   * @default 250
   */
  storeCheckTimeoutMs?: number;
  /**
   * Longest a call waits for a compaction whose summary is being written; past it the call goes out without
   * this compaction, and the summary is applied on a later call.
   * @default 2000
   */
  summarizerWaitMs?: number;
  /**
   * Longest a summarizer call may run (in the background) before it is aborted and the extractive fallback used.
   * @default 60000
   */
  summarizerTimeoutMs?: number;
}

/** A request handler with access to its sessions. */
export interface Runtime extends RequestHandler {
  /** The live state of a session, loading it from the store if needed. */
  session(sessionId: string): Promise<LiveSession>;
  /**
   * The live state of a session, refreshed from the store first when another process has saved it since (a
   * bounded wait; on a slow or down store, this process's copy).
   */
  refresh(sessionId: string): Promise<LiveSession>;
  readonly defaultSession: string;
  /** Sessions held in memory now (at most `maxLiveSessions`, unless more have work pending). */
  liveSessions(): number;
  /**
   * Persists every session's pending changes, after the calls in flight have settled (their answers are still
   * arriving; waited for at most `inflightTimeoutMs`, 5 s by default).
   */
  flush(inflightTimeoutMs?: number): Promise<void>;
}

/** Creates the runtime behind a wrapped client. */
export function createRuntime(options: RuntimeOptions): Runtime {
  const tokens = options.tokens ?? defaultTokenCounter();
  const now = options.now ?? Date.now;
  const live = new LiveSessions(
    Math.min(
      options.maxLiveSessions ?? defaultMaxLiveSessions,
      options.store.maxSessions ?? Number.POSITIVE_INFINITY,
    ),
  );
  /** Calls prepared and not yet settled: each resolves when its call settles. */
  const inflight = new Set<Promise<void>>();
  const summarizers = new Map<string, Summarizer | undefined>();
  const summarizerFor = (model: string): Summarizer | undefined => {
    if (!options.summarizerFor) return undefined;
    if (!summarizers.has(model)) summarizers.set(model, options.summarizerFor(model));
    return summarizers.get(model);
  };

  /** Provider-native compaction that failed, by format and model: not offered again until the time given. */
  const nativeDown = new Map<string, number>();
  const nativeFor = (
    request: OutgoingRequest,
    model: string,
    lookup: () => Map<Message, unknown>,
  ): NativeCompactor | undefined => {
    if (options.shadow) return undefined;
    const key = `${request.format}\u0000${model}`;
    if ((nativeDown.get(key) ?? 0) > now()) return undefined;
    const compactor = nativeCompactorFor(request.format, request.params, request.provider, lookup);
    return compactor && reportingFailures(compactor, () => nativeDown.set(key, now() + nativeRetryAfterMs));
  };

  const reportError = (
    session: string,
    phase: Extract<CompactorEvent, { type: "error" }>["phase"],
    error: unknown,
    fallback?: string,
  ) => {
    options.emit({
      type: "error",
      session,
      time: now(),
      phase,
      message: error instanceof Error ? error.message : String(error),
      ...(fallback ? { fallback } : {}),
    });
  };

  const storeTimeoutMs = options.storeTimeoutMs ?? defaultStoreTimeoutMs;
  const sync = sessionSync(options.store, {
    checkTimeoutMs: options.storeCheckTimeoutMs ?? defaultStoreCheckTimeoutMs,
    loadTimeoutMs: storeTimeoutMs,
    report: (sessionId, error) => reportError(sessionId, "store", error, "continued-in-memory"),
  });
  /** Sessions loaded by the current call (no need to check their version again). */
  const fresh = new WeakSet<LiveSession>();

  /** The session, up to date with the store (another process may have served it since this one did). */
  const current = async (sessionId: string, signal?: AbortSignal): Promise<LiveSession> => {
    const state = await session(sessionId);
    if (fresh.has(state)) {
      fresh.delete(state);
      return state;
    }
    const newer = await sync.newer(state, signal);
    if (newer)
      await enqueue(state, async () => adoptStored(state, newer, (message) => tokens.countMessage(message)));
    return state;
  };

  /**
   * A save was refused because another process saved the session since this copy's version (two calls at the
   * same instant): reload it and merge this copy's unsaved calls into it (resilience/shared-session); the save
   * loop then saves again. The reload waits at most `storeTimeoutMs`.
   */
  const resolveConflict = async (state: LiveSession): Promise<void> => {
    const record = await boundedWait(
      options.store.load(state.id),
      `reloading session "${state.id}" from the ${options.store.name} store after another process saved it`,
      storeTimeoutMs,
    );
    await enqueue(state, async () => {
      if (record) {
        adoptStored(state, record, (message) => tokens.countMessage(message), true);
        return;
      }
      // The store no longer holds the session (deleted, or lost with a restart): this copy is written whole,
      // its totals as they are (the next save's delta is all of them).
      rebaseTotals(state, emptyTotals());
      rebaseRecall(state, undefined);
      state.storedVersion = 0;
      state.dirtyFrom = 0;
    });
  };

  const session = (sessionId: string): Promise<LiveSession> => {
    let existing = live.get(sessionId);
    if (!existing) {
      existing = loadSession(
        options.store,
        sessionId,
        storeTimeoutMs,
        (record) => {
          const state = liveFrom(sessionId, record, (message) => tokens.countMessage(message));
          fresh.add(state);
          onVersionConflict(state, resolveConflict);
          return state;
        },
        (error) => reportError(sessionId, "store", error, "continued-in-memory"),
      );
      live.set(sessionId, existing);
    }
    return existing;
  };

  async function prepareIn(state: LiveSession, request: OutgoingRequest): Promise<PreparedRequest> {
    const binding = bindingFor(request.format);
    const started = now();
    const raw = fullMessages(state, request, binding.messages(request.params));
    const requestedModel =
      typeof request.params.model === "string"
        ? request.params.model
        : (request.model ?? state.meta.model ?? "unknown");
    state.meta.provider = request.format;
    state.meta.model = requestedModel;

    // 1. Sync the history with what the agent sent; only new messages are converted and counted.
    let sentRaw = raw;
    /** The raw messages added since the last call, when it only appended (for the budget's bound). */
    let appended: unknown[] | undefined;
    if (raw) {
      // Messages that are the very objects of the last request keep their hashes (one comparison each);
      // only the rest are hashed, and compared with the history's hashes.
      const lastRaw = state.lastRaw;
      const known = state.historyHashes;
      const same =
        lastRaw === undefined
          ? 0
          : identicalPrefix(raw, lastRaw, Math.min(raw.length, lastRaw.length, known.length));
      const rest = rawMessageHashes(raw.slice(same), undefined, []);
      const common = same + commonPrefix(known.length > same ? known.slice(same) : [], rest);
      if (options.gate && lastRaw !== undefined && common === known.length) appended = raw.slice(common);
      if (common < raw.length || common < known.length) {
        const added = fromRawMessages(request.format, request.params, raw.slice(common));
        state.history.length = common;
        state.historyHashes.length = common;
        state.historyTokens.length = common;
        for (let index = 0; index < added.length; index++) {
          const message = added[index] as Message;
          state.history.push(message);
          state.historyHashes.push(rest[common - same + index] as string);
          state.historyTokens.push(tokens.countMessage(message));
        }
        state.dirtyFrom = Math.min(state.dirtyFrom ?? common, common);
        state.shadowDirtyFrom = Math.min(state.shadowDirtyFrom ?? common, common);
        state.historySumDirtyFrom = Math.min(state.historySumDirtyFrom ?? common, common);
      }
      if (lastRaw !== undefined && lastRaw.length >= same) {
        lastRaw.length = same;
        for (let index = same; index < raw.length; index++) lastRaw.push(raw[index]);
      } else {
        state.lastRaw = raw.slice();
      }
      const checkpoint = state.meta.checkpoint;
      if (checkpoint && (checkpoint.covered > common || checkpoint.covered > state.history.length)) {
        // The request rewrote history inside the checkpoint (another conversation of the session, or the agent's
        // own rewrite): it no longer holds here; it is kept for its conversation, and one kept for this one is
        // taken up again (alternates.ts).
        keepAlternate(state.meta, checkpoint);
        delete state.meta.checkpoint;
        state.rawReplacement = undefined;
      }
      if (!state.meta.checkpoint && state.meta.alternateCheckpoints && common < raw.length) {
        const resumed = takeAlternate(state.meta, state.historyHashes);
        if (resumed) state.meta.checkpoint = resumed;
      }
    }

    // 2. The budget gate: it may refuse the call, route it to another model, or ask for harder compaction.
    let ticket: GateTicket | undefined;
    let model = requestedModel;
    if (options.gate) {
      const full = estimateSent(state, tokens, binding.fixedParts(request.params), false, historySum(state));
      try {
        ticket = await options.gate.before({
          sessionId: state.id,
          format: request.format,
          model: requestedModel,
          ...gateSizes({
            state,
            format: request.format,
            params: request.params,
            calibrated: Math.round(calibrationOf(state).predict(full.fixed + full.messages)),
            appended,
            maxOutputTokens: maxOutputOf(request.params).maxOutputTokens,
            now: started,
            shadow: options.shadow ?? false,
          }),
          ...maxOutputOf(request.params),
          now: started,
          emit: options.emit,
        });
      } catch (error) {
        if (isRefusal(error)) return { params: request.params, refuse: error, settle: async () => {} };
        reportError(state.id, "budget", error, "sent-unbudgeted");
      }
      if (ticket?.model && ticket.model !== requestedModel) model = ticket.model;
    }

    // 3. Decide on a compaction, unless the request must go as it is.
    const blocked = raw ? binding.notCompactable(request.params) : "the request has no message list";
    let plan: CompactionPlan | undefined;
    /** Set when this call made a checkpoint and the store is shared: see `PreparedRequest.checkpointStored`. */
    let checkpointStored: ((signal?: AbortSignal | null) => Promise<void>) | undefined;
    if (!blocked && raw && options.strategy && options.trigger) {
      const { strategy, trigger } = options;
      try {
        // The summarizer's wait is bounded; a slow summary is applied on a later call (resilience/compaction-wait).
        plan = await compactWithin({
          state,
          // Shadow mode measures; it never pays for a summary (the strategy's extractive fallback stands in).
          summarizer: options.shadow ? undefined : summarizerFor(model),
          plan: (summarizer, view) =>
            planCompaction({
              state: view,
              calibration: calibrationOf(state),
              format: request.format,
              model,
              fixedEstimate: binding
                .fixedParts(request.params)
                .reduce<number>((sum, part) => sum + tokens.countRaw(part), 0),
              strategy,
              trigger,
              tokens,
              now: started,
              summarizer,
              native: nativeFor(request, model, () => rawLookup(state, raw)),
              requestTtlMs: requestCacheTtlMs(request.format, request.params),
              ...(ticket?.pressure ? { pressure: ticket.pressure } : {}),
            }),
          applies: !options.shadow,
          waitMs: options.summarizerWaitMs ?? defaultSummarizerWaitMs,
          timeoutMs: options.summarizerTimeoutMs ?? defaultSummarizerTimeoutMs,
          signal: request.signal,
          gate: options.gate,
          emit: options.emit,
          now,
        });
      } catch (error) {
        reportError(state.id, "strategy", error, "sent-original");
      }
    }
    if (plan && plan.violations.length === 0) {
      // compactor does not repair an agent's invalid request: cutting away an orphan tool result would make
      // a call succeed that fails unwrapped. The request goes out as written, and fails as it would.
      const invalid = validateConversation({ format: request.format, messages: state.history });
      if (invalid.length > 0) {
        options.emit({
          type: "error",
          session: state.id,
          time: now(),
          phase: "invariant",
          message: `the agent's request is itself invalid (${invalid[0]?.message ?? "structure"}); compactor does not repair requests, so it was sent as written`,
          violations: invalid.map((violation) => ({
            code: violation.code,
            message: violation.message,
            ...(violation.messageIndex !== undefined ? { messageIndex: violation.messageIndex } : {}),
          })),
          fallback: "sent-original",
        });
        plan = undefined;
      }
    }
    if (plan) {
      if (plan.violations.length > 0) {
        // A summary or a provider's compaction that was paid for and then discarded is still spend.
        if (!options.shadow && plan.summarizerCostUsd)
          state.meta.totals.summarizerCostUsd += plan.summarizerCostUsd;
        options.emit({
          type: "error",
          session: state.id,
          time: now(),
          phase: "invariant",
          message: `strategy "${plan.strategy}" produced an invalid request; the original was sent`,
          violations: plan.violations,
          fallback: "sent-original",
        });
      } else if (!options.shadow) {
        applyCompaction(state, plan);
        // Saved now, while the call is out: a process serving the session's next call reuses this checkpoint.
        const saving = persistInBackground(state, options.store, (error) =>
          reportError(state.id, "store", error, "continued-in-memory"),
        );
        // A store other processes read: the answer waits for the save (it has usually landed by then), so that
        // the session's next call, wherever it goes, finds this checkpoint instead of compacting again.
        if (options.store.name !== "memory") {
          checkpointStored = (signal) =>
            boundedWait(
              saving,
              `saving the checkpoint of session "${state.id}" to the ${options.store.name} store`,
              storeTimeoutMs,
              signal ?? undefined,
            ).catch(() => {});
        }
      } else {
        shadowCheckpoint(state, plan);
      }
      if (plan.violations.length === 0) options.emit(plan.event(state.id, now()));
    }

    // 4. Build what is sent: the checkpoint's replacement (same bytes every call) plus the agent's own tail.
    const checkpoint = state.meta.checkpoint;
    let params = request.params;
    let replacementLength = 0;
    const compacted = Boolean(raw && checkpoint && !blocked && !options.shadow);
    if (raw && checkpoint && compacted) {
      if (state.rawReplacement?.checkpointId !== checkpoint.id) {
        const messages = rawFromMessages(
          request.format,
          request.params,
          stripCacheControl(checkpoint.replacement),
        );
        state.rawReplacement = {
          checkpointId: checkpoint.id,
          messages,
          tokens: checkpoint.replacement.map((message) => tokens.countMessage(message)),
          native: checkpoint.replacement.some(isNativeCompactionMessage),
        };
      }
      replacementLength = state.rawReplacement.messages.length;
      sentRaw = [...state.rawReplacement.messages, ...raw.slice(checkpoint.covered)];
      params = binding.withMessages(request.params, sentRaw);
    }
    if (model !== requestedModel) params = { ...params, model };
    if (
      request.format === "anthropic" &&
      raw &&
      !blocked &&
      !options.shadow &&
      (options.cacheBreakpoints ?? "compacted") !== "none" &&
      (replacementLength > 0 || options.cacheBreakpoints === "auto")
    ) {
      params = placeBreakpoints(
        params,
        (params.messages as unknown[]) ?? [],
        replacementLength,
        options.cacheBreakpoints === "auto",
      );
    }

    // 5. Recall (offload on): the tool on every compactable request from the session's first call, so the
    // tools block never changes, and earlier hidden exchanges put back before the replies they led to.
    let recall: RecallHooks | undefined;
    const compactedView = Boolean(raw && checkpoint && !blocked && !options.shadow);
    let recallBilled: { usd: number | null; tokens: number } | undefined;
    if (options.offload && options.strategy && raw && !blocked && !options.shadow) {
      params = withRecall(state, request.format, params);
      recall = recallHooks({
        session: state,
        format: request.format,
        model,
        stream: request.stream,
        options: options.offload,
        emit: options.emit,
        now,
        estimatePromptTokens: () => {
          const sent = estimateSent(
            state,
            tokens,
            binding.fixedParts(request.params),
            compactedView,
            historySum(state),
          );
          return calibrationOf(state).predict(sent.fixed + sent.messages);
        },
        bill: (billed) => {
          recallBilled = {
            usd:
              billed.usd === null || recallBilled?.usd === null
                ? null
                : (recallBilled?.usd ?? 0) + billed.usd,
            tokens: (recallBilled?.tokens ?? 0) + billed.tokens,
          };
        },
      });
    }

    const fixedParts = binding.fixedParts(request.params);
    const fullSum = historySum(state);
    const sentTokens = estimateSent(state, tokens, fixedParts, compacted, fullSum);
    const fullTokens = estimateSent(state, tokens, fixedParts, false, fullSum);
    let settled = false;
    let markSettled: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      markSettled = resolve;
    });
    inflight.add(done);
    state.lastCall = done;
    void done.then(() => inflight.delete(done));
    // A checkpoint holding Anthropic's compaction block is sent with the beta that reads it.
    const betas =
      compacted && request.format === "anthropic" && state.rawReplacement?.native === true
        ? [anthropicCompactionBeta]
        : undefined;
    return {
      params,
      ...(compacted && raw
        ? { promptSizes: promptSizesOf(tokens, binding, request.params, raw, params, listSumsOf(state)) }
        : {}),
      ...(recall ? { recall } : {}),
      ...(betas ? { betas } : {}),
      ...(checkpointStored ? { checkpointStored } : {}),
      settle: async (outcome: CallOutcome) => {
        if (settled) return;
        settled = true;
        markSettled();
        try {
          // The gate settles inside the session's queue (its ledger waits are bounded by the gate's timeout);
          // the store saves in the background.
          await enqueue(state, async () => {
            const billed = await settleCall({
              state,
              store: options.store,
              format: request.format,
              model,
              stream: request.stream,
              outcome,
              sentEstimate: sentTokens,
              fullEstimate: fullTokens,
              compacted,
              caching: cacheLayoutOf(request.format, params),
              emit: options.emit,
              now: now(),
              reportError: (phase, error, fallback) => reportError(state.id, phase, error, fallback),
            });
            const total =
              billed && recallBilled
                ? {
                    usd:
                      billed.usd === null || recallBilled.usd === null ? null : billed.usd + recallBilled.usd,
                    tokens: billed.tokens + recallBilled.tokens,
                  }
                : (billed ?? recallBilled);
            if (ticket) await (total ? ticket.settle(total) : ticket.release());
          });
        } catch (error) {
          reportError(state.id, ticket ? "budget" : "store", error);
        }
      },
    };
  }

  return {
    defaultSession: options.defaultSession,
    session,
    liveSessions: () => live.size,
    refresh: (sessionId) => current(sessionId),
    async prepare(request: OutgoingRequest): Promise<PreparedRequest> {
      try {
        const state = await current(request.sessionId, request.signal);
        // A thread (or a Responses chain) continues from the previous reply: wait (briefly) until that call is recorded.
        if (continuesThread(request) && state.lastCall) await settledOrTimeout(state.lastCall, 2_000);
        return await enqueue(state, () => prepareIn(state, request));
      } catch (error) {
        reportError(request.sessionId, "strategy", error, "sent-original");
        // Sent as it is, but still within the budget (resilience/unprepared).
        return gateUnprepared(options.gate, request, options.emit);
      }
    },
    async flush(inflightTimeoutMs = 5_000) {
      if (inflight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, inflightTimeoutMs);
          timer.unref?.();
        });
        await Promise.race([Promise.all([...inflight]), timeout]);
        clearTimeout(timer);
      }
      await Promise.all(
        [...live.values()].map(async (pending) => {
          const state = await pending;
          await state.queue;
          await settledInBackground(state);
        }),
      );
      await flushEventLogs();
    },
  };
}

/** The raw form of each message of the session's view: the agent's own (`raw`) and the checkpoint's replacement. */
function rawLookup(state: LiveSession, raw: readonly unknown[]): Map<Message, unknown> {
  const map = new Map<Message, unknown>();
  state.history.forEach((message, index) => {
    if (index < raw.length) map.set(message, raw[index]);
  });
  const replacement = state.meta.checkpoint?.replacement;
  const rawReplacement = state.rawReplacement;
  if (
    replacement &&
    rawReplacement?.checkpointId === state.meta.checkpoint?.id &&
    rawReplacement?.messages.length === replacement.length
  ) {
    replacement.forEach((message, index) => {
      map.set(message, rawReplacement.messages[index]);
    });
  }
  return map;
}

/** How many leading entries of `left` and `right` are the very same objects (a small loop the JIT optimises). */
function identicalPrefix(left: readonly unknown[], right: readonly unknown[], limit: number): number {
  let index = 0;
  while (index < limit && left[index] === right[index]) index++;
  return index;
}

/**
 * True for a request whose messages are only a delta on a server-held conversation: an Anthropic SDK 1.x Threads
 * `continue`, or an OpenAI Responses call chained with `previous_response_id`.
 */
function continuesThread(request: OutgoingRequest): boolean {
  if (request.format === "openai-responses") return typeof request.params.previous_response_id === "string";
  if (request.format !== "anthropic") return false;
  const thread = request.params.thread;
  return typeof thread === "object" && thread !== null && (thread as { type?: unknown }).type === "continue";
}

async function settledOrTimeout(pending: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([pending, timeout]);
  clearTimeout(timer);
}

/**
 * The request's whole conversation. A thread `continue` (or a chained Responses call) sends only what the server lacks: the history the session
 * already holds (the last request's messages and the reply the server stored) comes first.
 */
function fullMessages(
  state: LiveSession,
  request: OutgoingRequest,
  raw: unknown[] | undefined,
): unknown[] | undefined {
  if (raw === undefined || !continuesThread(request)) return raw;
  const base = state.lastRaw ?? rawFromMessages(request.format, request.params, state.history);
  const reply = state.meta.lastResponse
    ? rawFromMessages(request.format, request.params, [state.meta.lastResponse])
    : [];
  return [...base, ...reply, ...raw];
}

/**
 * Shadow mode: the would-be checkpoint becomes the session's, exactly as live mode would make it, so later calls
 * plan on the view live mode would send (and do not count the same saving again on every call); the request
 * still goes out as written and the report's totals count no compaction.
 */
function shadowCheckpoint(state: LiveSession, plan: CompactionPlan): void {
  const previous = state.meta.checkpoint;
  if (previous) {
    const { replacement: _replacement, ...rest } = previous;
    state.meta.pastCheckpoints.push(rest);
  }
  state.meta.checkpoint = plan.checkpoint;
  state.rawReplacement = undefined;
}

/** The request's output cap, for the budget's reservation. */
function maxOutputOf(params: Record<string, unknown>): { maxOutputTokens?: number } {
  for (const key of ["max_tokens", "max_completion_tokens", "max_output_tokens"]) {
    const value = params[key];
    if (typeof value === "number" && value > 0) return { maxOutputTokens: value };
  }
  return {};
}

/**
 * Where a request caches, so the counterfactual caches the same way: OpenAI caches every prompt; Anthropic
 * caches at its breakpoints, on the system prompt and tools and/or at the end of the conversation.
 */
function cacheLayoutOf(format: ProviderFormat, params: Record<string, unknown>): CacheLayout {
  if (format !== "anthropic") return { fixed: true, messages: true, ttl: "5m" };
  const messages = Array.isArray(params.messages) ? params.messages : [];
  const fixed = scanCacheMarkers(params.system, params.tools);
  const tail = scanCacheMarkers({ cache_control: params.cache_control }, messages.at(-1), messages.at(-2));
  return {
    fixed: fixed.any,
    messages: params.cache_control !== undefined || tail.any,
    ttl: fixed.hour || tail.hour ? "1h" : "5m",
  };
}

/** Counts of string fixed parts (system prompts, `instructions`) by text, per counter: a few per agent, reused. */
const stringCountsOf = new WeakMap<TokenCounter, Map<string, number>>();
const maxStringCounts = 64;

function stringTokens(tokens: TokenCounter, text: string): number {
  let stringCounts = stringCountsOf.get(tokens);
  if (stringCounts === undefined) {
    stringCounts = new Map();
    stringCountsOf.set(tokens, stringCounts);
  }
  let count = stringCounts.get(text);
  if (count === undefined) {
    count = tokens.countRaw(text);
    if (stringCounts.size >= maxStringCounts) stringCounts.delete(stringCounts.keys().next().value as string);
    stringCounts.set(text, count);
  }
  return count;
}

/**
 * Running sums of `countRaw` over a message list, index by index, with the list they were taken over (a copy):
 * a later list that starts with the very same objects reuses the sums of that prefix and counts only the rest.
 */
interface ListSums {
  items: unknown[];
  sums: number[];
}

/** A session's {@link ListSums}: of the agent's messages and of the messages sent. */
const listSums = new WeakMap<LiveSession, { agent: { last?: ListSums }; sent: { last?: ListSums } }>();

function listSumsOf(state: LiveSession): { agent: { last?: ListSums }; sent: { last?: ListSums } } {
  let sums = listSums.get(state);
  if (sums === undefined) {
    sums = { agent: {}, sent: {} };
    listSums.set(state, sums);
  }
  return sums;
}

/**
 * Sum of `countRaw` over `messages`: the sums of the longest prefix that is the very same objects as the last list
 * (a pointer comparison each), then a count of each message after it. Counts are whole numbers, so the sum equals
 * the one taken message by message from the start.
 */
function messagesTokens(tokens: TokenCounter, memo: { last?: ListSums }, messages: readonly unknown[]): number {
  const last = memo.last;
  let same = 0;
  if (last !== undefined) {
    const limit = Math.min(last.items.length, messages.length);
    while (same < limit && last.items[same] === messages[same]) same++;
  }
  const items = last?.items ?? [];
  const sums = last?.sums ?? [];
  items.length = same;
  sums.length = same;
  let running = same > 0 ? (sums[same - 1] as number) : 0;
  for (let index = same; index < messages.length; index++) {
    const message = messages[index];
    running += tokens.countRaw(message);
    items.push(message);
    sums.push(running);
  }
  memo.last = { items, sums };
  return running;
}

/**
 * The sizes of the agent's request and of the one sent, in o200k tokens of their JSON parts, counted when asked.
 * `countRaw` remembers each part by object, and unchanged messages are the same objects from call to call (the
 * caller's own, or the proxy's incremental parse), so a session's messages are counted once each, not per call;
 * the messages' sums are kept per session (`sums`), so a call reads only the messages after the part its lists
 * share with the last ones.
 */
function promptSizesOf(
  tokens: TokenCounter,
  binding: ReturnType<typeof bindingFor>,
  agentParams: Record<string, unknown>,
  agentMessages: readonly unknown[],
  sentParams: Record<string, unknown>,
  sums: { agent: { last?: ListSums }; sent: { last?: ListSums } },
): () => PromptSizes {
  const size = (fixed: readonly unknown[], memo: { last?: ListSums }, messages: readonly unknown[]) => {
    let total = 0;
    // Element by element: a list rebuilt around the same elements (tools with the recall tool added, a system
    // prompt with a breakpoint) still finds its elements' counts. A string (a system prompt, `instructions`) is
    // remembered by its text.
    for (const part of fixed) {
      if (Array.isArray(part)) for (const element of part) total += tokens.countRaw(element);
      else total += typeof part === "string" ? stringTokens(tokens, part) : tokens.countRaw(part);
    }
    return total + messagesTokens(tokens, memo, messages);
  };
  return () => ({
    agent: size(binding.fixedParts(agentParams), sums.agent, agentMessages),
    sent: size(binding.fixedParts(sentParams), sums.sent, binding.messages(sentParams) ?? []),
  });
}

/** Estimated (uncalibrated) prompt tokens of what is sent: fixed parts plus the view. */
function estimateSent(
  state: LiveSession,
  tokens: TokenCounter,
  fixedParts: readonly unknown[],
  compacted: boolean,
  fullMessages: number,
): { fixed: number; messages: number } {
  const fixed = fixedParts.reduce<number>((sum, part) => sum + tokens.countRaw(part), 0);
  let messages = 0;
  const checkpoint = state.meta.checkpoint;
  if (compacted && checkpoint && state.rawReplacement) {
    for (const count of state.rawReplacement.tokens) messages += count;
    for (let index = checkpoint.covered; index < state.historyTokens.length; index++)
      messages += state.historyTokens[index] ?? 0;
  } else {
    messages = fullMessages;
  }
  return { fixed, messages };
}

/**
 * Estimated tokens of the whole history. Kept as a running sum on the session and updated from the first
 * message that changed since the last call (whole counts: the sum is exact in any order).
 */
function historySum(state: LiveSession): number {
  const counts = state.historyTokens;
  let sum = state.historySum;
  if (sum === undefined || sum.hashes !== state.historyHashes) {
    sum = { hashes: state.historyHashes, prefix: [] };
    state.historySum = sum;
  }
  const prefix = sum.prefix;
  let from = Math.min(state.historySumDirtyFrom ?? prefix.length, prefix.length, counts.length);
  delete state.historySumDirtyFrom;
  // Cheap consistency check on the last kept count, else recount from scratch.
  if (from > 0 && prefix.length === counts.length && from === prefix.length) {
    const before = from > 1 ? (prefix[from - 2] as number) : 0;
    if ((prefix[from - 1] as number) - before !== counts[from - 1]) from = 0;
  }
  prefix.length = from;
  let running = from > 0 ? (prefix[from - 1] as number) : 0;
  for (let index = from; index < counts.length; index++) {
    running += counts[index] ?? 0;
    prefix.push(running);
  }
  return running;
}

export type { ProviderFormat };
