/**
 * `compactor proxy` as a library: {@link startProxy}.
 *
 * @module
 */
export { AGENT_USAGE_HEADER, type AgentUsage } from "./agent-usage.js";
export { type ErrorDialect, proxyError } from "./errors.js";
export { createProxyMetrics, type ProxyMetrics } from "./metrics.js";
export {
  type CompactorProxy,
  DEFAULT_UPSTREAMS,
  maxListedSessions,
  PROXY_TOKEN_HEADER,
  type ProxyOptions,
  startProxy,
} from "./server.js";
export { maxRememberedReplies } from "./response-chain.js";
export { type ProxySession, type SessionSource, sessionFromHeaders, sessionOf } from "./session-id.js";
