/**
 * The contract's rules about versions and concurrent writers: the interface's shape, version counting,
 * compare-and-set (`ifVersion`), and saves racing each other on one instance or on two.
 *
 * @module
 */
import type { SessionChange, SessionStore } from "../../store/types.js";
import { ensure, ensureClose, ensureEqual, outcome, show } from "./compare.js";
import { type ContractCheck, dataOf, ensureVersionConflict, loaded } from "./check.js";
import { bareMeta, fullMeta, hashes, ledgerEntry, messages, totalsAfter } from "./fixtures.js";

const versions: ContractCheck = {
  id: "versions",
  title:
    "every applied save adds exactly 1 to the session's version, which save answers and version/load read",
  why:
    "before every call a process compares the stored version with its copy's: a version that does not move " +
    "hides another process's calls (it goes on from a stale copy), and one that moves by more than 1 per save " +
    "makes it reload the session on every call",
  needs: ["versions"],
  async run({ store }) {
    for (let call = 1; call <= 3; call++) {
      const result = await store.save("v", { meta: bareMeta("v", call), ledger: [ledgerEntry(call - 1)] });
      ensureEqual(result, { version: call }, `the answer of save #${call}`);
      ensure((await store.version?.("v")) === call, `version("v") after ${call} saves: expected ${call}`);
    }
    await store.save("other", { meta: bareMeta("other", 1) });
    ensure((await store.version?.("v")) === 3, 'version("v") after a save of another session: expected 3');
    const record = await loaded(store, "v");
    ensure(record.version === 3, `load("v").version: expected 3, got ${show(record.version)}`);
    await store.delete("v");
    ensure((await store.version?.("v")) === 0, 'version("v") after delete: expected 0');
    ensureEqual(
      await store.save("v", { meta: bareMeta("v", 1) }),
      { version: 1 },
      "the answer of the first save after delete",
    );
  },
};

const casStale: ContractCheck = {
  id: "cas-stale",
  title:
    "a save whose ifVersion is not the stored version is refused with StoreVersionConflictError, and nothing is written",
  why:
    "two processes serving one session at the same instant both save; the runtime merges the loser's calls into " +
    "the stored session when (and only when) its save is refused. A store that applies it anyway overwrites the " +
    "winner's meta and checkpoint; one that writes part of it (the ledger, the totals) counts calls twice",
  needs: ["versions"],
  async run({ store }) {
    await store.save("cas", {
      meta: fullMeta("cas", 1),
      history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
      ifVersion: 0,
    });
    await store.save("cas", {
      meta: fullMeta("cas", 2),
      ledger: [ledgerEntry(0)],
      totalsDelta: totalsAfter(1),
      ifVersion: 1,
    });
    const before = dataOf(await loaded(store, "cas"));
    const stale: SessionChange = {
      meta: bareMeta("cas", 9),
      history: { from: 2, messages: messages(2, 4), hashes: hashes(2, 4) },
      ledger: [ledgerEntry(1)],
      totalsDelta: totalsAfter(1),
      ifVersion: 1,
    };
    await ensureVersionConflict(
      store.save("cas", stale),
      "cas",
      1,
      2,
      "a save with ifVersion 1 when version 2 is stored",
    );
    await ensureVersionConflict(
      store.save("cas", { ...stale, history: { from: 0, messages: [], hashes: [] }, ifVersion: 5 }),
      "cas",
      5,
      2,
      "a save with ifVersion 5 (ahead) when version 2 is stored",
    );
    const after = await loaded(store, "cas");
    ensureEqual(dataOf(after), before, "the session after two refused saves");
    ensure(after.version === 2, `version after two refused saves: expected 2, got ${show(after.version)}`);
  },
};

