/**
 * The proxy's dashboard: a page at `/` and its JSON at `/api/summary`.
 *
 * @module
 */
export {
  type BudgetState,
  budgetState,
  type DashboardBudget,
  type DashboardBudgets,
  type ResolvedBudgets,
  resolveBudgets,
} from "./budgets.js";
export { createDashboard, DASHBOARD_SUMMARY_PATH, type Dashboard, type DashboardOptions } from "./route.js";
export {
  buildSummary,
  DASHBOARD_SUMMARY_VERSION,
  type DashboardSession,
  type DashboardSummary,
  type DashboardTotals,
  type ProxyMode,
  SAVING_DEFINITION,
  type SummarySources,
  sumReports,
} from "./summary.js";
