/**
 * `compactor proxy` as a library: {@link startProxy}.
 *
 * @module
 */
export { AGENT_USAGE_HEADER, type AgentUsage } from "./agent-usage.js";
export {
  type BudgetState,
  DASHBOARD_SUMMARY_PATH,
  DASHBOARD_SUMMARY_VERSION,
  type DashboardBudget,
  type DashboardBudgets,
  type DashboardSession,
  type DashboardSummary,
  type DashboardTotals,
  SAVING_DEFINITION,
} from "./dashboard/index.js";
export { type ErrorDialect, proxyError } from "./errors.js";
export { createProxyMetrics, type ProxyMetrics } from "./metrics.js";
export { maxRememberedReplies } from "./response-chain.js";
export {
  type CompactorProxy,
  DEFAULT_UPSTREAMS,
  maxListedSessions,
  PROXY_TOKEN_HEADER,
  type ProxyOptions,
  startProxy,
} from "./server.js";
export { type ProxySession, type SessionSource, sessionFromHeaders, sessionOf } from "./session-id.js";