const casFresh: ContractCheck = {
  id: "cas-fresh",
  title: 'a save whose ifVersion is the stored version is applied; ifVersion 0 means "not stored yet"',
  why:
    "the runtime sends ifVersion with every save of a store that counts versions: a store that refuses a fresh " +
    "one never saves anything, and one that treats 0 loosely lets a new session overwrite an existing one",
  needs: ["versions"],
  async run({ store }) {
    ensureEqual(
      await store.save("fresh", { meta: bareMeta("fresh", 1), ifVersion: 0 }),
      { version: 1 },
      "save with ifVersion 0 of a new session",
    );
    ensureEqual(
      await store.save("fresh", { meta: bareMeta("fresh", 2), ifVersion: 1 }),
      { version: 2 },
      "save with ifVersion 1 on version 1",
    );
    await ensureVersionConflict(
      store.save("fresh", { meta: bareMeta("fresh", 9), ifVersion: 0 }),
      "fresh",
      0,
      2,
      "a save with ifVersion 0 (new session) when the session is stored",
    );
    await ensureVersionConflict(
      store.save("gone", { meta: bareMeta("gone", 3), ifVersion: 3 }),
      "gone",
      3,
      0,
      'a save with ifVersion 3 of a session not stored ("gone")',
    );
    const gone = await store.load("gone");
    ensure(gone === undefined, `load("gone") after its refused save: expected undefined, got ${show(gone)}`);
    ensureEqual(await store.list(), ["fresh"], "list() after a refused save of a new session");
    ensureEqual(
      await store.save("fresh", { meta: bareMeta("fresh", 3) }),
      { version: 3 },
      "a save without ifVersion",
    );
  },
};

/** The instances writers run on: alternately the store and its peer, when there is one. */
async function writers(
  store: SessionStore,
  peer: () => Promise<SessionStore | undefined>,
): Promise<SessionStore[]> {
  const other = await peer();
  return other ? [store, other] : [store];
}

const casRace: ContractCheck = {
  id: "cas-race",
  title: "of several saves made at the same instant on one version, exactly one is applied",
  why:
    "compare-and-set is only as good as its atomicity: a store that reads the version, then writes in a second " +
    "step lets two racing writers both succeed, and the first one's calls vanish from the stored session",
  needs: ["versions"],
  async run({ store, peer }) {
    const on = await writers(store, peer);
    await store.save("race", {
      meta: bareMeta("race", 1),
      history: { from: 0, messages: messages(0, 2), hashes: hashes(0, 2) },
      totalsDelta: totalsAfter(1),
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, writer) =>
        outcome(
          (on[writer % on.length] as SessionStore).save("race", {
            meta: { ...bareMeta("race", 2), model: `writer-${writer}` },
            history: { from: 2, messages: messages(2, 3, `w${writer}`), hashes: hashes(2, 3, `w${writer}`) },
            ledger: [{ ...ledgerEntry(1), model: `writer-${writer}` }],
            totalsDelta: totalsAfter(1),
            ifVersion: 1,
          }),
        ),
      ),
    );
    const won = results.flatMap((result, writer) => (result.ok ? [writer] : []));
    ensure(
      won.length === 1,
      `8 saves with ifVersion 1 at once${on.length > 1 ? " on two instances" : ""}: expected exactly 1 applied, got ${won.length}`,
    );
    for (const result of results) {
      if (!result.ok)
        await ensureVersionConflict(Promise.reject(result.error), "race", 1, 2, "a losing save of the race");
    }
    const winner = won[0] as number;
    const record = await loaded(store, "race");
    ensure(record.version === 2, `version after the race: expected 2, got ${show(record.version)}`);
    ensure(
      record.meta.model === `writer-${winner}`,
      `meta after the race: expected the winner's (writer-${winner}), got ${show(record.meta.model)}`,
    );
    ensureEqual(
      record.history,
      [...messages(0, 2), ...messages(2, 3, `w${winner}`)],
      "history after the race",
    );
    ensureEqual(record.ledger, [{ ...ledgerEntry(1), model: `writer-${winner}` }], "ledger after the race");
    ensureClose(
      record.meta.totals as unknown as Record<string, unknown>,
      { calls: 2 },
      "totals after the race",
    );
  },
};

