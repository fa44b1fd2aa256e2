import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { vi } from "vitest";
import { main } from "../../src/cli/run.js";
import { transcriptsDir } from "./environment.js";

export const repositoryRoot = resolve(import.meta.dirname, "../..");
/** The recorded sessions no one here wrote; tests that need them skip when the folder is absent. */
export const sharedTranscripts = transcriptsDir;
export const transcriptsPresent = existsSync(sharedTranscripts);

/** Runs the CLI in-process; returns its exit code and what it printed. */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Runs `npx tsx src/cli/main.ts ...args` as a child process (stderr is a pipe, not a terminal). */
export function spawnCli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const child = spawnSync("npx", ["tsx", "src/cli/main.ts", ...args], {
    cwd: repositoryRoot,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}
