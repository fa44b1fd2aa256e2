/**
 * The shared store test suite: every {@link SessionStore} must pass it. Run it with {@link describeStore}.
 *
 * @module
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreVersionConflictError } from "../../src/store/errors.js";
import type { SessionStore } from "../../src/store/types.js";
import { hashes, ledgerEntry, message, messages, meta } from "./fixtures.js";

/** A fresh, empty store for one test, and (for shared stores) a way to open a second client on the same data. */
export interface StoreUnderTest {
  store: SessionStore;
  /** Opens another store instance on the same data, as another process would. Absent for in-process stores. */
  openPeer?: () => SessionStore;
}

/** Options of {@link describeStore}. */
export interface DescribeStoreOptions {
  /** Skip the whole suite with this reason. */
  skip?: string | undefined;
}

/** Runs the shared suite against the stores `factory` makes (one per test). */
export function describeStore(
  name: string,
  factory: () => StoreUnderTest | Promise<StoreUnderTest>,
  options: DescribeStoreOptions = {},
): void {
  describe.skipIf(options.skip !== undefined)(
    `${name} store${options.skip ? ` (skipped: ${options.skip})` : ""}`,
    () => {
      let subject: StoreUnderTest;
      let store: SessionStore;
      const opened: SessionStore[] = [];

      beforeEach(async () => {
        subject = await factory();
        store = subject.store;
        opened.push(store);
      });
      afterEach(async () => {
        for (const each of opened.splice(0)) await each.dispose?.();
      });

      it("loads nothing for a session it never saved", async () => {
        expect(await store.load("never-saved")).toBeUndefined();
      });

      it("loads back exactly what was saved", async () => {
        await store.save("s1", {
          meta: meta("s1", 2),
          history: { from: 0, messages: messages(0, 4), hashes: hashes(0, 4) },
          ledger: [ledgerEntry(0), ledgerEntry(1)],
        });
        const record = await store.load("s1");
        expect(record).toEqual({
          meta: meta("s1", 2),
          history: messages(0, 4),
          historyHashes: hashes(0, 4),
          ledger: [ledgerEntry(0), ledgerEntry(1)],
          version: 1,
        });
      });

      it("counts saves per session: the version every process reads before a call", async () => {
        expect(await store.version?.("v")).toBe(0);
        for (let call = 1; call <= 3; call++) {
          const result = await store.save("v", { meta: meta("v", call) });
          expect(result).toEqual({ version: call });
        }
        await store.save("other", { meta: meta("other", 1) });
        expect(await store.version?.("v")).toBe(3);
        expect((await store.load("v"))?.version).toBe(3);
        await store.delete("v");
        expect(await store.version?.("v")).toBe(0);
      });

      it("compare-and-set: a save made on an older version writes nothing and says which version is stored", async () => {
        await store.save("cas", { meta: meta("cas", 1), history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) }, ifVersion: 0 });
        // Two writers built on version 1; the first saves, the second is refused.
        expect(await store.save("cas", { meta: meta("cas", 2), ledger: [ledgerEntry(0)], ifVersion: 1 })).toEqual({ version: 2 });
        const refused = await store
          .save("cas", {
            meta: meta("cas", 9),
            history: { from: 2, messages: messages(2, 3), hashes: hashes(2, 3) },
            ledger: [ledgerEntry(1)],
            totalsDelta: meta("cas", 9).totals,
            ifVersion: 1,
          })
          .catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(StoreVersionConflictError);
        expect(refused).toMatchObject({ sessionId: "cas", expectedVersion: 1, storedVersion: 2 });
        const record = await store.load("cas");
        expect(record?.version).toBe(2);
        expect(record?.meta.calls).toBe(2);
        expect(record?.history).toHaveLength(2);
        expect(record?.ledger).toHaveLength(1);
        // A session not stored yet is version 0: a writer that expected it to exist is refused too.
        await expect(store.save("cas-new", { meta: meta("cas-new", 1), ifVersion: 3 })).rejects.toBeInstanceOf(StoreVersionConflictError);
        expect(await store.load("cas-new")).toBeUndefined();
        // Without ifVersion a save applies whatever the stored version.
        expect(await store.save("cas", { meta: meta("cas", 3) })).toEqual({ version: 3 });
      });

      it("links a Responses reply id to its session", async () => {
        expect(await store.responseSession?.("resp_1")).toBeUndefined();
        await store.linkResponse?.("resp_1", "chain-a");
        await store.linkResponse?.("resp_2", "chain-b");
        expect(await store.responseSession?.("resp_1")).toBe("chain-a");
        expect(await store.responseSession?.("resp_2")).toBe("chain-b");
      });

      it("appends history and ledger entries and replaces the meta on each save", async () => {
        await store.save("s1", {
          meta: meta("s1", 1),
          history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
        });
        await store.save("s1", {
          meta: meta("s1", 2),
          history: { from: 2, messages: messages(2, 5), hashes: hashes(2, 5) },
          ledger: [ledgerEntry(0)],
        });
        await store.save("s1", { meta: meta("s1", 3), ledger: [ledgerEntry(1), ledgerEntry(2)] });
        const record = await store.load("s1");
        expect(record?.meta).toEqual(meta("s1", 3));
        expect(record?.history).toEqual(messages(0, 5));
        expect(record?.historyHashes).toEqual(hashes(0, 5));
        expect(record?.ledger).toEqual([ledgerEntry(0), ledgerEntry(1), ledgerEntry(2)]);
      });

      it("rewrites the history from an index below its length", async () => {
        await store.save("s1", {
          meta: meta("s1", 1),
          history: { from: 0, messages: messages(0, 6), hashes: hashes(0, 6) },
        });
        await store.save("s1", {
          meta: meta("s1", 2),
          history: { from: 3, messages: messages(3, 4, "edited"), hashes: hashes(3, 4, "edited") },
        });
        const record = await store.load("s1");
        expect(record?.history).toEqual([...messages(0, 3), ...messages(3, 4, "edited")]);
        expect(record?.historyHashes).toEqual([...hashes(0, 3), ...hashes(3, 4, "edited")]);
      });

      it("replaces the whole history when a rewrite starts at 0", async () => {
        await store.save("s1", {
          meta: meta("s1", 1),
          history: { from: 0, messages: messages(0, 6), hashes: hashes(0, 6) },
        });
        await store.save("s1", {
          meta: meta("s1", 2),
          history: { from: 0, messages: messages(0, 2, "new"), hashes: hashes(0, 2, "new") },
        });
        const record = await store.load("s1");
        expect(record?.history).toEqual(messages(0, 2, "new"));
        expect(record?.historyHashes).toEqual(hashes(0, 2, "new"));
      });

      it("lists exactly the saved sessions, odd ids included", async () => {
        const ids = ["plain", "team:search:task-42", "ünï cödé", "with*glob?[chars]"];
        for (const id of ids) await store.save(id, { meta: meta(id, 0) });
        expect((await store.list()).sort()).toEqual([...ids].sort());
      });

      it("deletes one session and leaves the others", async () => {
        await store.save("keep", {
          meta: meta("keep", 1),
          history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
        });
        await store.save("drop", {
          meta: meta("drop", 1),
          history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
          ledger: [ledgerEntry(0)],
        });
        await store.delete("drop");
        expect(await store.load("drop")).toBeUndefined();
        expect(await store.list()).toEqual(["keep"]);
        expect((await store.load("keep"))?.history).toEqual(messages(0, 2));
      });

      it("keeps sessions isolated from each other", async () => {
        await store.save("a", {
          meta: meta("a", 1),
          history: { from: 0, messages: messages(0, 3, "a"), hashes: hashes(0, 3, "a") },
        });
        await store.save("b", {
          meta: meta("b", 1),
          history: { from: 0, messages: messages(0, 2, "b"), hashes: hashes(0, 2, "b") },
        });
        await store.save("a", {
          meta: meta("a", 2),
          history: { from: 1, messages: [], hashes: [] },
          ledger: [ledgerEntry(0)],
        });
        const [a, b] = [await store.load("a"), await store.load("b")];
        expect(a?.history).toEqual(messages(0, 1, "a"));
        expect(a?.ledger).toHaveLength(1);
        expect(b).toEqual({
          meta: meta("b", 1),
          history: messages(0, 2, "b"),
          historyHashes: hashes(0, 2, "b"),
          ledger: [],
          version: 1,
        });
      });

      it("keeps a 1000-message history fast: 100 appends of 10 and a load", async () => {
        const started = performance.now();
        for (let call = 0; call < 100; call++) {
          await store.save("long", {
            meta: meta("long", call + 1),
            history: {
              from: call * 10,
              messages: messages(call * 10, call * 10 + 10),
              hashes: hashes(call * 10, call * 10 + 10),
            },
            ledger: [ledgerEntry(call)],
          });
        }
        const saved = performance.now();
        const record = await store.load("long");
        const loaded = performance.now();
        expect(record?.history).toHaveLength(1000);
        expect(record?.history[999]).toEqual(message(999));
        expect(record?.historyHashes[500]).toBe("hash-m500");
        expect(record?.ledger).toHaveLength(100);
        expect(saved - started).toBeLessThan(2000);
        expect(loaded - saved).toBeLessThan(500);
        console.info(
          `${name} store: 100 saves of 10 messages in ${(saved - started).toFixed(1)} ms, load of 1000 in ${(loaded - saved).toFixed(1)} ms`,
        );
      });

      it("lets a second store instance (another process) see the first one's writes", async (context) => {
        if (!subject.openPeer) {
          context.skip(`${name} keeps sessions in one process's memory`);
          return;
        }
        const peer = subject.openPeer();
        opened.push(peer);
        await store.save("shared", {
          meta: meta("shared", 1),
          history: { from: 0, messages: messages(0, 3), hashes: hashes(0, 3) },
        });
        expect((await peer.load("shared"))?.history).toEqual(messages(0, 3));
        await peer.save("shared", {
          meta: meta("shared", 2),
          history: { from: 3, messages: messages(3, 4), hashes: hashes(3, 4) },
        });
        expect((await store.load("shared"))?.meta.calls).toBe(2);
        expect((await store.load("shared"))?.history).toEqual(messages(0, 4));
        expect(await peer.list()).toEqual(["shared"]);
      });
    },
  );
}