const unconditional: ContractCheck = {
  id: "concurrent-saves",
  title:
    "saves of one session without ifVersion at the same instant are all applied: ledgers and totals add up",
  why:
    "writers that do not compare versions (a store without them, or a save after repeated conflicts) still add " +
    "their calls: a store that loses one of two racing saves loses calls and dollars from the bill",
  async run({ store, peer, versions: counted }) {
    const on = await writers(store, peer);
    await store.save("many", { meta: bareMeta("many", 1), totalsDelta: totalsAfter(1) });
    const delta = { ...totalsAfter(0), calls: 1, costUsd: 0.0125, promptTokens: 1000 };
    await Promise.all(
      Array.from({ length: 10 }, (_, writer) =>
        (on[writer % on.length] as SessionStore).save("many", {
          meta: bareMeta("many", 2),
          ledger: [ledgerEntry(10 + writer)],
          totalsDelta: delta,
        }),
      ),
    );
    const record = await loaded(store, "many");
    const indexes = record.ledger.map((entry) => entry.callIndex).sort((a, b) => a - b);
    ensureEqual(
      indexes,
      Array.from({ length: 10 }, (_, writer) => 10 + writer),
      "callIndex of the ledger entries after 10 concurrent saves",
    );
    const base = totalsAfter(1);
    ensureClose(
      record.meta.totals as unknown as Record<string, unknown>,
      { calls: base.calls + 10, costUsd: base.costUsd + 0.125, promptTokens: base.promptTokens + 10_000 },
      "totals after 10 concurrent saves of one call each",
    );
    if (counted)
      ensure(record.version === 11, `version after 1 + 10 saves: expected 11, got ${show(record.version)}`);
  },
};

const peerCas: ContractCheck = {
  id: "peer-cas",
  title:
    "compare-and-set holds across instances: a save built on a version another instance moved is refused",
  why: "this is the case the rule exists for: two processes, one session, one store",
  needs: ["peer", "versions"],
  async run({ store, peer }) {
    const other = (await peer()) as SessionStore;
    await store.save("p", { meta: bareMeta("p", 1), ifVersion: 0 });
    ensure(
      (await other.version?.("p")) === 1,
      "version read by the other instance after one save: expected 1",
    );
    await other.save("p", { meta: bareMeta("p", 2), ledger: [ledgerEntry(1)], ifVersion: 1 });
    await ensureVersionConflict(
      store.save("p", { meta: bareMeta("p", 9), ifVersion: 1 }),
      "p",
      1,
      2,
      "a save on version 1 after the other instance saved",
    );
    ensure(
      (await loaded(store, "p")).meta.calls === 2,
      "meta after the refused save: expected the other instance's",
    );
  },
};

/** The interface itself: methods, names, and the optional parts the runtime needs. */
export function interfaceCheck(options: { versions: boolean; responseLinks: boolean }): ContractCheck {
  return {
    id: "interface",
    title: "the store has the SessionStore methods the runtime calls",
    why:
      "without version() the runtime sends no ifVersion and never learns that another process served a session; " +
      "without linkResponse/responseSession a Responses chain continued on another process starts a new session",
    async run({ store }) {
      ensure(
        typeof store.name === "string" && store.name.length > 0,
        `name: expected a non-empty string, got ${show(store.name)}`,
      );
      for (const method of ["load", "save", "delete", "list"] as const) {
        ensure(
          typeof store[method] === "function",
          `${method}: expected a function, got ${show(typeof store[method])}`,
        );
      }
      const max = store.maxSessions;
      ensure(
        max === undefined || (Number.isInteger(max) && max > 0) || max === Number.POSITIVE_INFINITY,
        `maxSessions: expected undefined or a positive integer, got ${show(max)}`,
      );
      const hasVersion = typeof store.version === "function";
      if (options.versions) {
        ensure(
          hasVersion,
          "version: the store has no version(sessionId) method, so the runtime sends no ifVersion: two processes " +
            "saving one session at the same instant overwrite each other, and a process never learns that another " +
            "served the session. Add version() and compare-and-set, or pass `versions: false` for a store that one process uses",
        );
      } else {
        ensure(
          !hasVersion,
          "version: the store has version(), so the runtime sends ifVersion: drop `versions: false` to check it",
        );
      }
      const links = [typeof store.linkResponse, typeof store.responseSession].filter(
        (type) => type === "function",
      ).length;
      ensure(
        links !== 1,
        "linkResponse / responseSession: the store has one of them; give it both or neither",
      );
      if (options.responseLinks) {
        ensure(
          links === 2,
          "linkResponse / responseSession: the store has neither, so a Responses chain (`previous_response_id`) " +
            "continued on another process starts a new session. Add them, or pass `responseLinks: false`",
        );
      }
    },
  };
}

/** The version and concurrency rules, in the order they run. */
export const versionChecks: ContractCheck[] = [versions, casStale, casFresh, casRace, unconditional, peerCas];
