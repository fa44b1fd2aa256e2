/**
 * A custom session store in 50 lines: sessions as JSON strings in a Map, as a database row or a file would hold
 * them. It keeps the whole SessionStore contract (`test/store/example-store.test.ts` runs the contract kit on it,
 * and the README shows this file).
 *
 * Run its check: npx vitest run test/store/example-store.test.ts
 */
// README:start
import {
  type SessionRecord,
  type SessionStore,
  type SessionTotals,
  StoreConflictError,
  StoreVersionConflictError,
} from "../src/index.js";

export function mapStore(): SessionStore {
  const rows = new Map<string, string>(); // session id -> SessionRecord as JSON
  const replies = new Map<string, string>(); // Responses reply id -> session id
  const read = (id: string): SessionRecord | undefined => {
    const row = rows.get(id);
    return row === undefined ? undefined : JSON.parse(row);
  };
  return {
    name: "map",
    async load(id) {
      return read(id); // a fresh copy on every load
    },
    async version(id) {
      return read(id)?.version ?? 0;
    },
    // No await between the read and the write: the check and the write are one step, as in a transaction.
    async save(id, change) {
      const stored = read(id);
      const version = stored?.version ?? 0;
      if (change.ifVersion !== undefined && change.ifVersion !== version) {
        throw new StoreVersionConflictError(id, change.ifVersion, version); // nothing written
      }
      const record = stored ?? { meta: change.meta, history: [], historyHashes: [], ledger: [] };
      if (change.history) {
        const { from, messages, hashes } = change.history;
        if (from > record.history.length) throw new StoreConflictError(id, from, record.history.length);
        record.history = [...record.history.slice(0, from), ...messages];
        record.historyHashes = [...record.historyHashes.slice(0, from), ...hashes];
      }
      const add = stored !== undefined && change.totalsDelta !== undefined && !change.replaceTotals;
      const totals = add ? sum(stored.meta.totals, change.totalsDelta as SessionTotals) : change.meta.totals;
      record.meta = { ...change.meta, totals };
      record.ledger.push(...(change.ledger ?? []));
      record.version = version + 1;
      rows.set(id, JSON.stringify(record)); // a copy: the caller's objects stay the caller's
      return { version: record.version };
    },
    async delete(id) {
      rows.delete(id);
    },
    async list() {
      return [...rows.keys()];
    },
    async linkResponse(responseId, sessionId) {
      replies.set(responseId, sessionId);
    },
    async responseSession(responseId) {
      return replies.get(responseId);
    },
  };
}

function sum(stored: SessionTotals, delta: SessionTotals): SessionTotals {
  const totals = { ...stored };
  for (const key of Object.keys(delta) as Array<keyof SessionTotals>) totals[key] += delta[key];
  return totals;
}
// README:end
