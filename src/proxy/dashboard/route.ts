/**
 * The dashboard's two routes on the proxy: `GET /` (the page) and `GET /api/summary` (its JSON). When the proxy
 * has a token, both need it, in the `x-compactor-token` header like every other request or, because a browser
 * cannot add a header to the address it opens, as `?token=` (the page then sends it as the header).
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dashboardCsp, dashboardHtml, loginHtml } from "./page.js";
import { buildSummary, type DashboardSummary, type SummarySources } from "./summary.js";

/** Path of the dashboard's JSON. */
export const DASHBOARD_SUMMARY_PATH = "/api/summary";

/** Options of {@link createDashboard}. */
export interface DashboardOptions extends SummarySources {
  /** The proxy token, when it has one. */
  token: string | undefined;
  /**
   * A summary younger than this is served again instead of being rebuilt (several open dashboards cost one).
   * @default 1000
   */
  maxAgeMs?: number;
}

/** The dashboard of one proxy. */
export interface Dashboard {
  /** True for the requests the dashboard answers (`GET`/`HEAD` of `/` or `/api/summary`, any query). */
  handles(method: string | undefined, target: string): boolean;
  /** Answers one of those requests; resolves to the route name for the proxy's request metrics. */
  serve(request: IncomingMessage, response: ServerResponse): Promise<string>;
  /** The current summary (the JSON `/api/summary` serves). */
  summary(): Promise<DashboardSummary>;
}

const pageHeaders = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function pathOf(target: string): string {
  const query = target.indexOf("?");
  return query === -1 ? target : target.slice(0, query);
}

function write(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
  head: boolean,
): void {
  response.writeHead(status, { ...pageHeaders, ...headers, "content-length": Buffer.byteLength(body) });
  response.end(head ? undefined : body);
}

/** Creates the dashboard of a proxy. */
export function createDashboard(options: DashboardOptions): Dashboard {
  const expected = options.token === undefined ? undefined : Buffer.from(options.token);
  const maxAgeMs = options.maxAgeMs ?? 1000;
  let cached: { at: number; summary: Promise<DashboardSummary> } | undefined;

  const summary = (): Promise<DashboardSummary> => {
    const now = Date.now();
    if (cached === undefined || now - cached.at >= maxAgeMs) {
      const building = buildSummary(options);
      cached = { at: now, summary: building };
      building.catch(() => {
        if (cached?.summary === building) cached = undefined;
      });
    }
    return cached.summary;
  };

  const authorised = (request: IncomingMessage, target: string): boolean => {
    if (expected === undefined) return true;
    const header = request.headers["x-compactor-token"];
    const query = target.includes("?")
      ? new URLSearchParams(target.slice(target.indexOf("?") + 1)).get("token")
      : null;
    const given = typeof header === "string" ? header : query;
    if (given === null) return false;
    const buffer = Buffer.from(given);
    return buffer.length === expected.length && timingSafeEqual(buffer, expected);
  };

  return {
    handles(method, target) {
      if (method !== "GET" && method !== "HEAD") return false;
      const path = pathOf(target);
      return path === "/" || path === DASHBOARD_SUMMARY_PATH;
    },
    summary,
    async serve(request, response) {
      const target = request.url ?? "/";
      const head = request.method === "HEAD";
      const isPage = pathOf(target) === "/";
      if (!authorised(request, target)) {
        if (isPage) {
          write(
            response,
            401,
            { "content-type": "text/html; charset=utf-8", "content-security-policy": dashboardCsp },
            loginHtml,
            head,
          );
        } else {
          const body = JSON.stringify({
            error: {
              type: "proxy_token_required",
              message: "compactor proxy: missing or wrong x-compactor-token header.",
            },
          });
          write(response, 401, { "content-type": "application/json; charset=utf-8" }, body, head);
        }
        return "dashboard";
      }
      if (isPage) {
        write(
          response,
          200,
          { "content-type": "text/html; charset=utf-8", "content-security-policy": dashboardCsp },
          dashboardHtml,
          head,
        );
        return "dashboard";
      }
      try {
        const body = JSON.stringify(await summary());
        write(response, 200, { "content-type": "application/json; charset=utf-8" }, body, head);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        write(
          response,
          500,
          { "content-type": "application/json; charset=utf-8" },
          JSON.stringify({
            error: {
              type: "dashboard_summary_failed",
              message: `compactor proxy could not build the summary: ${message}`,
            },
          }),
          head,
        );
      }
      return "dashboard";
    },
  };
}
