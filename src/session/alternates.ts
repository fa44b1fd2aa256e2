/**
 * Checkpoints kept for another conversation of the same session. One session id often carries several
 * conversations at once: Claude Code's subagents and side calls (titles, summaries of command output) carry the
 * main conversation's session id, and two processes may serve two of them at the same instant. A request whose
 * history the active checkpoint does not fit used to drop it, and the main conversation's next call then
 * compacted anew (a new prefix: the provider's cache missed). Now the dropped checkpoint is kept whole among the
 * session's alternates (at most {@link maxAlternateCheckpoints}), and a request whose history one of them fits goes
 * on through it: the same bytes as before, read from the provider's cache.
 *
 * @module
 */
import type { Checkpoint, SessionMeta } from "../store/types.js";
import { prefixHash } from "./raw-hash.js";

/** Alternate checkpoints a session keeps whole (the oldest beyond it go to `pastCheckpoints`). */
export const maxAlternateCheckpoints = 3;

/** True when `checkpoint` fits a history with these message hashes (its covered messages are the same). */
export function fits(checkpoint: Checkpoint, hashes: readonly string[]): boolean {
  return checkpoint.covered <= hashes.length && prefixHash(hashes, checkpoint.covered) === checkpoint.prefixHash;
}

/** Keeps `checkpoint` whole among the meta's alternates (most recent last); the oldest beyond the bound is dropped. */
export function keepAlternate(meta: SessionMeta, checkpoint: Checkpoint): void {
  const list = (meta.alternateCheckpoints ?? []).filter((known) => known.id !== checkpoint.id);
  list.push(checkpoint);
  while (list.length > maxAlternateCheckpoints) {
    const dropped = list.shift() as Checkpoint;
    if (!meta.pastCheckpoints.some((past) => past.id === dropped.id)) {
      const { replacement: _replacement, ...rest } = dropped;
      meta.pastCheckpoints.push(rest);
    }
  }
  meta.alternateCheckpoints = list;
}

/** Takes out of the alternates the one that fits these hashes (the one covering most), if any. */
export function takeAlternate(meta: SessionMeta, hashes: readonly string[]): Checkpoint | undefined {
  const list = meta.alternateCheckpoints;
  if (!list || list.length === 0) return undefined;
  let best = -1;
  for (let index = 0; index < list.length; index++) {
    const candidate = list[index] as Checkpoint;
    if (fits(candidate, hashes) && (best < 0 || candidate.covered > (list[best] as Checkpoint).covered)) best = index;
  }
  if (best < 0) return undefined;
  const found = list[best];
  // A new list, never a change in place: a store may still hold the old one (the memory store keeps the meta
  // it was given).
  const rest = list.filter((_, index) => index !== best);
  if (rest.length === 0) delete meta.alternateCheckpoints;
  else meta.alternateCheckpoints = rest;
  return found;
}

/**
 * The checkpoint a session goes on through when two copies of it meet (another process saved the session while
 * this one served it): `local` is this copy's, `stored` the store's, `hashes` the history the merged session
 * keeps. The newer one when one was made on top of the other; else the stored one (saved first: every process
 * converges on it) when it fits the history, else the local one when it fits. The other is kept as an alternate
 * (a later request of its conversation goes on through it). Changes `meta` (the merged session's).
 */
export function mergeCheckpoints(
  meta: SessionMeta,
  local: SessionMeta,
  stored: SessionMeta,
  hashes: readonly string[],
): void {
  const past = new Map<string, Omit<Checkpoint, "replacement">>();
  for (const entry of [...stored.pastCheckpoints, ...local.pastCheckpoints]) if (!past.has(entry.id)) past.set(entry.id, entry);
  meta.pastCheckpoints = [...past.values()];
  const candidates: Checkpoint[] = [];
  for (const checkpoint of [
    ...(stored.alternateCheckpoints ?? []),
    ...(local.alternateCheckpoints ?? []),
    local.checkpoint,
    stored.checkpoint,
  ]) {
    if (checkpoint && !candidates.some((known) => known.id === checkpoint.id)) candidates.push(checkpoint);
  }
  const ours = local.checkpoint;
  const theirs = stored.checkpoint;
  let active: Checkpoint | undefined;
  if (ours && theirs && ours.id === theirs.id) active = theirs;
  else if (ours && theirs && local.pastCheckpoints.some((entry) => entry.id === theirs.id) && fits(ours, hashes)) active = ours;
  else if (ours && theirs && stored.pastCheckpoints.some((entry) => entry.id === ours.id) && fits(theirs, hashes)) active = theirs;
  else if (theirs && fits(theirs, hashes)) active = theirs;
  else if (ours && fits(ours, hashes)) active = ours;
  if (active) meta.checkpoint = structuredClone(active);
  else delete meta.checkpoint;
  delete meta.alternateCheckpoints;
  for (const candidate of candidates) {
    if (candidate.id === active?.id || past.has(candidate.id)) continue;
    if (active && fits(candidate, hashes)) {
      // Made for the same conversation at the same instant, and not the one kept: history, not an alternate.
      const { replacement: _replacement, ...rest } = candidate;
      meta.pastCheckpoints.push(rest);
      continue;
    }
    keepAlternate(meta, structuredClone(candidate));
  }
}
