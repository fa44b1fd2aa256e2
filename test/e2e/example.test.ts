import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

describe("examples/agent-loop.ts", () => {
  it("runs with no API key, compacts, and prints the session report", async () => {
    const env = { ...process.env };
    delete env.ANTHROPIC_API_KEY;
    delete env.OPENAI_API_KEY;
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", path.join(root, "examples/agent-loop.ts")],
      { cwd: root, env },
    );
    expect(stdout).toMatch(/^compaction by truncate at call #\d+: \d+ -> \d+ tokens/m);
    expect(stdout).toContain("agent finished:");
    expect(stdout).toContain("session report");
    expect(stdout).toMatch(/^ {2}calls {15}40$/m);
    expect(stdout).toMatch(/^ {2}history kept {8}79 messages$/m);
    const compactions = Number(/^ {2}compactions +(\d+)$/m.exec(stdout)?.[1]);
    expect(compactions).toBeGreaterThan(0);
    expect(stdout.match(/^compaction by /gm)).toHaveLength(compactions);
    expect(stdout).toMatch(/^ {2}realised saving +\$-?\d+\.\d{4} \(-?\d+\.\d%\)$/m);
  }, 60_000);
});
