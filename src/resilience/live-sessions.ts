/**
 * The runtime's sessions in memory, bounded. A session that is idle (nothing queued, nothing unsaved, no
 * background save) is dropped from memory once more than `max` sessions are held, least recently used first; its
 * next call loads it from the store again. A session with work pending is never dropped, so nothing is lost.
 *
 * @module
 */
import type { LiveSession } from "../session/live-session.js";
import { isQuiet } from "./background.js";

/** Sessions a runtime keeps in memory by default. */
export const defaultMaxLiveSessions = 1000;

interface Entry {
  pending: Promise<LiveSession>;
  state: LiveSession | undefined;
  /** Bumped on every use: an eviction planned before a use is called off. */
  uses: number;
}

/** A bounded map of session id to live session (a promise of it while it loads). */
export class LiveSessions {
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();

  constructor(max: number = defaultMaxLiveSessions) {
    this.#max = Number.isInteger(max) && max > 0 ? max : defaultMaxLiveSessions;
  }

  /** Sessions held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The session, marked as most recently used. */
  get(sessionId: string): Promise<LiveSession> | undefined {
    const entry = this.#entries.get(sessionId);
    if (!entry) return undefined;
    entry.uses++;
    this.#entries.delete(sessionId);
    this.#entries.set(sessionId, entry);
    return entry.pending;
  }

  /** Adds a session (loading), then drops idle ones beyond the bound. */
  set(sessionId: string, pending: Promise<LiveSession>): void {
    const entry: Entry = { pending, state: undefined, uses: 0 };
    this.#entries.set(sessionId, entry);
    pending.then(
      (state) => {
        entry.state = state;
      },
      () => {},
    );
    if (this.#entries.size > this.#max) this.#trim();
  }

  /** Every session held (promises). */
  values(): IterableIterator<Promise<LiveSession>> {
    const entries = this.#entries.values();
    return (function* () {
      for (const entry of entries) yield entry.pending;
    })();
  }

  #trim(): void {
    let excess = this.#entries.size - this.#max;
    for (const [sessionId, entry] of this.#entries) {
      if (excess <= 0) break;
      const state = entry.state;
      if (!state || !isQuiet(state)) continue;
      excess--;
      // Dropped once its queue has drained, unless it was used (or given work) in the meantime.
      const queue = state.queue;
      const uses = entry.uses;
      queue.then(() => {
        if (this.#entries.get(sessionId) !== entry || entry.uses !== uses) return;
        if (state.queue !== queue || !isQuiet(state)) return;
        this.#entries.delete(sessionId);
      });
    }
  }
}
