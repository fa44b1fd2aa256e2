/**
 * Shared pieces of the end-to-end tests: test servers closed after each test, and the server's own count of
 * what the calls cost, priced independently of compactor's ledger.
 */
import { afterEach } from "vitest";
import { costOfCall } from "../../src/index.js";
import {
  type RecordedRequest,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "../../src/testing/index.js";

/** Starts test servers on demand and closes them after each test of the calling file. */
export function useServers(): (options?: TestServerOptions) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (options) => {
    const started = await startTestServer(options);
    servers.push(started);
    return started;
  };
}

/** Dollars of the calls as the server counted them (list prices of `model`). */
export function serverCost(requests: readonly RecordedRequest[], model: string): number {
  let total = 0;
  for (const request of requests) {
    if (!request.usage) continue;
    const cost = costOfCall(model, request.usage);
    if (!cost.known || cost.costUsd === null) throw new Error(`no price for ${model}`);
    total += cost.costUsd;
  }
  return total;
}

/** Prompt tokens the server counted over all calls. */
export function serverPromptTokens(requests: readonly RecordedRequest[]): number {
  return requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
}
