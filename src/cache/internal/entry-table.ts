/**
 * The provider's cache as a map from prefix key to entry, with idle expiry, a clock and JSON round trips.
 *
 * @module
 */
import { InvalidOptionError } from "../../errors.js";
import type { CacheSimulatorState, CacheWarning, SerializedCacheEntry } from "../types.js";

/** One cached prefix. */
export interface CacheEntry {
  createdAt: number;
  lastUsedAt: number;
  /** Idle lifetime: the entry is gone once `now - lastUsedAt >= ttlMs`. */
  ttlMs: number;
}

const sweepEvery = 256;
const maximumWarnings = 100;

/** Entries, clock and warnings shared by the Anthropic and OpenAI simulators. */
export class EntryTable {
  readonly entries = new Map<number, CacheEntry>();
  clock = 0;
  calls = 0;
  readonly warnings: CacheWarning[] = [];

  /** Starts a call: validates and advances the clock, sweeps expired entries now and then. Returns `now`. */
  begin(timestamp: number | undefined): number {
    if (timestamp !== undefined) {
      if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
        throw new InvalidOptionError("timestamp", "a finite number of milliseconds", timestamp);
      }
      this.clock = timestamp;
    }
    this.calls++;
    if (this.calls % sweepEvery === 0) this.sweep();
    return this.clock;
  }

  /** The live entry for `key` at `now`, if any. */
  live(key: number, now: number): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    return now - entry.lastUsedAt < entry.ttlMs ? entry : undefined;
  }

  /** Creates or refreshes the entry for `key`; a refresh keeps the longer of the two lifetimes. */
  touch(key: number, now: number, ttlMs: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined || now - entry.lastUsedAt >= entry.ttlMs) {
      this.entries.set(key, { createdAt: now, lastUsedAt: now, ttlMs });
      return;
    }
    entry.lastUsedAt = now;
    if (ttlMs > entry.ttlMs) entry.ttlMs = ttlMs;
  }

  /** Records a warning for the current call (keeps the first 100). */
  warn(code: CacheWarning["code"], message: string): void {
    if (this.warnings.length < maximumWarnings) this.warnings.push({ code, message, call: this.calls - 1 });
  }

  /** Drops entries that have expired at the current clock. */
  sweep(): void {
    for (const [key, entry] of this.entries) {
      if (this.clock - entry.lastUsedAt >= entry.ttlMs) this.entries.delete(key);
    }
  }

  reset(): void {
    this.entries.clear();
    this.clock = 0;
    this.calls = 0;
    this.warnings.length = 0;
  }

  snapshot(provider: CacheSimulatorState["provider"]): CacheSimulatorState {
    this.sweep();
    const entries: SerializedCacheEntry[] = [];
    for (const [key, entry] of this.entries)
      entries.push([key, entry.createdAt, entry.lastUsedAt, entry.ttlMs]);
    return { version: 1, provider, clock: this.clock, calls: this.calls, entries };
  }

  /** Loads a snapshot taken by {@link EntryTable.snapshot}, checking its shape. */
  restore(state: CacheSimulatorState, provider: CacheSimulatorState["provider"]): void {
    if (typeof state !== "object" || state === null || state.version !== 1) {
      throw new InvalidOptionError("state.version", "1", (state as { version?: unknown } | null)?.version);
    }
    if (state.provider !== provider) {
      throw new InvalidOptionError("state.provider", `"${provider}"`, state.provider);
    }
    if (!Array.isArray(state.entries))
      throw new InvalidOptionError("state.entries", "an array", state.entries);
    this.reset();
    this.clock = Number(state.clock) || 0;
    this.calls = Number(state.calls) || 0;
    state.entries.forEach((row, index) => {
      if (!Array.isArray(row) || row.length !== 4 || !row.every((value) => Number.isFinite(value))) {
        throw new InvalidOptionError(
          `state.entries[${index}]`,
          "[key, createdAt, lastUsedAt, ttlMs] numbers",
          row,
        );
      }
      const [key, createdAt, lastUsedAt, ttlMs] = row;
      this.entries.set(key, { createdAt, lastUsedAt, ttlMs });
    });
  }
}
