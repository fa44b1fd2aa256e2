/**
 * The proxy's own refusals (bad token, body too large, upstream unreachable), in the error format of the API
 * the client speaks, so that its SDK raises its usual error class with a message that says what happened.
 *
 * @module
 */

/** Which provider's error format a client expects. */
export type ErrorDialect = "anthropic" | "openai";

const anthropicTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  502: "api_error",
  504: "timeout_error",
};

const openaiTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "invalid_request_error",
  403: "invalid_request_error",
  404: "invalid_request_error",
  413: "invalid_request_error",
  502: "server_error",
  504: "server_error",
};

/** An error the proxy answers itself. */
export interface ProxyErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The answer for an error of the proxy's own. `code` is a short machine-readable reason (OpenAI's `code`;
 * Anthropic's format has none, so it goes in the `x-compactor-error` header for both).
 */
export function proxyError(dialect: ErrorDialect, status: number, code: string, message: string): ProxyErrorAnswer {
  const body =
    dialect === "anthropic"
      ? { type: "error", error: { type: anthropicTypes[status] ?? "api_error", message } }
      : { error: { message, type: openaiTypes[status] ?? "server_error", param: null, code } };
  return {
    status,
    headers: {
      "content-type": "application/json",
      "x-compactor-error": code,
      // The SDKs retry 5xx and 429 unless told otherwise; a refusal of ours is not worth retrying, an
      // unreachable upstream is.
      "x-should-retry": status >= 500 ? "true" : "false",
    },
    body: JSON.stringify(body),
  };
}
