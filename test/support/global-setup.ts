import { environmentNotes } from "./environment.js";

/** vitest global setup: says, before any test runs, which tests will skip and why. */
export default function setup(): void {
  for (const note of environmentNotes()) process.stdout.write(`\u001b[33mnote: ${note}\u001b[39m\n`);
}
