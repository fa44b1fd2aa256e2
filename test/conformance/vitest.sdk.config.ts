/**
 * Runs one official SDK test suite of `../shared/conformance` (Jest tests) under vitest, with the package
 * mapped to the installed package's TypeScript sources and its main export replaced by clients compactor wraps
 * (see shims/). `CONFORMANCE_SUITE` names the suite (`openai` or `anthropic`), `CONFORMANCE_ROOT` the copy of it
 * to run, `COMPACTOR_CONFORMANCE_MODE` the mode. Used by conformance.test.ts, which compares the modes.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vitest/config";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const suites = {
  openai: { dir: "openai-node-v6.49.0", pkg: "openai", shim: "openai.ts" },
  anthropic: { dir: "anthropic-sdk-typescript-v0.120.0", pkg: "@anthropic-ai/sdk", shim: "anthropic.ts" },
} as const;
const suite = suites[(process.env.CONFORMANCE_SUITE ?? "openai") as keyof typeof suites];
/** A private copy of the suite (conformance.test.ts makes it): nothing is ever written under ../shared. */
const root = process.env.CONFORMANCE_ROOT ?? resolve(repo, "../shared/conformance", suite.dir);
const pkgSrc = join(repo, "node_modules", suite.pkg, "src");
const shim = join(here, "shims", suite.shim);

/** Maps the package, its subpaths and the suites' relative `../src/...` imports to the installed sources. */
function sdkSources(): Plugin {
  const suiteSrc = join(root, "src");
  return {
    name: "compactor-conformance-sdk-sources",
    enforce: "pre",
    async resolveId(source, importer, options) {
      let target: string | undefined;
      if (source === suite.pkg) target = importer === shim ? join(pkgSrc, "index.ts") : shim;
      else if (source.startsWith(`${suite.pkg}/`)) target = join(pkgSrc, source.slice(suite.pkg.length + 1));
      else if (source.startsWith(".") && importer !== undefined) {
        const absolute = resolve(dirname(importer), source);
        if (absolute.startsWith(`${suiteSrc}/`) || absolute === suiteSrc) target = join(pkgSrc, absolute.slice(suiteSrc.length));
      }
      if (target === undefined) {
        // Bare imports of the suites' files (zod, fast-check) from this repository's node_modules.
        if (importer?.startsWith(`${root}/`) && !source.startsWith(".") && !source.startsWith("/") && !source.startsWith("node:")) {
          return this.resolve(source, join(repo, "index.ts"), { ...options, skipSelf: true });
        }
        return null;
      }
      for (const candidate of [target, `${target}.ts`, join(target, "index.ts")]) {
        if (existsSync(candidate) && !candidate.endsWith("/")) {
          const resolved = await this.resolve(candidate, importer, { ...options, skipSelf: true });
          if (resolved) return resolved;
        }
      }
      return null;
    },
  };
}

export default defineConfig({
  root,
  cacheDir: join(root, ".vite-cache"),
  plugins: [sdkSources()],
  server: { fs: { allow: [root, repo] } },
  test: {
    include: ["tests/**/*.test.ts"],
    // tests/live needs the network; tests/api-resources needs the Prism mock server of the SDK's OpenAPI spec,
    // which is not in the suites and needs the network to fetch: both are left out in every mode alike.
    exclude: ["tests/live/**", "tests/api-resources/**", "**/node_modules/**"],
    globals: true,
    // Never write snapshots: the suites' files are read, not changed.
    update: false,
    setupFiles: [join(here, "jest-globals.ts")],
    testTimeout: 20_000,
    pool: "threads",
    maxWorkers: 2,
    server: { deps: { inline: [/node_modules\/openai\//, /node_modules\/@anthropic-ai\/sdk\//] } },
  },
});
