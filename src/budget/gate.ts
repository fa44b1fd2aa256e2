/**
 * `budgetGate`: budgets on the wrapped client. Before a call it reserves the call's estimated cost on the
 * session's and team's limits and applies the configured actions (warn, compact harder, downgrade to the
 * cheaper sibling model, refuse); after the call the runtime settles the real cost on the ticket.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import type { BudgetEvent, CompactorEvent } from "../events/types.js";
import { cheaperSibling } from "../pricing/index.js";
import { type CallGate, type GateRequest, type GateTicket, markRefusal } from "../session/gate.js";
import {
  type BudgetAction,
  type LimitShare,
  actionsAt,
  mostPressing,
  pressureOf,
  refusedShare,
  shareOfUsage,
} from "./actions.js";
import { BudgetExceededError } from "./errors.js";
import { type CallEstimate, estimateCall } from "./estimate.js";
import { type EventContext, failoverLedger } from "./failover.js";
import { type BudgetGateOptions, checkGateOptions } from "./gate-options.js";
import type { BudgetLimit, ReserveResult } from "./types.js";

export type { BudgetGateOptions } from "./gate-options.js";

/** A {@link CallGate} that enforces budgets, with a view of its ledger's health. */
export interface BudgetGate extends CallGate {
  /** True while the shared ledger is unreachable (fail-open then counts in memory). */
  readonly degraded: boolean;
  /** Settled calls the shared ledger has not seen yet (made while it was unreachable). */
  readonly pendingReplays: number;
  /**
   * Replays pending settlements into the shared ledger now; true when none is left. The next call does it
   * anyway (at most every `probeIntervalMs`).
   * @param emit - receives the `reconcile` budget events and any error event.
   */
  reconcile(emit?: (event: CompactorEvent) => void): Promise<boolean>;
  /**
   * Counts spend made outside a gated call (a summarizer call) against the session's limits, without refusing:
   * it already happened. `usd` null (unknown price) counts tokens only.
   */
  recordSpend(
    sessionId: string,
    model: string,
    amount: { usd: number | null; tokens: number },
    emit?: (event: CompactorEvent) => void,
  ): Promise<void>;
}

interface Attempt {
  model: string;
  estimate: CallEstimate;
  reservationId: string;
  result: ReserveResult;
  pressing: LimitShare | undefined;
}

