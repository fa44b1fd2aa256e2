/**
 * The contract's rules about data: what a save writes and a load gives back, history rewrites, totals, listing,
 * deleting, reply links.
 *
 * @module
 */
import type { SessionChange, SessionStore } from "../../store/types.js";
import { ensure, ensureClose, ensureEqual, show } from "./compare.js";
import { type ContractCheck, dataOf, ensureHistoryConflict, loaded } from "./check.js";
import { bareMeta, fullMeta, hashes, ledgerEntry, messages, totalsAfter } from "./fixtures.js";

const roundTrip: ContractCheck = {
  id: "round-trip",
  title: "load gives back every field that was saved, unchanged",
  why:
    "the runtime rebuilds a session from what load returns: a dropped checkpoint means compacting the history " +
    "again (a cache miss paid twice), a dropped ledger entry or total means a wrong bill, a dropped message field " +
    "means a request that differs from the one the provider cached",
  async run({ store, versions }) {
    const change: SessionChange = {
      meta: fullMeta("full", 5),
      history: { from: 0, messages: messages(0, 8), hashes: hashes(0, 8) },
      ledger: [0, 1, 2, 3, 4].map(ledgerEntry),
    };
    await store.save("full", structuredClone(change));
    const record = await loaded(store, "full");
    ensureEqual(record.meta, fullMeta("full", 5), "meta");
    ensureEqual(record.history, messages(0, 8), "history");
    ensureEqual(record.historyHashes, hashes(0, 8), "historyHashes");
    ensureEqual(record.ledger, [0, 1, 2, 3, 4].map(ledgerEntry), "ledger");
    if (versions)
      ensure(record.version === 1, `version after the first save: expected 1, got ${show(record.version)}`);
    // A bare meta comes back bare: no optional field turns up as null or empty.
    await store.save("bare", { meta: bareMeta("bare", 0) });
    const bare = await loaded(store, "bare");
    ensureEqual(
      dataOf(bare),
      { meta: bareMeta("bare", 0), history: [], historyHashes: [], ledger: [] },
      "bare session",
    );
  },
};

const loadUnknown: ContractCheck = {
  id: "load-unknown",
  title: "load of a session never saved answers undefined (and creates nothing)",
  why:
    "the runtime starts a new session on undefined; a null or an empty record is taken for a stored session, and " +
    "its first save then names the wrong version",
  async run({ store, versions }) {
    const record = await store.load("never-saved");
    ensure(record === undefined, `load("never-saved"): expected undefined, got ${show(record)}`);
    if (versions) {
      const version = await store.version?.("never-saved");
      ensure(version === 0, `version("never-saved"): expected 0, got ${show(version)}`);
    }
    const listed = await store.list();
    ensure(
      Array.isArray(listed) && listed.length === 0,
      `list() after a load only: expected [], got ${show(listed)}`,
    );
  },
};

const changeUntouched: ContractCheck = {
  id: "copies-on-save",
  title: "save neither changes the change it is given nor keeps a live reference to it",
  why:
    "the runtime passes its own live session meta and goes on changing it after the save (call counts, totals); " +
    "a store that keeps that object (or adds totals into it) counts those calls twice and shows unsaved state",
  async run({ store }) {
    const first: SessionChange = {
      meta: fullMeta("s", 1),
      history: { from: 0, messages: messages(0, 3), hashes: hashes(0, 3) },
      ledger: [ledgerEntry(0)],
      totalsDelta: totalsAfter(1),
    };
    const second: SessionChange = {
      meta: fullMeta("s", 2),
      history: { from: 3, messages: messages(3, 5), hashes: hashes(3, 5) },
      ledger: [ledgerEntry(1)],
      totalsDelta: totalsAfter(1),
    };
    for (const [index, change] of [first, second].entries()) {
      const before = structuredClone(change);
      await store.save("s", change);
      ensureEqual(change, before, `the change passed to save #${index + 1} (after the save)`);
    }
    const saved = dataOf(await loaded(store, "s"));
    // The caller now changes its own objects, as the runtime does between saves.
    second.meta.calls = 99;
    second.meta.totals.costUsd += 1;
    second.meta.totals.calls += 1;
    second.meta.updatedAt += 1;
    second.history?.messages.push(...messages(5, 6));
    second.history?.hashes.push(...hashes(5, 6));
    second.ledger?.push(ledgerEntry(2));
    ensureEqual(
      dataOf(await loaded(store, "s")),
      saved,
      "the stored session after the caller changed its own objects",
    );
  },
};

