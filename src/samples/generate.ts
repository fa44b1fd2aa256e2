/**
 * Deterministic sample sessions shaped like a real coding agent's (Claude Code, Codex, mini-swe-agent on a
 * repository): a long system prompt and tool definitions, a task naming a failing test, then tool-heavy turns
 * over a small simulated repository. The agent lists and greps the tree, reads files (and re-reads them before
 * editing when its last read is far back), edits them with text copied from what it read, runs the test suite
 * (long outputs with tracebacks that name files, functions and line numbers) and refers back, in its own words
 * and in its calls, to what earlier outputs said. Calls come seconds apart, with now and then a pause longer
 * than the cache lifetime (the developer stepped away). They are what `compactor bench` replays when given no
 * files.
 *
 * @module
 */
import type { Message, RecordedCall, ToolDefinition, Transcript } from "../transcript/types.js";

/** Options of {@link generateSampleSession}. */
export interface SampleOptions {
  /** Seed of the pseudo-random generator; the same seed gives the same session. */
  seed: number;
  /** Number of API calls (assistant turns). */
  calls: number;
  /** Model recorded for the session. @default "claude-sonnet-4-5" */
  model?: string;
  /** Id of the session. @default `sample-<seed>-<calls>` */
  id?: string;
  /** Files of the simulated repository. @default 14 */
  files?: number;
}

/** mulberry32: small, fast, good enough for shaping test data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const words = [
  "parse",
  "config",
  "token",
  "buffer",
  "session",
  "cache",
  "index",
  "render",
  "client",
  "queue",
  "retry",
  "stream",
  "schema",
  "ledger",
  "budget",
  "window",
  "event",
  "record",
  "batch",
  "limit",
  "route",
  "store",
  "price",
  "usage",
];
const folders = ["src/core", "src/util", "src/api", "src/store", "lib", "src/cli"];

const tools: ToolDefinition[] = [
  {
    name: "bash",
    description:
      "Run a shell command in the repository (tests, git, grep, ls) and return its standard output and error. Long outputs are returned in full.",
    parameters: {
      type: "object",
      properties: {
        command: { type: "string", description: "The command to run." },
        timeout: { type: "number", description: "Seconds before the command is stopped." },
      },
      required: ["command"],
    },
  },
  {
    name: "read_file",
    description: "Read a file of the repository, with line numbers.",
    parameters: {
      type: "object",
      properties: {
        path: { type: "string" },
        offset: { type: "number", description: "First line to read." },
        limit: { type: "number", description: "Lines to read." },
      },
      required: ["path"],
    },
  },
  {
    name: "edit_file",
    description:
      "Replace an exact piece of text of a file with new text. The old text must occur exactly once.",
    parameters: {
      type: "object",
      properties: { path: { type: "string" }, old_text: { type: "string" }, new_text: { type: "string" } },
      required: ["path", "old_text", "new_text"],
    },
  },
  {
    name: "todo_write",
    description: "Record the plan as a list of items with their state.",
    parameters: {
      type: "object",
      properties: { items: { type: "array", items: { type: "string" } } },
      required: ["items"],
    },
  },
];

interface SourceFile {
  path: string;
  /** Module name (`core.parse_config`) as tracebacks print it. */
  module: string;
  functions: string[];
  classes: string[];
  lines: string[];
}

interface Generator {
  next: () => number;
  pick: <T>(items: readonly T[]) => T;
  int: (low: number, high: number) => number;
}

function generator(seed: number): Generator {
  const next = random(seed);
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
  };
}

