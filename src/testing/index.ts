/**
 * compactor/testing: a loopback server that speaks the Anthropic Messages, OpenAI Chat Completions and OpenAI
 * Responses APIs (streaming included) for tests that drive the real SDK clients; and a contract test kit for
 * session stores of your own ({@link assertSessionStore}, {@link sessionStoreContract}).
 *
 * @example
 * ```ts
 * const server = await startTestServer({ script: [reply.toolCall("bash", { command: "ls" }), "Done."] });
 * const client = new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
 * const message = await client.messages.stream({ model, max_tokens: 1024, messages }).finalMessage();
 * server.requests[0]?.usage; // { promptTokens, inputTokens, cacheReadTokens, ... } as the server computed them
 * await server.close();
 * ```
 *
 * @module
 */

export {
  type CacheUsage,
  createPrefixCache,
  noPromptCache,
  type PrefixCacheOptions,
  type PromptCache,
} from "./prefix-cache.js";
export {
  type CountTokens,
  estimateTokens,
  type PromptLayout,
  type PromptSegment,
  type TokenCountContext,
} from "./prompt.js";
export { recallIdsOf } from "./recall-ids.js";
export type { RecordedRequest, ServerUsage } from "./recorded-request.js";
export {
  type BrokenStreamReply,
  type ErrorReply,
  type MalformedReply,
  type MessageReply,
  type Reply,
  type ReplyPart,
  reply,
} from "./reply.js";
export {
  defaultScript,
  type Script,
  type ScriptAnswer,
  type ScriptContext,
  type ScriptFunction,
} from "./script.js";
export { startTestServer, type TestServer, type TestServerOptions } from "./server.js";
export {
  assertSessionStore,
  type ContractTestApi,
  type ContractTestBody,
  type ContractTestFunction,
  checkSessionStore,
  type OpenStore,
  type SessionStoreContractOptions,
  StoreContractError,
  type StoreContractReport,
  type StoreContractResult,
  type StoreContractRule,
  sessionStoreContract,
  sessionStoreRules,
} from "./store-contract/index.js";