const append: ContractCheck = {
  id: "append",
  title: "each save appends its history and ledger entries and replaces the meta whole",
  why:
    "saves are deltas: a store that overwrites the history with the delta loses the conversation, and one that " +
    "merges metas keeps a checkpoint the runtime dropped (a request then goes out through a stale summary)",
  async run({ store }) {
    await store.save("s", {
      meta: fullMeta("s", 1),
      history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
    });
    await store.save("s", {
      meta: fullMeta("s", 2),
      history: { from: 2, messages: messages(2, 5), hashes: hashes(2, 5) },
      ledger: [ledgerEntry(0)],
    });
    await store.save("s", { meta: bareMeta("s", 3), ledger: [ledgerEntry(1), ledgerEntry(2)] });
    ensureEqual(
      dataOf(await loaded(store, "s")),
      {
        meta: bareMeta("s", 3),
        history: messages(0, 5),
        historyHashes: hashes(0, 5),
        ledger: [0, 1, 2].map(ledgerEntry),
      },
      "session after three saves",
    );
  },
};

const rewrite: ContractCheck = {
  id: "rewrite",
  title: "a history starting below the stored length replaces the history from there (from 0: all of it)",
  why: "an agent that edits or drops earlier messages rewrites the history; a store that appends instead keeps both",
  async run({ store }) {
    await store.save("s", {
      meta: bareMeta("s", 1),
      history: { from: 0, messages: messages(0, 6), hashes: hashes(0, 6) },
    });
    await store.save("s", {
      meta: bareMeta("s", 2),
      history: { from: 3, messages: messages(3, 4, "edited"), hashes: hashes(3, 4, "edited") },
    });
    let record = await loaded(store, "s");
    ensureEqual(
      record.history,
      [...messages(0, 3), ...messages(3, 4, "edited")],
      "history after a rewrite from 3",
    );
    ensureEqual(
      record.historyHashes,
      [...hashes(0, 3), ...hashes(3, 4, "edited")],
      "historyHashes after a rewrite from 3",
    );
    await store.save("s", { meta: bareMeta("s", 3), history: { from: 2, messages: [], hashes: [] } });
    record = await loaded(store, "s");
    ensureEqual(record.history, messages(0, 2), "history after a rewrite from 2 with no messages (a cut)");
    await store.save("s", {
      meta: bareMeta("s", 4),
      history: { from: 0, messages: messages(0, 1, "new"), hashes: hashes(0, 1, "new") },
    });
    record = await loaded(store, "s");
    ensureEqual(record.history, messages(0, 1, "new"), "history after a rewrite from 0");
    ensureEqual(record.historyHashes, hashes(0, 1, "new"), "historyHashes after a rewrite from 0");
  },
};

const pastEnd: ContractCheck = {
  id: "history-past-end",
  title: "a history starting past the stored end is refused with StoreConflictError, and nothing is written",
  why:
    "it means the store lost writes (a restart, an eviction): on StoreConflictError the runtime writes the whole " +
    "session again; a store that accepts it keeps a history with a hole, and every later load is wrong",
  async run({ store, versions }) {
    await store.save("s", {
      meta: bareMeta("s", 1),
      history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
    });
    const loadedBefore = await loaded(store, "s");
    const [before, versionBefore] = [dataOf(loadedBefore), loadedBefore.version];
    await ensureHistoryConflict(
      store.save("s", {
        meta: bareMeta("s", 2),
        history: { from: 5, messages: messages(5, 6), hashes: hashes(5, 6) },
        ledger: [ledgerEntry(0)],
      }),
      "s",
      5,
      2,
      "save with history.from 5 on a stored history of 2",
    );
    const after = await loaded(store, "s");
    ensureEqual(dataOf(after), before, "the session after the refused save");
    if (versions)
      ensure(
        after.version === versionBefore,
        `version after the refused save: expected ${versionBefore}, got ${after.version}`,
      );
    await ensureHistoryConflict(
      store.save("new", {
        meta: bareMeta("new", 1),
        history: { from: 3, messages: messages(3, 4), hashes: hashes(3, 4) },
      }),
      "new",
      3,
      0,
      'save with history.from 3 on a session not stored ("new")',
    );
    const created = await store.load("new");
    ensure(
      created === undefined,
      `load("new") after its refused save: expected undefined, got ${show(created)}`,
    );
  },
};