/** A simulated Python repository: files of functions and classes whose names the session keeps using. */
function repository(random: Generator, count: number): SourceFile[] {
  const { pick, int } = random;
  const used = new Set<string>();
  const unique = (make: () => string) => {
    for (;;) {
      const name = make();
      if (!used.has(name)) {
        used.add(name);
        return name;
      }
    }
  };
  const files: SourceFile[] = [];
  for (let index = 0; index < count; index++) {
    const folder = pick(folders);
    const stem = unique(() => `${pick(words)}_${pick(words)}`);
    const path = `${folder}/${stem}.py`;
    const functions = Array.from({ length: int(5, 14) }, () =>
      unique(() => `${pick(words)}_${pick(words)}_${pick(words)}`),
    );
    const classes = Array.from({ length: int(1, 3) }, () =>
      unique(
        () =>
          `${pick(words).replace(/^./, (letter) => letter.toUpperCase())}${pick(words).replace(/^./, (letter) => letter.toUpperCase())}`,
      ),
    );
    const lines: string[] = [
      `"""${stem.replace(/_/g, " ")}: ${pick(words)} handling for the ${pick(words)} layer."""`,
      "from __future__ import annotations",
      "",
      "import logging",
      `from ..util import ${pick(words)}_helpers`,
      "",
      "log = logging.getLogger(__name__)",
      `DEFAULT_${pick(words).toUpperCase()}_LIMIT = ${int(100, 9999)}`,
      "",
    ];
    for (const name of classes) {
      lines.push(`class ${name}:`, `    """Keeps the ${pick(words)} of one ${pick(words)}."""`, "");
      lines.push(`    def __init__(self, ${pick(words)}, ${pick(words)}=None):`);
      for (let line = 0; line < int(3, 8); line++)
        lines.push(`        self.${pick(words)}_${pick(words)} = ${pick(words)}`);
      lines.push("");
    }
    for (const name of functions) {
      const args = [pick(words), `${pick(words)}=None`];
      lines.push(
        `def ${name}(${args.join(", ")}):`,
        `    """Return the ${pick(words)} for ${pick(words)}."""`,
      );
      for (let line = 0; line < int(4, 24); line++) {
        const roll = random.next();
        lines.push(
          roll < 0.25
            ? `    if ${pick(words)} is None or len(${pick(words)}) > ${int(10, 4096)}:`
            : roll < 0.45
              ? `        raise ValueError(f"bad ${pick(words)}: {${pick(words)}!r}")`
              : roll < 0.6
                ? `    log.debug("${pick(words)} %s", ${pick(words)}.${pick(words)}_${pick(words)})`
                : `    ${pick(words)} = ${pick(classes)}(${pick(words)}).${pick(words)}_${pick(words)}(${pick(words)}, ${int(0, 999)})`,
        );
      }
      lines.push(`    return ${pick(words)}`, "");
    }
    files.push({
      path,
      module: path
        .replace(/^src\//, "")
        .replace(/\.py$/, "")
        .replace(/\//g, "."),
      functions,
      classes,
      lines,
    });
  }
  return files;
}

function numbered(lines: readonly string[], from = 0): string {
  return lines.map((line, index) => `${String(from + index + 1).padStart(5)}\t${line}`).join("\n");
}

/** Generates one sample session. */
export function generateSampleSession(options: SampleOptions): Transcript {
  const random = generator(options.seed);
  const { pick, int, next } = random;
  const model = options.model ?? "claude-sonnet-4-5";
  const files = repository(random, options.files ?? 14);
  const target = pick(files);
  const failing = pick(target.functions);
  const testFile = `tests/test_${target.path.split("/").at(-1)}`;
  const testName = `test_${failing}_handles_empty_${pick(words)}`;
  /** When each file was last read (call index), and what the agent has seen of it. */
  const lastRead = new Map<string, number>();
  /** Names the agent saw in tool output, newest last (what its later text and calls draw on). */
  const seen: string[] = [];
  const remember = (names: readonly string[]) => {
    for (const name of names) seen.push(name);
    if (seen.length > 400) seen.splice(0, seen.length - 400);
  };
  /** A name seen in tool output: mostly recent, now and then from long ago. */
  const recall = () => {
    if (seen.length === 0) return failing;
    const back = next() < 0.8 ? int(0, Math.min(30, seen.length - 1)) : int(0, seen.length - 1);
    return seen[seen.length - 1 - back] as string;
  };

  const system = [
    "You are an autonomous software engineer working in a Python repository through tools.",
    "Read code before you change it, make the smallest change that fixes the problem, run the tests after every change, and explain what you found.",
    "Never guess file contents: read them. Quote the exact text you replace. Keep the test suite green.",
    ...Array.from(
      { length: 260 },
      (_, index) =>
        `Guideline ${index + 1}: ${pick(words)} the ${pick(words)} before you ${pick(words)} any ${pick(words)}; keep ${pick(words)} and ${pick(words)} consistent, and report ${pick(words)} errors with their ${pick(words)}.`,
    ),
  ].join("\n");
  const messages: Message[] = [
    {
      role: "user",
      content: [
        {
          type: "text",
          text: `${testFile}::${testName} fails since the last release: ${failing} in ${target.path} returns the wrong ${pick(words)} when the ${pick(words)} is empty. Find the cause, fix it, and make sure the whole suite passes.`,
        },
      ],
    },
  ];
  const calls: RecordedCall[] = [];
  let time = Date.UTC(2026, 0, 5, 9, 0, 0) + options.seed * 1000;
  let edits = 0;

  const readOutput = (file: SourceFile): string => {
    // Long files are read in windows, as agents do.
    const window = file.lines.length > 90 ? int(40, 90) : file.lines.length;
    const from = window < file.lines.length ? int(0, file.lines.length - window) : 0;
    remember([...file.functions, ...file.classes, file.path]);
    return numbered(file.lines.slice(from, from + window), from);
  };
  const testOutput = (full: boolean, passing: boolean): string => {
    const lines: string[] = [
      "============================= test session starts ==============================",
      `platform linux -- Python 3.12.${int(1, 9)}, pytest-8.${int(0, 3)}.${int(0, 9)}, pluggy-1.5.0`,
      `collected ${full ? int(180, 640) : int(4, 30)} items`,
      "",
    ];
    const testFiles = full ? files : [target];
    for (const file of testFiles) {
      const name = `tests/test_${file.path.split("/").at(-1)}`;
      lines.push(
        `${name} ${".".repeat(int(5, 60))}${!passing && file === target ? "F" : ""} [${int(1, 99)}%]`,
      );
    }
    if (!passing) {
      const chain = [target, pick(files), pick(files)];
      lines.push("", "=================================== FAILURES ===================================");
      lines.push(`____________________ ${testName} ____________________`, "");
      for (const file of chain) {
        const fn = file === target ? failing : pick(file.functions);
        remember([fn, file.path]);
        lines.push(`${file.path}:${int(20, file.lines.length)}: in ${fn}`);
        for (let line = 0; line < int(3, 8); line++) lines.push(`    ${pick(file.lines).trim()}`);
      }
      const expected = int(100, 999);
      lines.push(
        `E   AssertionError: assert ${expected + int(1, 50)} == ${expected}`,
        `E    +  where ${expected + int(1, 50)} = ${failing}([])`,
      );
      if (full)
        for (let warning = 0; warning < int(4, 24); warning++) {
          const file = pick(files);
          lines.push(
            `${file.path}:${int(10, file.lines.length)}: DeprecationWarning: ${pick(file.functions)} is deprecated; use ${pick(file.functions)}`,
          );
        }
      if (full) {
        lines.push("----------------------------- Captured log call ------------------------------");
        for (let line = 0; line < int(30, 90); line++) {
          const file = pick(files);
          lines.push(
            `DEBUG    ${file.module}:${file.path.split("/").at(-1)}:${int(10, file.lines.length)} ${pick(file.functions)} ${pick(words)}=${int(0, 99999)} ${pick(words)}=${pick(words)}`,
          );
        }
      }
      lines.push(`FAILED ${testFile}::${testName} - AssertionError`);
    }
    lines.push(
      `======================== ${passing ? "" : "1 failed, "}${int(40, 600)} passed in ${(next() * 40 + 1).toFixed(2)}s ========================`,
    );
    return lines.join("\n");
  };
  const grepOutput = (needle: string): string => {
    const hits: string[] = [];
    for (const file of files)
      file.lines.forEach((line, index) => {
        if (line.includes(needle) || (next() < 0.01 && hits.length < 80))
          hits.push(`${file.path}:${index + 1}:${line}`);
      });
    remember(hits.slice(0, 20).map((hit) => hit.split(":")[0] as string));
    return hits.slice(0, 40).join("\n");
  };

  for (let call = 0; call < options.calls; call++) {
    calls.push({
      promptStart: 0,
      promptEnd: messages.length,
      responseIndex: messages.length,
      model,
      timestamp: time,
    });
    if (call === options.calls - 1) {
      messages.push({
        role: "assistant",
        content: [
          {
            type: "text",
            text: `Fixed: ${failing} in ${target.path} now handles the empty ${pick(words)} (${edits} edits); the whole suite passes. I also checked ${recall()} and ${recall()}, which call it.`,
          },
        ],
      });
      break;
    }
    const id = `toolu_${options.seed}_${call}`;
    // Exploration first, then a loop of read / edit / test with greps and the odd look around.
    const phase = call < Math.min(12, options.calls / 5) ? "explore" : "fix";
    const roll = next();
    let text: string;
    let name: string;
    let input: Record<string, unknown>;
    let output: string;
    if (call === 0) {
      text = `I will start by reproducing the failure of ${testName}.`;
      name = "bash";
      input = { command: `python -m pytest ${testFile} -x -q` };
      output = testOutput(false, false);
    } else if (phase === "explore" && roll < 0.35) {
      const needle = next() < 0.5 ? failing : recall();
      text = `Let me find where ${needle} is used.`;
      name = "bash";
      input = { command: `grep -rn "${needle}" src lib` };
      output = grepOutput(needle);
    } else if (roll < 0.12) {
      const folder = pick(folders);
      text = `Let me look at what else lives in ${folder}.`;
      name = "bash";
      input = { command: `ls -la ${folder}` };
      const listed = files.filter((file) => file.path.startsWith(folder));
      remember(listed.map((file) => file.path));
      output = listed
        .map((file) => `-rw-r--r-- 1 dev dev ${file.lines.length * 38} Jan  5 09:0${int(0, 9)} ${file.path}`)
        .join("\n");
    } else if (roll < 0.42 || phase === "explore") {
      // Read a file: mostly the target and files it touched, sometimes a file read long ago (a re-read).
      const file = next() < 0.4 ? target : pick(files);
      const again = lastRead.has(file.path);
      text = again
        ? `I read ${file.path} earlier; reading it again to check ${recall()} and ${pick(file.functions)} before going on.`
        : `Reading ${file.path}, which defines ${pick(file.functions)}.`;
      name = "read_file";
      input = { path: file.path };
      output = readOutput(file);
      lastRead.set(file.path, call);
    } else if (roll < 0.6) {
      // Edit a file read before; re-read first when that read is far back (careful agents do).
      const candidates = files.filter((file) => lastRead.has(file.path));
      const file = candidates.length > 0 ? pick(candidates) : target;
      if ((lastRead.get(file.path) ?? -100) < call - 25) {
        text = `Before editing ${file.path} I re-read it: my last read of it is old.`;
        name = "read_file";
        input = { path: file.path };
        output = readOutput(file);
        lastRead.set(file.path, call);
      } else {
        const line = int(10, file.lines.length - 1);
        const old = file.lines[line] as string;
        const replaced = `${old.replace(/None/g, "()")}  # ${pick(words)} may be empty`;
        file.lines[line] = replaced;
        edits++;
        text = `The problem is in ${pick(file.functions)}: ${recall()} is not checked for an empty ${pick(words)}. Editing ${file.path}.`;
        name = "edit_file";
        input = { path: file.path, old_text: old.trim(), new_text: replaced.trim() };
        output = `The file ${file.path} has been updated. Here is the result of running \`cat -n\` on a snippet:\n${numbered(file.lines.slice(Math.max(0, line - 4), line + 5), Math.max(0, line - 4))}`;
      }
    } else if (roll < 0.9) {
      const full = next() < 0.45;
      const passing = call > options.calls * 0.85;
      text = full
        ? `Running the whole suite to check that ${recall()} did not break anything else.`
        : `Running ${testName} again after the change to ${recall()}.`;
      name = "bash";
      input = { command: full ? "python -m pytest -q" : `python -m pytest ${testFile} -x -q` };
      output = testOutput(full, passing);
    } else if (roll < 0.95) {
      const needle = recall();
      text = `Searching for other callers of ${needle}.`;
      name = "bash";
      input = { command: `grep -rn "${needle}" src lib tests` };
      output = grepOutput(needle);
    } else {
      text = `Updating the plan: ${recall()} is understood; ${recall()} still to check.`;
      name = "todo_write";
      input = { items: [`check ${recall()}`, `fix ${failing}`, "run the full suite"] };
      output = "Todos have been modified successfully.";
    }
    // The agent's reasoning around the call: a sentence or a short paragraph, as real agents write.
    const reasoning = Array.from(
      { length: int(0, 4) },
      () =>
        `The ${pick(words)} ${pick(words)} path goes through ${recall()}, so the ${pick(words)} must be checked there before the ${pick(words)} is ${pick(words)}ed.`,
    );
    messages.push({
      role: "assistant",
      content: [
        { type: "text", text: [text, ...reasoning].join(" ") },
        { type: "tool_call", id, name, input },
      ],
    });
    messages.push({
      role: "user",
      content: [{ type: "tool_result", callId: id, content: [{ type: "text", text: output }] }],
    });
    // Seconds between calls (the model thinking, the tool running); now and then the developer steps away
    // for longer than the cache lifetime.
    time +=
      next() < 0.025 || call === Math.floor(options.calls * 0.4) ? int(6, 45) * 60_000 : int(3_000, 40_000);
  }
  return {
    file: `sample:${options.seed}`,
    id: options.id ?? `sample-${options.seed}-${options.calls}`,
    format: "anthropic-messages",
    provider: "anthropic",
    model,
    system: [{ type: "text", text: system }],
    tools,
    messages,
    calls,
  };
}

/** The default sample set: tool-heavy coding sessions of 40 to 250 calls, from fixed seeds. */
export function sampleSessions(): Transcript[] {
  return [
    generateSampleSession({ seed: 1, calls: 40 }),
    generateSampleSession({ seed: 2, calls: 70 }),
    generateSampleSession({ seed: 3, calls: 110, files: 18 }),
    generateSampleSession({ seed: 4, calls: 160, files: 20 }),
    generateSampleSession({ seed: 5, calls: 200, model: "gpt-5", files: 22 }),
    generateSampleSession({ seed: 6, calls: 250, model: "claude-opus-4-6", files: 24 }),
  ].map((session) =>
    session.model === "gpt-5"
      ? { ...session, provider: "openai-chat" as const, format: "openai-chat" as const }
      : session,
  );
}
