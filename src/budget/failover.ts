/**
 * A shared budget ledger with a fallback. While the shared ledger (Redis) answers, every reservation and
 * settlement goes to it. When it fails or is slow: fail-open counts in a local in-memory ledger (seeded with the
 * last spend seen, so limits still roughly hold) and keeps each settled amount; fail-closed refuses. Either way
 * a settlement that could not reach the shared ledger is kept, and replayed (reconciled) once it answers again,
 * so no spend is lost or counted twice (replays are idempotent by reservation id).
 *
 * @module
 */
import type { CompactorEvent } from "../events/types.js";
import { markRefusal } from "../session/gate.js";
import { BudgetUnavailableError } from "./errors.js";
import { windowAt } from "./internal/window.js";
import type { BudgetAmount, BudgetLedger, BudgetLimit, LimitUsage, ReserveResult } from "./types.js";

/** Where events go, and the session they are about. */
export interface EventContext {
  session: string;
  emit: (event: CompactorEvent) => void;
}

/** Options of {@link failoverLedger}. */
export interface FailoverOptions {
  shared: BudgetLedger;
  failMode: "open" | "closed";
  timeoutMs: number;
  probeIntervalMs: number;
  localLedger: () => BudgetLedger;
  now: () => number;
}

interface Placed {
  ledger: BudgetLedger;
  shared: boolean;
  limits: readonly BudgetLimit[];
  at: number;
}

interface Pending {
  reservationId: string;
  limits: readonly BudgetLimit[];
  amount: BudgetAmount;
  at: number;
  /** Reserved on the shared ledger, or only locally (then it is recorded there unless a late reserve landed). */
  reservedShared: boolean;
}

/** The ledger switch a budget gate uses. */
export type Failover = ReturnType<typeof failoverLedger>;