/** Creates a budget gate; pass it to `createRuntime({ gate })`, or use the `budget` option of `withCompaction`. */
export function budgetGate(options: BudgetGateOptions): BudgetGate {
  const config = checkGateOptions(options);
  const failover = failoverLedger({
    shared: config.ledger,
    failMode: config.failMode,
    timeoutMs: config.timeoutMs,
    probeIntervalMs: config.probeIntervalMs,
    localLedger: config.localLedger,
    now: config.now,
  });
  const announced = new Set<string>();
  const unpriced = new Set<string>();

  const once = (key: string): boolean => {
    if (announced.has(key)) return false;
    if (announced.size > 10_000) announced.clear();
    announced.add(key);
    return true;
  };
  const event = (
    request: GateRequest,
    share: LimitShare,
    action: BudgetEvent["action"],
    message: string,
    extra = {},
  ) => {
    const { usage } = share;
    request.emit({
      type: "budget",
      session: request.sessionId,
      time: config.now(),
      budget: usage.limitId,
      action,
      spentUsd: usage.spentUsd,
      ...(usage.limitUsd === null ? {} : { limitUsd: usage.limitUsd }),
      spentTokens: usage.spentTokens,
      ...(usage.limitTokens === null ? {} : { limitTokens: usage.limitTokens }),
      ...extra,
      message,
    });
  };

  const attempt = async (
    request: GateRequest,
    limits: readonly BudgetLimit[],
    model: string,
    context: EventContext,
  ): Promise<Attempt> => {
    let estimate = estimateCall({
      model,
      promptTokens: request.promptTokens,
      maxOutputTokens: request.maxOutputTokens,
      defaultOutputTokens: config.defaultOutputTokens,
      promptMargin: config.promptMargin,
      price: config.price,
    });
    if (!estimate.priced && !unpriced.has(model)) {
      unpriced.add(model);
      request.emit({
        type: "error",
        session: request.sessionId,
        time: config.now(),
        phase: "budget",
        message: `No price is known for model "${model}": its calls count against token limits only`,
      });
    }
    let reservationId = `${request.sessionId}:${randomUUID()}`;
    let result = await failover.reserve(
      limits,
      { usd: estimate.usd, tokens: estimate.tokens },
      reservationId,
      context,
    );
    // Near a limit, the upper bound (a cold cache, the full output cap) may not fit where the expected cost
    // does: reserve that instead. A call can then pass the limit by what it costs beyond its expectation.
    if (!result.ok && request.expected) {
      const expected = estimateCall({
        model,
        promptTokens: request.expected.promptTokens,
        cachedPromptTokens: request.expected.cachedPromptTokens,
        maxOutputTokens: request.expected.outputTokens,
        defaultOutputTokens: config.defaultOutputTokens,
        promptMargin: config.promptMargin,
        price: config.price,
      });
      if (expected.usd < estimate.usd || expected.tokens < estimate.tokens) {
        const retryId = `${request.sessionId}:${randomUUID()}`;
        const retry = await failover.reserve(
          limits,
          { usd: expected.usd, tokens: expected.tokens },
          retryId,
          context,
        );
        if (retry.ok) {
          reservationId = retryId;
          result = retry;
          estimate = expected;
        }
      }
    }
    const pressing = result.ok ? mostPressing(result.limits) : refusedShare(result);
    return { model, estimate, reservationId, result, pressing };
  };

  return {
    get degraded() {
      return failover.degraded;
    },
    get pendingReplays() {
      return failover.pendingReplays;
    },
    reconcile: (emit) => failover.reconcile({ session: "(reconcile)", emit: emit ?? (() => {}) }),
    async recordSpend(sessionId, _model, amount, emit) {
      const limits = config.limitsFor(sessionId);
      const spent = { usd: Math.max(0, amount.usd ?? 0), tokens: Math.max(0, Math.round(amount.tokens)) };
      if (spent.usd === 0 && spent.tokens === 0) return;
      await failover.record(limits, spent, `${sessionId}:spend:${randomUUID()}`, {
        session: sessionId,
        emit: emit ?? (() => {}),
      });
    },
    async before(request: GateRequest): Promise<GateTicket> {
      const limits = config.limitsFor(request.sessionId);
      const context: EventContext = { session: request.sessionId, emit: request.emit };
      let current = await attempt(request, limits, request.model, context);
      /** The share on the model asked for: what a downgrade message reports (the cheaper model's is lower). */
      const asked = current.pressing;
      let steps = 0;
      let applicable: BudgetAction[] = [];
      let refuse = false;
      for (;;) {
        const share = current.pressing?.share ?? 0;
        applicable = actionsAt(config.actions, share);
        refuse = !current.result.ok || applicable.some((entry) => entry.action === "refuse");
        const downgrades = applicable.filter((entry) => entry.action === "downgrade").length;
        const sibling = downgrades > steps ? cheaperSibling(current.model) : undefined;
        if (!sibling) break;
        if (current.result.ok) await failover.release(current.reservationId);
        steps++;
        current = await attempt(request, limits, sibling, context);
      }
      const pressing = current.pressing;
      if (refuse && pressing) {
        if (current.result.ok) await failover.release(current.reservationId);
        const { usage } = pressing;
        const error = new BudgetExceededError({
          limitId: usage.limitId,
          exceeded: current.result.ok ? "threshold" : current.result.exceeded,
          spentUsd: usage.spentUsd,
          reservedUsd: current.result.ok
            ? Math.max(0, usage.reservedUsd - current.estimate.usd)
            : usage.reservedUsd,
          limitUsd: usage.limitUsd,
          spentTokens: usage.spentTokens,
          reservedTokens: current.result.ok
            ? Math.max(0, usage.reservedTokens - current.estimate.tokens)
            : usage.reservedTokens,
          limitTokens: usage.limitTokens,
          requestedUsd: current.estimate.usd,
          requestedTokens: current.estimate.tokens,
          share: pressing.share,
        });
        event(request, pressing, "refuse", error.message);
        throw markRefusal(error);
      }
      if (current.result.ok) {
        for (const usage of current.result.limits) {
          const share = shareOfUsage(usage);
          for (const entry of actionsAt(config.actions, share.share)) {
            if (entry.action !== "warn" && entry.action !== "compact") continue;
            if (!once(`${entry.action}|${usage.limitId}|${usage.windowStart}|${entry.at}`)) continue;
            const percent = (share.share * 100).toFixed(1);
            const message =
              entry.action === "warn"
                ? `Budget "${usage.limitId}" is at ${percent}% of its limit (spent, reserved and this call)`
                : `Budget "${usage.limitId}" is at ${percent}% of its limit: compacting harder`;
            event(request, share, entry.action, message);
          }
        }
      }
      if (current.model !== request.model && pressing) {
        const reached = asked ?? pressing;
        const threshold = config.actions
          .filter((entry) => entry.action === "downgrade" && entry.at <= reached.share)
          .reduce((most, entry) => Math.max(most, entry.at), 0);
        event(
          request,
          reached,
          "downgrade",
          `Budget "${reached.usage.limitId}" is at ${(reached.share * 100).toFixed(1)}% with this call on ${request.model} (downgrade from ${(threshold * 100).toFixed(0)}%): sending ${current.model} instead, at ${(pressing.share * 100).toFixed(1)}%`,
          {
            fromModel: request.model,
            toModel: current.model,
          },
        );
      }
      const share = pressing?.share ?? 0;
      const pressure = applicable.reduce(
        (most, entry) => (entry.action === "compact" ? Math.max(most, pressureOf(entry, share)) : most),
        0,
      );
      const { reservationId } = current;
      let done = false;
      return {
        ...(current.model === request.model ? {} : { model: current.model }),
        ...(pressure > 0 ? { pressure } : {}),
        async settle(actual) {
          if (done) return;
          done = true;
          await failover.settle(
            reservationId,
            { usd: actual.usd ?? 0, tokens: Math.max(0, Math.round(actual.tokens)) },
            context,
          );
        },
        async release() {
          if (done) return;
          done = true;
          await failover.release(reservationId);
        },
      };
    },
  };
}