const totals: ContractCheck = {
  id: "totals",
  title:
    "totals: totalsDelta is added to the stored totals; with none stored, or replaceTotals, or no delta, meta.totals is taken",
  why:
    "several processes serve one session and each sends only what it added since its last save; a store that " +
    "takes meta.totals instead drops the other processes' calls and dollars from the bill",
  async run({ store }) {
    const stored = async () => (await loaded(store, "s")).meta.totals as unknown as Record<string, unknown>;
    await store.save("s", { meta: bareMeta("s", 1), totalsDelta: totalsAfter(1) });
    ensureClose(
      await stored(),
      { ...totalsAfter(1) },
      "totals after a first save with a delta (nothing stored yet)",
    );
    // This writer's meta says 5 calls, but it added one since its last save: the store holds 1 + 1.
    await store.save("s", { meta: bareMeta("s", 5), totalsDelta: totalsAfter(1) });
    const twice = Object.fromEntries(Object.entries(totalsAfter(1)).map(([key, value]) => [key, value * 2]));
    ensureClose(await stored(), twice, "totals after adding a delta of one call to one call");
    await store.save("s", { meta: bareMeta("s", 7), totalsDelta: totalsAfter(1), replaceTotals: true });
    ensureClose(await stored(), { ...totalsAfter(7) }, "totals after a save with replaceTotals");
    await store.save("s", { meta: bareMeta("s", 3) });
    ensureClose(await stored(), { ...totalsAfter(3) }, "totals after a save without totalsDelta");
  },
};

const list: ContractCheck = {
  id: "list",
  title: "list gives exactly the stored session ids, ids with odd characters included",
  why: "reports, the dashboard and the CLI list sessions from it; ids are the agent's, often with `:` or Unicode",
  async run({ store }) {
    const ids = [
      "plain",
      "team:search:task-42",
      "ünï cödé ✓",
      "with*glob?[chars]",
      "a",
      "a:b",
      "sp ace",
      "%2F/slash",
    ];
    for (const id of ids) await store.save(id, { meta: bareMeta(id, 0) });
    const listed = await store.list();
    ensureEqual([...listed].sort(), [...ids].sort(), "list()");
  },
};

const remove: ContractCheck = {
  id: "delete",
  title: "delete removes one session whole (history, ledger, totals, version) and leaves the others",
  why:
    "a session saved again after a delete must start empty: leftovers of the old one (ledger rows, totals) would " +
    "be billed to the new one",
  async run({ store, versions }) {
    const full = (id: string): SessionChange => ({
      meta: fullMeta(id, 2),
      history: { from: 0, messages: messages(0, 3), hashes: hashes(0, 3) },
      ledger: [ledgerEntry(0), ledgerEntry(1)],
      totalsDelta: totalsAfter(2),
    });
    await store.save("keep", full("keep"));
    await store.save("drop", full("drop"));
    await store.delete("drop");
    await store.delete("never-saved");
    const dropped = await store.load("drop");
    ensure(dropped === undefined, `load("drop") after delete: expected undefined, got ${show(dropped)}`);
    ensureEqual(await store.list(), ["keep"], "list() after deleting one of two sessions");
    ensureEqual(
      dataOf(await loaded(store, "keep")),
      {
        meta: fullMeta("keep", 2),
        history: messages(0, 3),
        historyHashes: hashes(0, 3),
        ledger: [ledgerEntry(0), ledgerEntry(1)],
      },
      "the session kept",
    );
    if (versions) ensure((await store.version?.("drop")) === 0, `version("drop") after delete: expected 0`);
    await store.save("drop", {
      meta: bareMeta("drop", 1),
      history: { from: 0, messages: messages(0, 1, "again"), hashes: hashes(0, 1, "again") },
      totalsDelta: totalsAfter(1),
      ...(versions ? { ifVersion: 0 } : {}),
    });
    ensureEqual(
      dataOf(await loaded(store, "drop")),
      {
        meta: bareMeta("drop", 1),
        history: messages(0, 1, "again"),
        historyHashes: hashes(0, 1, "again"),
        ledger: [],
      },
      "a session saved again after its delete",
    );
  },
};

