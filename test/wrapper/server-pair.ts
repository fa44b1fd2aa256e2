/**
 * Two loopback test servers per test, with the same fixed clock: one answers the unwrapped client, the other the
 * wrapped one, so their answers can be compared field by field (ids included).
 */

import { afterEach, beforeEach } from "vitest";
import { startTestServer, type TestServer } from "../../src/testing/index.js";
import { fixedClock } from "./recording-handler.js";

/** The servers of the running test. */
export interface ServerPair {
  /** Serves the unwrapped client. */
  readonly raw: TestServer;
  /** Serves the wrapped client. */
  readonly wrapped: TestServer;
}

/** Starts a fresh pair before each test of the calling file and closes it after. */
export function useServerPair(): ServerPair {
  let raw: TestServer | undefined;
  let wrapped: TestServer | undefined;
  beforeEach(async () => {
    raw = await startTestServer({ now: fixedClock });
    wrapped = await startTestServer({ now: fixedClock });
  });
  afterEach(async () => {
    await Promise.all([raw?.close(), wrapped?.close()]);
  });
  const started = (server: TestServer | undefined): TestServer => {
    if (server === undefined) throw new Error("the test servers start before each test");
    return server;
  };
  return {
    get raw() {
      return started(raw);
    },
    get wrapped() {
      return started(wrapped);
    },
  };
}

/** Reads an async iterable to its end. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
