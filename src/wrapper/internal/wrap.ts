/**
 * The steps every `wrap*` function shares: check the client's shape, copy it, patch the copy.
 *
 * @module
 */

import type { RequestHandler } from "../contract.js";
import { InvalidOptionError } from "../../errors.js";
import { UnsupportedClientError } from "../unsupported-client-error.js";
import { copyClient, hasCreate, type PatchPoint, patchClient } from "./patch.js";
import { takeSessionHeader } from "./session-header.js";

/** One SDK: how to recognise its clients and what to patch on them. */
export interface SdkDescription {
  /** The npm package, e.g. `openai`. */
  packageName: string;
  /** For error messages: `an Anthropic client (from @anthropic-ai/sdk)`. */
  clientDescription: string;
  /** The path of the `create` whose presence identifies the SDK's clients, e.g. `["messages"]`. */
  requiredPath: readonly string[];
  /** Every `create` to patch (those missing on a client are skipped). */
  points: readonly PatchPoint[];
}

const warned = new Set<string>();

function warnUnpatched(packageName: string): void {
  if (warned.has(packageName)) return;
  warned.add(packageName);
  process.emitWarning(
    `compactor could not find the APIPromise of this ${packageName} client; its calls are sent unchanged and are not tracked.`,
    "CompactorWarning",
    "COMPACTOR_UNSUPPORTED_SDK",
  );
}

/** The session header in the client's `defaultHeaders`, and those headers without it; undefined when absent. */
function defaultSessionHeader(client: unknown): { sessionId: string | undefined; headers: unknown } | undefined {
  const options = (client as { _options?: { defaultHeaders?: unknown } })._options;
  const headers = options?.defaultHeaders;
  if (headers === undefined || headers === null) return undefined;
  const taken = takeSessionHeader({ headers });
  if (taken.requestOptions === undefined || (taken.requestOptions as { headers?: unknown }).headers === headers) {
    return undefined;
  }
  return { sessionId: taken.sessionId, headers: (taken.requestOptions as { headers: unknown }).headers };
}

/** True when `client` has the `create` that identifies `sdk`'s clients. */
export function looksLike(client: unknown, sdk: SdkDescription): boolean {
  return hasCreate(client, sdk.requiredPath);
}

/**
 * A patched copy of `client` (the user's client is not changed). When the SDK's internals cannot be found, the
 * client itself is returned, with a one-time process warning: compactor never breaks the user's calls.
 */
export function wrapWith<C>(
  client: C,
  handler: RequestHandler,
  defaultSession: string,
  sdk: SdkDescription,
): C {
  const expected = `${sdk.clientDescription} with \`withOptions\` and \`${[...sdk.requiredPath, "create"].join(".")}\``;
  if (!looksLike(client, sdk)) throw new UnsupportedClientError(client, expected);
  if (typeof handler !== "object" || handler === null || typeof handler.prepare !== "function") {
    throw new InvalidOptionError("handler", "an object with a `prepare(request)` method", handler);
  }
  if (typeof defaultSession !== "string" || defaultSession === "") {
    throw new InvalidOptionError("session", "a non-empty string", defaultSession);
  }
  // A session header among the client's default headers names the client's session; it is never sent.
  const defaults = defaultSessionHeader(client);
  const copy = copyClient(client as object, defaults ? { defaultHeaders: defaults.headers } : {});
  if (copy === undefined) throw new UnsupportedClientError(client, expected);
  const plan = {
    packageName: sdk.packageName,
    points: sdk.points,
    handler,
    defaultSession: defaults?.sessionId ?? defaultSession,
  };
  if (patchClient(copy, plan)) return copy as C;
  warnUnpatched(sdk.packageName);
  return client;
}
