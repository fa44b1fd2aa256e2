/**
 * Which provider API a request speaks, from its method and URL path. Only the three APIs compactor compacts are
 * recognised; every other request (token counting, models, files, batches, Bedrock's event streams) is
 * forwarded untouched.
 *
 * @module
 */
import type { ProviderFormat } from "../../transcript/types.js";

/** Formats a core may recognise (an SDK client's core knows which SDK it serves). */
export type FormatSet = ReadonlySet<ProviderFormat>;

/** Every format. */
export const allFormats: FormatSet = new Set<ProviderFormat>(["anthropic", "openai-chat", "openai-responses"]);

/**
 * The format of a `POST` to `url`, or undefined when compactor does not handle it.
 *
 * - Anthropic Messages: a path ending in `/messages` (`/v1/messages`, Foundry's `/anthropic/v1/messages`), or
 *   Vertex AI's `:rawPredict` / `:streamRawPredict` on an Anthropic model;
 * - OpenAI Chat Completions: a path ending in `/chat/completions` (Azure's `/openai/deployments/x/...` too);
 * - OpenAI Responses: a path ending in `/responses`.
 */
export function formatOf(method: string, url: string, formats: FormatSet = allFormats): ProviderFormat | undefined {
  if (method !== "POST") return undefined;
  const path = pathOf(url);
  if (formats.has("anthropic") && (path.endsWith("/messages") || /\/models\/[^/]*claude[^/]*:(stream)?rawPredict$/i.test(path)))
    return "anthropic";
  if (formats.has("openai-chat") && path.endsWith("/chat/completions")) return "openai-chat";
  if (formats.has("openai-responses") && path.endsWith("/responses")) return "openai-responses";
  return undefined;
}

function pathOf(url: string): string {
  const start = url.indexOf("://");
  const slash = url.indexOf("/", start < 0 ? 0 : start + 3);
  if (slash < 0) return "/";
  let end = url.length;
  const query = url.indexOf("?", slash);
  if (query >= 0) end = query;
  const hash = url.indexOf("#", slash);
  if (hash >= 0 && hash < end) end = hash;
  let path = url.slice(slash, end);
  while (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return path;
}

/** The model a Vertex AI URL names (`…/models/claude-sonnet-4-5@20250929:streamRawPredict`), if any. */
export function modelInPath(url: string): string | undefined {
  const match = /\/models\/([^/:?#]+):(?:stream)?rawPredict(?:[?#]|$)/i.exec(url);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}
