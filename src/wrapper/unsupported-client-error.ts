/**
 * The error thrown when `withCompaction` is given something that is not a supported SDK client.
 *
 * @module
 */

import { InvalidOptionError } from "../errors.js";

function describeClient(client: unknown): string {
  if (typeof client !== "object" || client === null) return "";
  const className = (client as { constructor?: { name?: unknown } }).constructor?.name;
  const keys = Object.keys(client).filter((key) => !key.startsWith("_"));
  const shown = keys.slice(0, 6).join(", ") + (keys.length > 6 ? ", ..." : "");
  return `an object of class ${typeof className === "string" && className !== "" ? className : "Object"} with keys [${shown}]`;
}

/**
 * `client` is not a client compactor can wrap. {@link InvalidOptionError.received} holds the client itself; the
 * message describes it by class and top-level keys only, so no credential it holds is printed.
 */
export class UnsupportedClientError extends InvalidOptionError {
  override name = "UnsupportedClientError";

  /** `expected` says which client was expected and which members it lacks. */
  constructor(client: unknown, expected: string) {
    super("client", expected, typeof client === "object" && client !== null ? undefined : client);
    Object.defineProperty(this, "received", { value: client, enumerable: false, writable: true });
    const description = describeClient(client);
    if (description !== "") this.message = `Expected \`client\` to be ${expected}, got ${description}`;
  }
}
