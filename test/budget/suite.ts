/**
 * The shared budget ledger test suite: every {@link BudgetLedger} must pass it. Time is a manual clock that
 * starts at the next real minute boundary (Redis expires window keys by its own clock, so fake time must not
 * lie in the past).
 *
 * @module
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BudgetLedger, BudgetLedgerOptions } from "../../src/budget/index.js";
import { InvalidOptionError } from "../../src/errors.js";

/** Makes a fresh, empty ledger with the given options (a clock, a TTL). */
export type LedgerFactory = (options: BudgetLedgerOptions) => BudgetLedger | Promise<BudgetLedger>;

const minute = 60_000;
const team = { id: "team:search", maxUsd: 1 };
const session = { id: "session:abc", maxUsd: 0.5, maxTokens: 10_000 };

/** Runs the shared suite against the ledgers `factory` makes (one per test). */
export function describeLedger(
  name: string,
  factory: LedgerFactory,
  options: { skip?: string | undefined } = {},
): void {
  describe.skipIf(options.skip !== undefined)(
    `${name} budget ledger${options.skip ? ` (skipped: ${options.skip})` : ""}`,
    () => {
      let time = 0;
      let ledger: BudgetLedger;
      const ttl = 10 * minute;

      beforeEach(async () => {
        time = Math.ceil(Date.now() / minute) * minute + minute;
        ledger = await factory({ now: () => time, reservationTtlMs: ttl });
      });
      afterEach(async () => {
        await ledger.dispose?.();
      });

      it("grants a reservation within every limit and counts it as reserved", async () => {
        const result = await ledger.reserve([team, session], { usd: 0.2, tokens: 3000 }, "r1");
        expect(result).toMatchObject({
          ok: true,
          reservationId: "r1",
          repeated: false,
          expiresAt: time + ttl,
        });
        expect(
          result.ok && result.limits.map((usage) => [usage.limitId, usage.reservedUsd, usage.reservedTokens]),
        ).toEqual([
          ["team:search", 0.2, 3000],
          ["session:abc", 0.2, 3000],
        ]);
        expect(await ledger.status("team:search")).toMatchObject({
          spentUsd: 0,
          reservedUsd: 0.2,
          remainingUsd: 0.8,
          limit: team,
        });
      });

      it("refuses on the first limit that would pass its maximum, and holds nothing on any limit", async () => {
        expect((await ledger.reserve([team], { usd: 0.9, tokens: 0 }, "big")).ok).toBe(true);
        const refused = await ledger.reserve([session, team], { usd: 0.2, tokens: 100 }, "r2");
        expect(refused).toMatchObject({
          ok: false,
          reservationId: "r2",
          limit: team,
          exceeded: "usd",
          limitId: "team:search",
          reservedUsd: 0.9,
          spentUsd: 0,
          limitUsd: 1,
          requestedUsd: 0.2,
          requestedTokens: 100,
        });
        expect(await ledger.status("session:abc")).toMatchObject({ reservedUsd: 0, reservedTokens: 0 });
      });

      it("refuses on tokens when the dollar maximum still has room", async () => {
        const refused = await ledger.reserve([session], { usd: 0.01, tokens: 10_001 }, "r1");
        expect(refused).toMatchObject({ ok: false, exceeded: "tokens", limitTokens: 10_000 });
      });

      it("allows spend up to exactly the maximum", async () => {
        expect((await ledger.reserve([team], { usd: 0.7, tokens: 0 }, "a")).ok).toBe(true);
        expect((await ledger.reserve([team], { usd: 0.3, tokens: 0 }, "b")).ok).toBe(true);
        expect((await ledger.reserve([team], { usd: 0.000000001, tokens: 0 }, "c")).ok).toBe(false);
      });

      it("settles by replacing the reservation with the actual amount", async () => {
        await ledger.reserve([team, session], { usd: 0.2, tokens: 3000 }, "r1");
        const settled = await ledger.settle("r1", { usd: 0.123456789, tokens: 2500 });
        expect(settled).toMatchObject({ status: "settled", usd: 0.123456789, tokens: 2500 });
        expect(settled.limits.map((usage) => [usage.limitId, usage.spentUsd, usage.reservedUsd])).toEqual([
          ["team:search", 0.123456789, 0],
          ["session:abc", 0.123456789, 0],
        ]);
        expect(await ledger.status("session:abc")).toMatchObject({
          spentTokens: 2500,
          reservedTokens: 0,
          remainingTokens: 7500,
        });
      });

      it("settles once: a repeated settle records nothing and answers the first amount", async () => {
        await ledger.reserve([team], { usd: 0.2, tokens: 10 }, "r1");
        await ledger.settle("r1", { usd: 0.15, tokens: 9 });
        const again = await ledger.settle("r1", { usd: 0.19, tokens: 10 });
        expect(again).toMatchObject({ status: "already-settled", usd: 0.15, tokens: 9 });
        expect(await ledger.status("team:search")).toMatchObject({ spentUsd: 0.15, reservedUsd: 0 });
      });

      it("answers unknown for a settle of a reservation it never made", async () => {
        expect(await ledger.settle("nobody", { usd: 1, tokens: 1 })).toEqual({
          status: "unknown",
          usd: 0,
          tokens: 0,
          limits: [],
        });
      });

      it("releases a held reservation once", async () => {
        await ledger.reserve([team], { usd: 0.6, tokens: 0 }, "r1");
        expect(await ledger.release("r1")).toBe(true);
        expect(await ledger.release("r1")).toBe(false);
        expect(await ledger.status("team:search")).toMatchObject({ reservedUsd: 0, spentUsd: 0 });
        expect((await ledger.reserve([team], { usd: 0.9, tokens: 0 }, "r2")).ok).toBe(true);
      });

      it("does not release a settled reservation", async () => {
        await ledger.reserve([team], { usd: 0.3, tokens: 0 }, "r1");
        await ledger.settle("r1", { usd: 0.25, tokens: 0 });
        expect(await ledger.release("r1")).toBe(false);
        expect(await ledger.status("team:search")).toMatchObject({ spentUsd: 0.25 });
      });

      it("lets a reservation of a crashed process expire after the TTL", async () => {
        await ledger.reserve([team], { usd: 0.8, tokens: 0 }, "crashed");
        expect((await ledger.reserve([team], { usd: 0.5, tokens: 0 }, "r2")).ok).toBe(false);
        time += ttl - 1;
        expect(await ledger.status("team:search")).toMatchObject({ reservedUsd: 0.8 });
        time += 1;
        expect(await ledger.status("team:search")).toMatchObject({ reservedUsd: 0 });
        expect((await ledger.reserve([team], { usd: 0.5, tokens: 0 }, "r3")).ok).toBe(true);
      });

      it("still records the spend of an expired reservation settled late, without freeing it twice", async () => {
        await ledger.reserve([team], { usd: 0.4, tokens: 0 }, "late");
        await ledger.reserve([team], { usd: 0.1, tokens: 0 }, "other");
        time += ttl + 1;
        await ledger.reserve([team], { usd: 0.3, tokens: 0 }, "fresh");
        expect(await ledger.settle("late", { usd: 0.35, tokens: 0 })).toMatchObject({ status: "settled" });
        expect(await ledger.status("team:search")).toMatchObject({ spentUsd: 0.35, reservedUsd: 0.3 });
      });

      it("answers a repeated reserve of the same id without counting it twice", async () => {
        await ledger.reserve([team], { usd: 0.3, tokens: 0 }, "r1");
        const again = await ledger.reserve([team], { usd: 0.3, tokens: 0 }, "r1");
        expect(again).toMatchObject({ ok: true, repeated: true });
        expect(await ledger.status("team:search")).toMatchObject({ reservedUsd: 0.3 });
      });

      it("counts spend in fixed windows aligned to the epoch", async () => {
        const hourly = { id: "team:hourly", maxUsd: 1, windowMs: minute };
        time += 30_000;
        await ledger.reserve([hourly], { usd: 0.9, tokens: 0 }, "r1");
        expect(await ledger.status("team:hourly")).toMatchObject({
          windowStart: time - 30_000,
          windowEnd: time + 30_000,
          reservedUsd: 0.9,
          limit: hourly,
        });
        expect((await ledger.reserve([hourly], { usd: 0.2, tokens: 0 }, "r2")).ok).toBe(false);
        time += 30_000;
        expect(await ledger.status("team:hourly")).toMatchObject({
          windowStart: time,
          spentUsd: 0,
          reservedUsd: 0,
        });
        expect((await ledger.reserve([hourly], { usd: 0.2, tokens: 0 }, "r3")).ok).toBe(true);
        await ledger.settle("r1", { usd: 0.5, tokens: 0 });
        expect(await ledger.status("team:hourly")).toMatchObject({ spentUsd: 0, reservedUsd: 0.2 });
        expect(await ledger.status({ ...hourly })).toMatchObject({ windowStart: time });
      });

      it("keeps dollars exact: 1000 settles of $0.1 add up to $100", async () => {
        const open = { id: "team:open" };
        for (let index = 0; index < 1000; index++) {
          await ledger.reserve([open], { usd: 0.1, tokens: 1 }, `r${index}`);
          await ledger.settle(`r${index}`, { usd: 0.1, tokens: 1 });
        }
        expect(await ledger.status("team:open")).toMatchObject({
          spentUsd: 100,
          spentTokens: 1000,
          limitUsd: null,
          remainingUsd: null,
        });
      });

      it("stores limits with setLimit and with every reserve", async () => {
        await ledger.setLimit({ id: "team:b", maxUsd: 5, windowMs: 86_400_000 });
        await ledger.reserve([{ id: "team:a", maxTokens: 100 }], { usd: 0, tokens: 1 }, "r1");
        expect(await ledger.getLimit("team:b")).toEqual({ id: "team:b", maxUsd: 5, windowMs: 86_400_000 });
        expect(await ledger.getLimit("team:missing")).toBeUndefined();
        expect(await ledger.listLimits()).toEqual([
          { id: "team:a", maxTokens: 100 },
          { id: "team:b", maxUsd: 5, windowMs: 86_400_000 },
        ]);
        expect(await ledger.status("team:unknown")).toMatchObject({
          limit: undefined,
          spentUsd: 0,
          limitUsd: null,
          windowStart: null,
        });
      });

      it("rejects malformed input naming the field", async () => {
        await expect(ledger.reserve([team], { usd: -1, tokens: 0 }, "r1")).rejects.toThrow(
          new InvalidOptionError("amount.usd", "a non-negative number of dollars", -1),
        );
        await expect(ledger.reserve([team, { ...team }], { usd: 0, tokens: 0 }, "r1")).rejects.toThrow(
          /limits\[1\]\.id/,
        );
        await expect(ledger.reserve([{ id: "x", windowMs: 0 }], { usd: 0, tokens: 0 }, "r1")).rejects.toThrow(
          /limits\[0\]\.windowMs/,
        );
        await expect(ledger.settle("", { usd: 0, tokens: 0 })).rejects.toThrow(/reservationId/);
        await expect(ledger.reserve([], { usd: 0, tokens: 0 }, "r1")).rejects.toThrow(InvalidOptionError);
      });
    },
  );
}
