/**
 * Loading a session from the store without ever stalling a call: the load has a bounded wait, and when the store
 * fails or is too slow the session starts in memory from what the agent sends (its full history), with an
 * `error` event. Saves then add this process's totals to the stored ones, so none are lost.
 *
 * @module
 */
import type { LiveSession } from "../session/live-session.js";
import type { SessionRecord, SessionStore } from "../store/types.js";
import { markLoaded } from "./background.js";
import { boundedWait } from "./wait.js";

/** How long a call waits for its session to load before it goes on in memory, by default. */
export const defaultStoreTimeoutMs = 1000;

/** Loads `sessionId` within `timeoutMs`, else builds it empty and reports why. Never rejects. */
export async function loadSession(
  store: SessionStore,
  sessionId: string,
  timeoutMs: number,
  build: (record: SessionRecord | undefined) => LiveSession,
  report: (error: unknown) => void,
): Promise<LiveSession> {
  let record: SessionRecord | undefined;
  let loaded = false;
  try {
    record = await boundedWait(
      store.load(sessionId),
      `loading session "${sessionId}" from the ${store.name} store`,
      timeoutMs,
    );
    loaded = true;
  } catch (error) {
    report(error);
    record = undefined;
  }
  const state = build(record);
  // A session the store does not hold yet is at version 0 there (when the store counts versions).
  if (loaded && state.storedVersion === undefined && typeof store.version === "function") state.storedVersion = record?.version ?? 0;
  markLoaded(state, record !== undefined);
  return state;
}
