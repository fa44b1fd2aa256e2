/**
 * Error bodies in each provider's JSON shape, and the validation issue type the request checks return.
 *
 * @module
 */

/** A request the real API would reject with a 400: what is wrong and (OpenAI) which parameter. */
export interface ValidationIssue {
  message: string;
  /** OpenAI's `param`, e.g. `messages.[3].role`; null when no single parameter is at fault. */
  param: string | null;
  /** OpenAI's `code`, e.g. `missing_required_parameter`. */
  code?: string;
}

const anthropicErrorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const defaultMessages: Record<number, string> = {
  400: "Invalid request.",
  401: "Invalid API key.",
  403: "Permission denied.",
  404: "Not found.",
  429: "Rate limit exceeded; retry after the time given in the retry-after header.",
  500: "Internal server error.",
  529: "Overloaded.",
};

/** A default message for an HTTP error status. */
export function defaultErrorMessage(status: number): string {
  return (
    defaultMessages[status] ??
    (status >= 500 ? "Internal server error." : `Request failed with status ${status}.`)
  );
}

/** Anthropic: `{ type: "error", error: { type, message }, request_id }`. */
export function anthropicErrorBody(status: number, message: string, requestId: string): unknown {
  const type = anthropicErrorTypes[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  return { type: "error", error: { type, message }, request_id: requestId };
}

/** OpenAI (Chat Completions and Responses): `{ error: { message, type, param, code } }`. */
export function openaiErrorBody(
  status: number,
  message: string,
  param: string | null,
  code?: string,
): unknown {
  if (status === 429) {
    return { error: { message, type: "tokens", param: null, code: code ?? "rate_limit_exceeded" } };
  }
  const type = status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message, type, param, code: code ?? null } };
}
