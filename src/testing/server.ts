/**
 * A loopback HTTP server that speaks the Anthropic Messages, OpenAI Chat Completions and OpenAI Responses APIs
 * well enough for the real SDK clients, streaming included. Answers come from a script; usage is computed from
 * the request with a token counter and a prompt cache; every request is recorded.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InvalidOptionError } from "../errors.js";
import { anthropicHandler } from "./anthropic.js";
import { isObject, type ProviderHandler, padded } from "./handler.js";
import { breakConnection, readBody, sendJson } from "./http.js";
import { openaiChatHandler } from "./openai-chat.js";
import { openaiResponsesHandler } from "./openai-responses.js";
import { createPrefixCache, type PromptCache } from "./prefix-cache.js";
import { type CountTokens, estimateTokens } from "./prompt.js";
import { openaiErrorBody } from "./provider-errors.js";
import type { RecordedRequest } from "./recorded-request.js";
import { type RespondState, respond, respondCompact, sendError } from "./respond.js";
import { type Script, type ScriptAnswer, ScriptRunner } from "./script.js";

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /**
   * What to answer: a queue of replies (then the default script), or a function of the request.
   * @default answers `Echo: <last user text>`
   */
  script?: Script;
  /**
   * Counts the tokens of one prompt or reply part.
   * @default {@link estimateTokens}: `Math.ceil(JSON.stringify(part).length / 4)`
   */
  countTokens?: CountTokens;
  /**
   * Decides the cache reads and writes of each successful call.
   * @default a fresh {@link createPrefixCache}()
   */
  cache?: PromptCache;
  /**
   * The clock, in milliseconds since the epoch: request times, `created` fields and cache expiry.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Largest number of characters in one streamed text or JSON delta.
   * @default 16
   */
  deltaCharacters?: number;
}

/** A running test server. */
export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** `baseURL` for `new Anthropic(...)` (the SDK appends `/v1/messages`). */
  anthropicBaseURL: string;
  /** `baseURL` for `new OpenAI(...)`: {@link TestServer.url} + `/v1`. */
  openaiBaseURL: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Queues replies in front of the script. */
  enqueue(...answers: ScriptAnswer[]): void;
  /** Stops listening and drops open connections; later calls return the same promise. */
  close(): Promise<void>;
}

const routes = new Map<string, ProviderHandler>([
  ["/v1/messages", anthropicHandler],
  ["/v1/chat/completions", openaiChatHandler],
  ["/v1/responses", openaiResponsesHandler],
]);

/** Azure OpenAI's deployment paths (`/openai/deployments/{name}/chat/completions`) answer like OpenAI's. */
const azureDeployment = /^(?:\/openai|\/v1)?\/deployments\/[^/]+(\/chat\/completions|\/responses)$/;

function routeOf(pathname: string): ProviderHandler | undefined {
  const exact = routes.get(pathname);
  if (exact !== undefined) return exact;
  const azure = azureDeployment.exec(pathname);
  return azure ? routes.get(`/v1${azure[1]}`) : undefined;
}

function checkedCounter(countTokens: CountTokens): CountTokens {
  return (part, context) => {
    const tokens = countTokens(part, context);
    if (!Number.isFinite(tokens) || tokens < 0) {
      throw new InvalidOptionError("countTokens(part) result", "a non-negative finite number", tokens);
    }
    return tokens;
  };
}

/** Starts a {@link TestServer} on 127.0.0.1 with a free port. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const deltaCharacters = options.deltaCharacters ?? 16;
  if (!Number.isInteger(deltaCharacters) || deltaCharacters < 1) {
    throw new InvalidOptionError("deltaCharacters", "a positive integer", deltaCharacters);
  }
  let answeredCalls = 0;
  const state: RespondState = {
    runner: new ScriptRunner(options.script),
    countTokens: checkedCounter(options.countTokens ?? estimateTokens),
    cache: options.cache ?? createPrefixCache(),
    now: options.now ?? Date.now,
    deltaCharacters,
    nextCallIndex: () => answeredCalls++,
  };
  const requests: RecordedRequest[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const time = state.now();
    const path = request.url ?? "/";
    const method = request.method ?? "GET";
    const pathname = new URL(path, "http://127.0.0.1").pathname;
    // OpenAI's standalone compaction, `POST /v1/responses/compact` (also under Azure's deployment paths).
    const compact = method === "POST" && /^(?:\/openai)?(?:\/v1)?(?:\/deployments\/[^/]+)?\/responses\/compact$/.test(pathname);
    const handler = compact ? openaiResponsesHandler : routeOf(pathname);
    const text = await readBody(request);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Kept as text; answered with a 400 below.
    }
    const stream = isObject(body) && body.stream === true;
    const requestId = `req_test_${padded(requests.length + 1)}`;
    const { headers } = request;
    const recorded: RecordedRequest = {
      provider: handler?.provider,
      requestId,
      method,
      path,
      headers,
      body,
      time,
      stream,
    };
    requests.push(recorded);
    if (handler === undefined || method !== "POST") {
      recorded.status = 404;
      const message = `No route for ${method} ${path} on the compactor test server.`;
      const errorBody = handler?.errorBody(404, message, null, undefined, requestId);
      return sendJson(response, 404, errorBody ?? openaiErrorBody(404, message, null));
    }
    if (!isObject(body)) {
      const message = "The request body is not a valid JSON object.";
      return sendError(handler, recorded, response, { status: 400, message });
    }
    try {
      if (compact) return respondCompact(state, recorded, body, response);
      await respond(state, handler, recorded, body, response);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      recorded.failure = message;
      if (response.headersSent) return breakConnection(response);
      sendError(handler, recorded, response, {
        status: 500,
        message: `compactor test server failed: ${message}`,
      });
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return breakConnection(response);
      sendJson(response, 500, openaiErrorBody(500, `compactor test server failed: ${String(error)}`, null));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    anthropicBaseURL: url,
    openaiBaseURL: `${url}/v1`,
    requests,
    enqueue: (...answers) => state.runner.enqueue(answers),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
