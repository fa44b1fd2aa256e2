/**
 * The package as users get it: `npm pack`, then a consumer project made here, with no network: the tarball is
 * unpacked into the consumer's node_modules and compactor's runtime dependencies are linked from this
 * repository's node_modules (optional peers - ioredis, openai, @anthropic-ai/sdk - are not installed).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repositoryRoot } from "../support/cli.js";
import { tempFolder } from "./fixtures.js";

const tsc7 = join(repositoryRoot, "node_modules/typescript/bin/tsc");
const tsc5 = join(repositoryRoot, "node_modules/typescript-5/bin/tsc");
const runtimeDependencies = ["zod", "lru-cache", "js-tiktoken", "@pydantic/genai-prices", "@types/node"];

let tarball = "";
let files: string[] = [];

beforeAll(() => {
  execFileSync("npm", ["run", "build"], { cwd: repositoryRoot, stdio: "ignore" });
  const folder = tempFolder("compactor-pack-");
  const output = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", folder], {
    cwd: repositoryRoot,
    encoding: "utf8",
  });
  const [pack] = JSON.parse(output) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!pack) throw new Error("npm pack printed no package");
  tarball = join(folder, pack.filename);
  files = pack.files.map((file) => file.path);
}, 180_000);

/** A consumer project with the packed compactor installed in it; returns its folder. */
function consumer(packageJson: Record<string, unknown>, tsconfig: Record<string, unknown>, sources: Record<string, string>) {
  const folder = tempFolder("compactor-consumer-");
  const installed = join(folder, "node_modules/compactor");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  for (const name of runtimeDependencies) {
    mkdirSync(join(folder, "node_modules", name, ".."), { recursive: true });
    symlinkSync(join(repositoryRoot, "node_modules", name), join(folder, "node_modules", name));
  }
  writeFileSync(join(folder, "package.json"), JSON.stringify({ name: "consumer", private: true, ...packageJson }));
  writeFileSync(join(folder, "tsconfig.json"), JSON.stringify({ compilerOptions: tsconfig }));
  for (const [name, text] of Object.entries(sources)) writeFileSync(join(folder, name), text);
  return folder;
}

function run(command: string, args: string[], cwd: string) {
  const child = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: child.status, output: `${child.stdout}${child.stderr}` };
}

const usesEverything = (from: (specifier: string) => string) => `${from("compactor")}
${from("compactor/testing")}
${from("compactor/strategies/index")}
console.log([typeof buildReport, typeof withCompaction, typeof redisStore, typeof redisBudgetLedger, typeof startTestServer, typeof truncate, typeof targetTokensOf].join(" "));
`;
const names: Record<string, string> = {
  compactor: "buildReport, withCompaction, redisStore, redisBudgetLedger, targetTokensOf",
  "compactor/testing": "startTestServer",
  "compactor/strategies/index": "truncate",
};
const esm = (specifier: string) => `import { ${names[specifier]} } from "${specifier}";`;
const strictTypes = { strict: true, skipLibCheck: false, target: "ES2022", types: ["node"], outDir: "out" };

describe("the npm package", () => {
  it("ships the library, its CLI, a LICENSE and CommonJS entries; no benchmarks, examples or source maps", () => {
    for (const wanted of ["LICENSE", "README.md", "package.json", "cjs/index.cjs", "cjs/testing.cjs"])
      expect(files).toContain(wanted);
    for (const wanted of ["dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/main.js", "dist/strategies/index.js"])
      expect(files).toContain(wanted);
    expect(files.filter((file) => /^dist\/(benchmarks|examples|test)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith(".map"))).toEqual([]);
    expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
  });

  it("type-checks with skipLibCheck: false and no optional peer installed, and runs (ESM, TypeScript 7, nodenext)", () => {
    const folder = consumer({ type: "module" }, { ...strictTypes, module: "nodenext", moduleResolution: "nodenext" }, {
      "index.ts": usesEverything(esm),
    });
    const compiled = run(process.execPath, [tsc7, "-p", "."], folder);
    expect(compiled.output).toBe("");
    expect(compiled.code).toBe(0);
    const ran = run(process.execPath, ["out/index.js"], folder);
    expect(ran.output.trim()).toBe("function function function function function function function");
  }, 180_000);

  it("resolves and runs from a CommonJS project with module: commonjs, moduleResolution: node (TypeScript 5)", () => {
    const folder = consumer({}, { ...strictTypes, module: "commonjs", moduleResolution: "node", esModuleInterop: true }, {
      "index.ts": usesEverything(esm),
    });
    const compiled = run(process.execPath, [tsc5, "-p", "."], folder);
    expect(compiled.output).toBe("");
    expect(compiled.code).toBe(0);
    const ran = run(process.execPath, ["out/index.js"], folder);
    expect(ran.output.trim()).toBe("function function function function function function function");
  }, 180_000);

  it("resolves from a CommonJS project on nodenext (TypeScript 7), and require() without require(esm) says what to do", () => {
    const folder = consumer({ type: "commonjs" }, { ...strictTypes, module: "nodenext", moduleResolution: "nodenext" }, {
      "index.ts": usesEverything(esm),
    });
    const compiled = run(process.execPath, [tsc7, "-p", "."], folder);
    expect(compiled.output).toBe("");
    expect(compiled.code).toBe(0);
    expect(run(process.execPath, ["out/index.js"], folder).output.trim()).toBe(
      "function function function function function function function",
    );
    // What Node.js before 20.19 does: no require() of ES modules.
    const old = run(process.execPath, ["--no-experimental-require-module", "out/index.js"], folder);
    expect(old.code).not.toBe(0);
    expect(old.output).toContain('compactor is an ES module: require("compactor") needs Node.js >= 20.19 or >= 22.12');
    expect(old.output).toContain('await import("compactor")');
  }, 180_000);
});