const isolation: ContractCheck = {
  id: "isolation",
  title: "sessions are independent, ids that prefix each other included",
  why: "a store keyed by concatenated strings can mix `a` with `a:b`: one agent's history then shows in another's",
  async run({ store }) {
    const ids = ["a", "a:b", "a:", "a*", "b"];
    for (const id of ids) {
      await store.save(id, {
        meta: bareMeta(id, 1),
        history: { from: 0, messages: messages(0, 3, id), hashes: hashes(0, 3, id) },
      });
    }
    await store.save("a", {
      meta: bareMeta("a", 2),
      history: { from: 1, messages: [], hashes: [] },
      ledger: [ledgerEntry(0)],
    });
    await store.delete("a*");
    for (const id of ids.filter((id) => id !== "a" && id !== "a*")) {
      ensureEqual(
        dataOf(await loaded(store, id)),
        { meta: bareMeta(id, 1), history: messages(0, 3, id), historyHashes: hashes(0, 3, id), ledger: [] },
        `session "${id}" after changes to "a" and the delete of "a*"`,
      );
    }
    ensureEqual((await loaded(store, "a")).history, messages(0, 1, "a"), 'history of "a"');
  },
};

const concurrentSessions: ContractCheck = {
  id: "concurrent-sessions",
  title: "saves of different sessions at the same instant all land",
  why:
    "a proxy serves many agents at once; a store that rewrites one shared file or row per save (read, change, " +
    "write) loses the sessions saved in between",
  async run({ store }) {
    const ids = Array.from({ length: 12 }, (_, index) => `parallel-${index}`);
    await Promise.all(
      ids.map((id) =>
        store.save(id, {
          meta: bareMeta(id, 1),
          history: { from: 0, messages: messages(0, 2, id), hashes: hashes(0, 2, id) },
        }),
      ),
    );
    ensureEqual([...(await store.list())].sort(), [...ids].sort(), "list() after 12 concurrent first saves");
    for (const id of ids)
      ensureEqual((await loaded(store, id)).history, messages(0, 2, id), `history of "${id}"`);
  },
};

const responseLinks: ContractCheck = {
  id: "response-links",
  title: "linkResponse / responseSession map an OpenAI Responses reply id to its session",
  why:
    "a request chained with `previous_response_id` to a reply another process (or this one before a restart) " +
    "served is found in its session only through the store; otherwise it starts a new session",
  needs: ["responseLinks"],
  async run({ store }) {
    const unknown = await store.responseSession?.("resp_unknown");
    ensure(
      unknown === undefined,
      `responseSession("resp_unknown"): expected undefined, got ${show(unknown)}`,
    );
    await store.linkResponse?.("resp_1", "chain:a");
    await store.linkResponse?.("resp_2", "chain:b");
    ensure(
      (await store.responseSession?.("resp_1")) === "chain:a",
      'responseSession("resp_1"): expected "chain:a"',
    );
    ensure(
      (await store.responseSession?.("resp_2")) === "chain:b",
      'responseSession("resp_2"): expected "chain:b"',
    );
    ensureEqual(await store.list(), [], "list() after linking reply ids only (a link is not a session)");
  },
};

const peerSees: ContractCheck = {
  id: "peer-sees-writes",
  title: "another instance on the same data sees a save once it has resolved",
  why:
    "the next call of a session may reach another process right after this one's save resolved; a store that " +
    "resolves before the write is visible makes that process start from an old copy",
  needs: ["peer"],
  async run({ store, peer, versions }) {
    const other = (await peer()) as SessionStore;
    await store.save("shared", {
      meta: fullMeta("shared", 1),
      history: { from: 0, messages: messages(0, 3), hashes: hashes(0, 3) },
    });
    ensureEqual(
      (await loaded(other, "shared")).history,
      messages(0, 3),
      "history read by the other instance",
    );
    await other.save("shared", {
      meta: fullMeta("shared", 2),
      history: { from: 3, messages: messages(3, 4), hashes: hashes(3, 4) },
    });
    const record = await loaded(store, "shared");
    ensureEqual(record.meta, fullMeta("shared", 2), "meta saved by the other instance");
    ensureEqual(record.history, messages(0, 4), "history after the other instance's append");
    if (versions)
      ensure((await store.version?.("shared")) === 2, "version after one save on each instance: expected 2");
    ensureEqual(await other.list(), ["shared"], "list() on the other instance");
  },
};

/** The data rules, in the order they run. */
export const dataChecks: ContractCheck[] = [
  loadUnknown,
  roundTrip,
  changeUntouched,
  append,
  rewrite,
  pastEnd,
  totals,
  list,
  remove,
  isolation,
  concurrentSessions,
  responseLinks,
  peerSees,
];
