/**
 * Which compactor session a request that reached the proxy belongs to. In order:
 *
 * 1. the `x-compactor-session` header, verbatim (any client can set it; Claude Code through
 *    `ANTHROPIC_CUSTOM_HEADERS`, Codex through its provider's `http_headers`);
 * 2. the agent's own session id: Claude Code's, from the request body's `metadata.user_id`
 *    (`user_<hash>_account_<uuid>_session_<uuid>`, or the JSON object newer versions send there) or its
 *    `x-claude-code-session-id` header; the Codex CLI's `session-id` header (0.171; its `thread-id` and the
 *    `session_id` in `x-codex-turn-metadata` carry the same id), or the `session_id` / `conversation_id` headers
 *    of older versions (and their `x-codex-` forms);
 * 3. an OpenAI Responses call chained to an earlier reply (`previous_response_id`): that reply's session (see
 *    `response-chain.ts`);
 * 4. a hash of the conversation's start: the API, the system prompt (or Responses `instructions`) and the first
 *    message, `cache_control` markers left out (agents move them from turn to turn). Two conversations that
 *    start with the same system prompt and first message share a session: set the header to tell them apart.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ProviderFormat } from "../transcript/types.js";
import { SESSION_HEADER } from "../wrapper/contract.js";

/** Where a request's session id came from. */
export type SessionSource = "header" | "claude-code" | "codex" | "response-chain" | "hash";

/** A request's session, and where it came from. */
export interface ProxySession {
  id: string;
  source: SessionSource;
}

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const claudeCodeUserId = new RegExp(`_session_(${uuid})$`, "i");
const bareUuid = new RegExp(`^${uuid}$`, "i");
/**
 * Session headers the Codex CLI sends: 0.171 sends `session-id` (and `thread-id`, the same id); older versions
 * `session_id` or `conversation_id`.
 */
const codexHeaders = ["session-id", "session_id", "x-codex-session-id", "conversation_id", "x-codex-conversation-id"];

/** A request's headers: a `Headers`, or a plain object with lower-case names (what the proxy builds). */
export type RequestHeaders = Headers | Readonly<Record<string, string | undefined>>;

function headerOf(headers: RequestHeaders, name: string): string | undefined {
  return headers instanceof Headers ? (headers.get(name) ?? undefined) : headers[name];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Claude Code's session id from `metadata.user_id`, when the request carries one. */
function claudeCodeSession(params: Record<string, unknown> | undefined, headers: RequestHeaders): string | undefined {
  const header = headerOf(headers, "x-claude-code-session-id");
  if (header !== undefined && header.trim().length > 0 && header.length <= 200) return header.trim().toLowerCase();
  const metadata = params?.metadata;
  if (!isRecord(metadata) || typeof metadata.user_id !== "string") return undefined;
  const userId = metadata.user_id;
  const legacy = claudeCodeUserId.exec(userId);
  if (legacy?.[1] !== undefined) return legacy[1].toLowerCase();
  if (userId.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(userId);
      if (isRecord(parsed) && typeof parsed.session_id === "string" && bareUuid.test(parsed.session_id)) {
        return parsed.session_id.toLowerCase();
      }
    } catch {
      // Not JSON after all: no session in it.
    }
  }
  return undefined;
}

function codexSession(headers: RequestHeaders): string | undefined {
  for (const name of codexHeaders) {
    const value = headerOf(headers, name)?.trim();
    if (value !== undefined && value.length > 0 && value.length <= 200) return value;
  }
  return undefined;
}

/** A copy of `value` without `cache_control` keys, for hashing. */
function withoutCacheControl(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCacheControl);
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (key !== "cache_control") copy[key] = withoutCacheControl(value[key]);
  return copy;
}

/** What identifies a conversation's start in each API. */
function conversationStart(format: ProviderFormat, params: Record<string, unknown>): unknown[] {
  if (format === "anthropic") {
    const messages = Array.isArray(params.messages) ? params.messages : [];
    return [format, params.system ?? null, messages[0] ?? null];
  }
  if (format === "openai-chat") {
    const messages = Array.isArray(params.messages) ? params.messages : [];
    const firstOther = messages.findIndex((message) => !isRecord(message) || (message.role !== "system" && message.role !== "developer"));
    return [format, messages.slice(0, firstOther < 0 ? messages.length : firstOther + 1)];
  }
  const input = params.input;
  return [format, params.instructions ?? null, Array.isArray(input) ? (input[0] ?? null) : (input ?? null)];
}

/**
 * The session a request's headers name, if any: `x-compactor-session`, Claude Code's or Codex's own. Checked
 * first, so that the body of such a request need not be parsed a second time.
 */
export function sessionFromHeaders(format: ProviderFormat, headers: RequestHeaders): ProxySession | undefined {
  const explicit = headerOf(headers, SESSION_HEADER)?.trim();
  if (explicit !== undefined && explicit.length > 0) return { id: explicit, source: "header" };
  const claude = format === "anthropic" ? claudeCodeSession(undefined, headers) : undefined;
  if (claude !== undefined) return { id: `claude-code:${claude}`, source: "claude-code" };
  const codex = format === "anthropic" ? undefined : codexSession(headers);
  if (codex !== undefined) return { id: `codex:${codex}`, source: "codex" };
  return undefined;
}

/** The session of a request, from its headers and (parsed JSON) body. */
export function sessionOf(format: ProviderFormat, headers: RequestHeaders, params: Record<string, unknown>): ProxySession {
  const named = sessionFromHeaders(format, headers);
  if (named !== undefined) return named;
  const claude = format === "anthropic" ? claudeCodeSession(params, headers) : undefined;
  if (claude !== undefined) return { id: `claude-code:${claude}`, source: "claude-code" };
  const digest = createHash("sha256")
    .update(JSON.stringify(withoutCacheControl(conversationStart(format, params))))
    .digest("hex");
  return { id: `hash:${digest.slice(0, 24)}`, source: "hash" };
}
