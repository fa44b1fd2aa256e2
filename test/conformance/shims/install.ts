/**
 * Installs compactor on every SDK client the official suites construct, in the mode named by
 * `COMPACTOR_CONFORMANCE_MODE`: `none` (the suites as published), `null` (`strategy: null`), `shadow`
 * (`shadow: true`) or `default` (the default strategy).
 */
import { withCompaction } from "../../../src/index.js";

const mode = process.env.COMPACTOR_CONFORMANCE_MODE ?? "none";

/** Wraps `client` in place (compactor installs on the client's own `fetch`). */
export function install(client: object): void {
  if (mode === "none") return;
  const options =
    mode === "null"
      ? { strategy: null }
      : mode === "shadow"
        ? { shadow: true }
        : mode === "default"
          ? {}
          : (() => {
              throw new Error(`unknown COMPACTOR_CONFORMANCE_MODE ${mode}`);
            })();
  withCompaction(client, { session: "conformance", diagnosticsChannel: false, ...options });
}
