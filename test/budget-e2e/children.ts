/** Child processes of the budget end-to-end tests: `node --import tsx <script>`, line by line on stdout. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.resolve(here, "../..");

/** A running child with its output as lines. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  /** Lines printed so far. */
  lines: string[];
  /** Resolves with the first line matching `test` (rejects if the child exits first). */
  waitFor(test: (line: string) => boolean): Promise<string>;
  /** Resolves with the exit code (or signal) once the child is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Everything written to stderr. */
  stderr(): string;
}

/** Starts `script` (a file beside this one) with `args`. */
export function startChild(script: string, args: readonly string[]): Child {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, script), ...args], {
    cwd: repositoryRoot,
  });
  const lines: string[] = [];
  const waiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];
  let buffered = "";
  let errors = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.test(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  return {
    process: child,
    lines,
    stderr: () => errors,
    exited,
    waitFor(test) {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        exited.then((code) =>
          reject(new Error(`child ${script} exited (${code}) before the line: ${errors}`)),
        );
      });
    },
  };
}