/** Creates the switch. */
export function failoverLedger(options: FailoverOptions) {
  const { shared, now } = options;
  const placed = new Map<string, Placed>();
  const pending: Pending[] = [];
  const lastKnown = new Map<string, LimitUsage>();
  let local: { ledger: BudgetLedger; seeded: Set<string> } | undefined;
  let down = false;
  let nextProbe = 0;
  let reconciling: Promise<boolean> | undefined;
  let probing: Promise<void> | undefined;
  /**
   * Reservations whose reserve failed or timed out. A reserve that timed out may still land when the ledger
   * wakes up, and would then hold spend for the reservation TTL (10 minutes by default), blocking the budget: each
   * is released (which also keeps a late reserve from holding anything) until the ledger confirms it.
   */
  const abandoned = new Set<string>();

  const timed = <T>(operation: string, task: () => Promise<T>): Promise<T> => {
    const running = task();
    running.catch(() => {});
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`the ${shared.name} ledger did not answer ${operation} within ${options.timeoutMs} ms`),
          ),
        options.timeoutMs,
      );
      running.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  };
  const remember = (usages: readonly LimitUsage[]) => {
    for (const usage of usages) lastKnown.set(usage.limitId, usage);
  };
  const failed = (context: EventContext, operation: string, error: unknown) => {
    const first = !down;
    down = true;
    nextProbe = now() + options.probeIntervalMs;
    if (!first) return;
    const reason = error instanceof Error ? error.message : String(error);
    context.emit({
      type: "error",
      session: context.session,
      time: now(),
      phase: "budget",
      message:
        options.failMode === "open"
          ? `The ${shared.name} budget ledger is unavailable (${operation}: ${reason}); counting spend in memory and reconciling when it answers again`
          : `The ${shared.name} budget ledger is unavailable (${operation}: ${reason}); refusing calls until it answers again`,
      fallback: options.failMode === "open" ? "continued-in-memory" : "refused",
    });
  };

  const releaseAbandoned = (reservationId: string) => {
    abandoned.add(reservationId);
    shared.release(reservationId).then(
      () => abandoned.delete(reservationId),
      () => {},
    );
  };
  const retryAbandoned = async () => {
    for (const reservationId of [...abandoned]) {
      await timed("release", () => shared.release(reservationId));
      abandoned.delete(reservationId);
    }
  };

  /**
   * Fail-open, while the shared ledger is down: checks it in the background (the user's call never waits for
   * a probe) and, when it answers, replays what it missed; the next calls use it again.
   */
  const probe = (context: EventContext, limits: readonly BudgetLimit[]) => {
    if (probing || reconciling) return;
    nextProbe = now() + options.probeIntervalMs;
    const first = limits[0];
    probing = (async () => {
      try {
        if (first) await timed("probe", () => shared.status(first));
        await retryAbandoned();
      } catch (error) {
        failed(context, "probe", error);
        return;
      }
      if (pending.length > 0) await reconcile(context);
      else down = false;
    })().finally(() => {
      probing = undefined;
    });
  };

  /** The outage's local ledger, with each limit seeded with the spend last seen on the shared ledger. */
  const localFor = async (limits: readonly BudgetLimit[]) => {
    local ??= { ledger: options.localLedger(), seeded: new Set() };
    for (const limit of limits) {
      if (local.seeded.has(limit.id)) continue;
      local.seeded.add(limit.id);
      const known = lastKnown.get(limit.id);
      if (!known || known.windowStart !== windowAt(limit.windowMs ?? null, now()).start) continue;
      const seed = {
        usd: known.spentUsd + known.reservedUsd,
        tokens: known.spentTokens + known.reservedTokens,
      };
      await local.ledger.record?.([limit], seed, `seed:${limit.id}`);
    }
    return local.ledger;
  };

  /** Replays what the shared ledger missed. True when nothing is left pending. */
  const replay = async (context: EventContext): Promise<boolean> => {
    const touched = new Map<string, { usage: LimitUsage | undefined; usd: number; calls: number }>();
    try {
      while (pending.length > 0) {
        const entry = pending[0] as Pending;
        let usages: LimitUsage[] = [];
        // Settle first even when the reservation was made locally: a reserve that timed out may have landed.
        const settled = await timed("settle", () => shared.settle(entry.reservationId, entry.amount));
        if (settled.status !== "unknown") usages = settled.limits;
        else if (shared.record) {
          const recorded = await timed(
            "record",
            () =>
              shared.record?.(entry.limits, entry.amount, entry.reservationId, entry.at) ??
              Promise.reject(new Error("no record")),
          );
          usages = recorded.limits;
        } else {
          throw new Error(`the ${shared.name} ledger cannot record spend (it has no \`record\` method)`);
        }
        pending.shift();
        for (const limit of entry.limits) {
          const seen = touched.get(limit.id) ?? { usage: undefined, usd: 0, calls: 0 };
          seen.usage = usages.find((usage) => usage.limitId === limit.id) ?? seen.usage;
          seen.usd += entry.amount.usd;
          seen.calls++;
          touched.set(limit.id, seen);
        }
      }
      await retryAbandoned();
    } catch (error) {
      failed(context, "reconcile", error);
      return false;
    } finally {
      for (const [limitId, seen] of touched) {
        if (seen.usage) lastKnown.set(limitId, seen.usage);
        context.emit({
          type: "budget",
          session: context.session,
          time: now(),
          budget: limitId,
          action: "reconcile",
          spentUsd: seen.usage?.spentUsd ?? seen.usd,
          ...(seen.usage?.limitUsd != null ? { limitUsd: seen.usage.limitUsd } : {}),
          ...(seen.usage ? { spentTokens: seen.usage.spentTokens } : {}),
          ...(seen.usage?.limitTokens != null ? { limitTokens: seen.usage.limitTokens } : {}),
          message: `Replayed ${seen.calls} call(s), $${seen.usd.toFixed(6)}, made while the ${shared.name} ledger was unreachable`,
        });
      }
    }
    if (touched.size > 0) {
      down = false;
      local = undefined;
    }
    return true;
  };

  const reconcile = (context: EventContext): Promise<boolean> => {
    reconciling ??= replay(context).finally(() => {
      reconciling = undefined;
    });
    return reconciling;
  };

  return {
    /** True while the shared ledger is considered down. */
    get degraded() {
      return down;
    },
    /** Settlements waiting to be replayed into the shared ledger. */
    get pendingReplays() {
      return pending.length;
    },
    /** Reservations being released after their reserve failed or timed out. */
    get pendingReleases() {
      return abandoned.size;
    },
    reconcile,
    async reserve(
      limits: readonly BudgetLimit[],
      amount: BudgetAmount,
      reservationId: string,
      context: EventContext,
    ): Promise<ReserveResult> {
      const closed = options.failMode === "closed";
      // Fail-open never waits for a ledger known to be down: it probes it in the background instead.
      if (down && !closed && now() >= nextProbe) probe(context, limits);
      const tryShared = !down || closed;
      if (pending.length > 0 && tryShared) {
        if (closed) await reconcile(context);
        else void reconcile(context);
      }
      if (tryShared) {
        try {
          const result = await timed("reserve", () => shared.reserve(limits, amount, reservationId));
          remember(result.ok ? result.limits : [result]);
          placed.set(reservationId, { ledger: shared, shared: true, limits, at: now() });
          down = false;
          return result;
        } catch (error) {
          releaseAbandoned(reservationId);
          failed(context, "reserve", error);
          if (closed) throw markRefusal(new BudgetUnavailableError(shared.name, "reserve", { cause: error }));
        }
      }
      const ledger = await localFor(limits);
      const result = await ledger.reserve(limits, amount, reservationId);
      placed.set(reservationId, { ledger, shared: false, limits, at: now() });
      return result;
    },
    async settle(reservationId: string, amount: BudgetAmount, context: EventContext): Promise<void> {
      const place = placed.get(reservationId);
      if (!place) return;
      placed.delete(reservationId);
      const keep = (reservedShared: boolean) =>
        pending.push({ reservationId, limits: place.limits, amount, at: place.at, reservedShared });
      if (!place.shared) {
        await place.ledger.settle(reservationId, amount);
        keep(false);
        return;
      }
      try {
        const result = await timed("settle", () => shared.settle(reservationId, amount));
        if (result.status === "unknown") {
          // The shared ledger lost the reservation (a Redis restart without persistence): record the spend.
          keep(true);
          await reconcile(context);
        } else remember(result.limits);
      } catch (error) {
        keep(true);
        failed(context, "settle", error);
      }
    },
    /**
     * Counts spend that was not reserved (a summarizer call made for a compaction): on the shared ledger when it
     * answers, else locally and replayed later. Never rejects.
     */
    async record(
      limits: readonly BudgetLimit[],
      amount: BudgetAmount,
      spendId: string,
      context: EventContext,
    ): Promise<void> {
      const at = now();
      const keep = () => pending.push({ reservationId: spendId, limits, amount, at, reservedShared: false });
      if (!down && shared.record) {
        try {
          const result = await timed("record", () =>
            shared.record
              ? shared.record(limits, amount, spendId, at)
              : Promise.reject(new Error("no record")),
          );
          remember(result.limits);
          return;
        } catch (error) {
          failed(context, "record", error);
        }
      }
      try {
        const ledger = await localFor(limits);
        await ledger.record?.(limits, amount, spendId, at);
      } catch {
        // The local ledger only estimates during an outage; the replay below is what counts.
      }
      keep();
    },
    async release(reservationId: string): Promise<void> {
      const place = placed.get(reservationId);
      if (!place) return;
      placed.delete(reservationId);
      if (!place.shared) {
        await place.ledger.release(reservationId).catch(() => {});
        return;
      }
      // A release that does not arrive is retried when the ledger answers again.
      await timed("release", () => place.ledger.release(reservationId)).catch(() =>
        releaseAbandoned(reservationId),
      );
    },
  };
}
