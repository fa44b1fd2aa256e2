/**
 * Issue 10's strategy parts: lossless removals and the summary that keeps facts, alone and inside the default.
 * Property tests (invariants, tool pairing, thinking signatures, never larger, and the interesting case occurs
 * a minimum number of times) and example tests of what each part removes and keeps.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Block, Message } from "../../src/transcript/types.js";
import {
  cacheAware,
  defaultStrategy,
  factSummary,
  factsHeading,
  firstOf,
  losslessRemovals,
  maskMarker,
  observationMasking,
  pipeline,
  splitFacts,
  whenCacheCold,
} from "../../strategies/index.js";
import { applyCompaction } from "../../strategies/internal/view.js";
import type { PriceView, Strategy, Summarizer } from "../../strategies/types.js";
import { neutralConversationArbitrary } from "../support/arbitraries.js";
import { contextFor, expectValidCompaction, filler, historyArbitrary, system, task } from "./support.js";

const sonnet: PriceView = { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 };
const shortSummary: Summarizer = async ({ messages }) => ({
  text: `Summary of ${messages.length} messages.`,
  model: "m",
  costUsd: 0,
});

let callCounter = 0;

/** An assistant turn (thinking, one call) and its result, Anthropic style. */
function call(name: string, input: Record<string, unknown>, output: string): Message[] {
  const id = `c${callCounter++}`;
  return [
    {
      role: "assistant",
      content: [
        { type: "thinking", text: `about ${name}`, signature: `sig-${id}` },
        { type: "tool_call", id, name, input },
      ],
    },
    {
      role: "user",
      content: [{ type: "tool_result", callId: id, content: [{ type: "text", text: output }] }],
    },
  ];
}

function resultTexts(messages: readonly Message[]): string[] {
  return messages.flatMap((message) =>
    message.content.flatMap((block) =>
      block.type === "tool_result"
        ? [block.content.map((part) => (part.type === "text" ? part.text : "")).join("")]
        : [],
    ),
  );
}

const fileA = filler(3000, "alpha");
const fileA2 = filler(3100, "alpha v2");
const fileB = filler(2500, "beta");
const testRun1 = filler(2000, "FAILED test_parse");
const testRun2 = filler(2000, "1 passed");
const listing = filler(1500, "listing");

/** A session with every case: re-read, write, edit, re-run, duplicate, and outputs that stay. */
function session(): Message[] {
  return [
    system,
    task,
    ...call("Read", { file_path: "src/a.py" }, fileA), // 0: re-read later → removed
    ...call("Read", { file_path: "src/b.py" }, fileB), // 1: edited later only → kept (stale reads off)
    ...call("Bash", { command: "pytest -x", description: "run tests" }, testRun1), // 2: re-run later → removed
    ...call("Bash", { command: "ls src" }, listing), // 3: same output later → removed
    ...call("Read", { file_path: "src/c.py", offset: 10, limit: 20 }, filler(1800, "gamma")), // 4: written later → removed
    ...call("Edit", { file_path: "src/b.py", old_string: "x", new_string: "y" }, "ok"),
    ...call("Write", { file_path: "src/c.py", content: "new" }, "ok"),
    ...call("Read", { file_path: "src/a.py" }, fileA2),
    ...call("Bash", { command: "pytest -x", description: "again" }, testRun2),
    ...call("Glob", { pattern: "src/*" }, listing),
    { role: "assistant", content: [{ type: "text", text: "Done." }] },
    { role: "user", content: [{ type: "text", text: "thanks" }] },
  ];
}

describe("losslessRemovals", () => {
  it("removes re-read, re-run, duplicate and overwritten outputs and keeps every later copy", async () => {
    const messages = session();
    const result = await losslessRemovals().compact(messages, contextFor(messages));
    expect(result).not.toBeNull();
    if (result === null) return;
    const compacted = expectValidCompaction(messages, result);
    const texts = resultTexts(compacted);
    for (const gone of [fileA, testRun1, filler(1800, "gamma")]) expect(texts).not.toContain(gone);
    // The later copies stay verbatim, and so does the read of a file only edited since.
    for (const kept of [fileA2, testRun2, listing, fileB]) expect(texts).toContain(kept);
    expect(texts.filter((text) => text === listing)).toHaveLength(1);
    expect(texts.filter((text) => text.startsWith(maskMarker))).toHaveLength(4);
    expect(result.removed.description).toMatch(
      /4 superseded outputs removed \(1 duplicate, 1 rerun, 1 reread, 1 rewritten\)/,
    );
  });

  it("keeps an output whose only later copy is itself removed", async () => {
    const messages = [
      system,
      task,
      ...call("Bash", { command: "cat notes.txt" }, listing), // same text as the next output...
      ...call("Bash", { command: "git log" }, listing), // ...which is removed: git log is run again below
      ...call("Bash", { command: "git log" }, testRun2),
      { role: "assistant" as const, content: [{ type: "text" as const, text: "ok" }] },
      { role: "user" as const, content: [{ type: "text" as const, text: "go on" }] },
    ];
    const result = await losslessRemovals().compact(messages, contextFor(messages));
    expect(result?.removed.description).toBe("1 superseded output removed (1 rerun)");
    expect(resultTexts(applyCompaction(messages, result as never))).toContain(listing);
  });

  it("removes a read edited since only with staleReads", async () => {
    const messages = session();
    const result = await losslessRemovals({ staleReads: true }).compact(messages, contextFor(messages));
    expect(result && resultTexts(applyCompaction(messages, result))).not.toContain(fileB);
    expect(result?.removed.description).toContain("1 edited");
  });

  it("does not count a masked later copy as a copy", async () => {
    const messages = session();
    // Mask the later read of src/a.py: the earlier read is then the only copy of that file and stays.
    const laterRead = messages.findIndex((message) =>
      message.content.some((block) => block.type === "tool_result" && resultTexts([message])[0] === fileA2),
    );
    const masked = await observationMasking({ keepLast: 0, minTokens: 0 }).compact(
      messages.slice(0, laterRead + 2),
      contextFor(messages.slice(0, laterRead + 2)),
    );
    expect(masked).not.toBeNull();
    const view = [
      ...applyCompaction(messages.slice(0, laterRead + 2), masked as never),
      ...messages.slice(laterRead + 2),
    ];
    const result = await losslessRemovals().compact(view, contextFor(view));
    // Everything was masked already except what came after: nothing of the earlier read is removed twice.
    const texts = resultTexts(result ? applyCompaction(view, result) : view);
    expect(texts.filter((text) => text.startsWith(maskMarker)).length).toBeGreaterThan(0);
    expect(result?.removed.description ?? "").not.toMatch(/reread/);
  });

  it("leaves the result the model has not answered yet, and every pinned message", async () => {
    const messages = session().slice(0, -2);
    messages.splice(2, 2, { ...(messages[2] as Message) }, { ...(messages[3] as Message), pinned: true });
    const result = await losslessRemovals().compact(messages, contextFor(messages));
    const compacted = result ? applyCompaction(messages, result) : messages;
    expect(resultTexts(compacted)).toContain(fileA);
    expect(resultTexts(compacted).at(-1)).toBe(listing);
  });

  it("handles text agents: a command run again replaces its earlier observation", async () => {
    const turn = (command: string, output: string): Message[] => [
      { role: "assistant", content: [{ type: "text", text: `Run it\n\`\`\`bash\n${command}\n\`\`\`` }] },
      { role: "user", content: [{ type: "text", text: output }] },
    ];
    const messages = [
      system,
      task,
      ...turn("python -m pytest tests/test_x.py", testRun1),
      ...turn("sed -n 1,80p src/x.py", fileA),
      ...turn("python -m pytest tests/test_x.py", testRun2),
      ...turn("echo done", "done"),
    ];
    const result = await losslessRemovals().compact(messages, contextFor(messages));
    expect(result).not.toBeNull();
    if (result === null) return;
    const compacted = expectValidCompaction(messages, result);
    const texts = compacted.map((message) =>
      message.content.map((block) => (block.type === "text" ? block.text : "")).join(""),
    );
    expect(texts).not.toContain(testRun1);
    expect(texts).toContain(testRun2);
    expect(texts).toContain(fileA);
  });

  it("rejects bad options with the field named", async () => {
    expect(() => losslessRemovals({ minTokens: -1 })).toThrow(/minTokens/);
    expect(() => losslessRemovals({ staleReads: "yes" as never })).toThrow(/staleReads/);
  });
});

/** Generated histories where reads, re-reads, writes and re-runs happen, as in coding sessions. */
const codingHistory: fc.Arbitrary<Message[]> = fc
  .array(
    fc.record({
      tool: fc.constantFrom("Read", "Bash", "Write", "Edit", "Grep"),
      file: fc.constantFrom("src/a.py", "src/b.py", "lib/c.ts"),
      command: fc.constantFrom("pytest -x", "git status", "ls"),
      size: fc.integer({ min: 10, max: 2500 }),
      version: fc.integer({ min: 0, max: 2 }),
      thinking: fc.boolean(),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((steps) => {
    const messages: Message[] = [system, task];
    steps.forEach((step, index) => {
      const id = `g${index}`;
      const input =
        step.tool === "Bash"
          ? { command: step.command }
          : step.tool === "Grep"
            ? { pattern: "def ", path: step.file }
            : { file_path: step.file, ...(step.tool === "Write" ? { content: "x" } : {}) };
      const content: Block[] = [];
      if (step.thinking) content.push({ type: "thinking", text: `t${index}`, signature: `s${index}` });
      content.push({ type: "tool_call", id, name: step.tool, input });
      messages.push({ role: "assistant", content });
      const output = filler(step.size, `${step.tool} ${step.file} ${step.command} v${step.version}`);
      messages.push({
        role: "user",
        content: [{ type: "tool_result", callId: id, content: [{ type: "text", text: output }] }],
      });
    });
    messages.push({ role: "assistant", content: [{ type: "text", text: "next" }] });
    messages.push({ role: "user", content: [{ type: "text", text: "go on" }] });
    return messages;
  });

const parts: Array<[string, () => Strategy, fc.Arbitrary<Message[]>, number]> = [
  ["lossless on coding histories", () => losslessRemovals(), codingHistory, 60],
  ["lossless on generated histories", () => losslessRemovals({ minTokens: 0 }), historyArbitrary, 20],
  ["fact-summary", () => factSummary({ keepTurns: 1 }), historyArbitrary, 40],
  ["fact-summary (model)", () => factSummary({ keepTurns: 2, summarizer: shortSummary }), codingHistory, 40],
  [
    "lossless+masking+fact-summary",
    () => pipeline(losslessRemovals(), observationMasking({ keepLast: 2 }), factSummary({ keepTurns: 1 })),
    codingHistory,
    60,
  ],
  [
    "default (levers wired in)",
    () => defaultStrategy({ cacheAware: { highWatermark: 800, lowWatermark: 400 } }),
    codingHistory,
    30,
  ],
];

describe.each(parts)("%s (property)", (_name, make, histories, minimum) => {
  it("keeps pairing, head, pinned messages and thinking signatures, and never grows the prompt", async () => {
    let compacted = 0;
    await fc.assert(
      fc.asyncProperty(histories, fc.integer({ min: 0, max: 60 }), async (messages, callIndex) => {
        const frozen = structuredClone(messages);
        const context = contextFor(messages, { prices: sonnet, callIndex, summarize: shortSummary });
        const result = await make().compact(messages, context);
        expect(messages).toEqual(frozen);
        if (result === null) return;
        compacted++;
        expectValidCompaction(messages, result);
      }),
      { numRuns: 300 },
    );
    // The interesting case (a compaction) occurs often enough for the property to mean something: at least the
    // part's share of 150 runs, checked over 300 (random histories: over 150 the default's count ranged 28-50, so a
    // minimum of 30 of 150 failed about once in 40 runs; over 300 the same share sits 3 standard deviations out).
    expect(compacted).toBeGreaterThanOrEqual(minimum * 2);
  });
});

describe("lossless removals lose nothing (property)", () => {
  it("every removed output has a later verbatim copy, a later run of the same call, or a later read or write of the file", async () => {
    let removed = 0;
    await fc.assert(
      fc.asyncProperty(codingHistory, async (messages) => {
        const result = await losslessRemovals().compact(messages, contextFor(messages));
        if (result === null) return;
        const compacted = applyCompaction(messages, result);
        const calls = new Map<string, { name: string; input: Record<string, unknown> }>();
        for (const message of messages)
          for (const block of message.content)
            if (block.type === "tool_call")
              calls.set(block.id, { name: block.name, input: block.input as Record<string, unknown> });
        const entries = compacted.flatMap((message, index) =>
          message.content.flatMap((block) =>
            block.type === "tool_result"
              ? [
                  {
                    index,
                    block,
                    call: calls.get(block.callId),
                    text: resultTexts([{ role: "user", content: [block] }])[0] ?? "",
                  },
                ]
              : [],
          ),
        );
        for (const [position, entry] of entries.entries()) {
          if (!entry.text.startsWith(maskMarker)) continue;
          removed++;
          const original = resultTexts(messages).find((_text, at) => at === position) ?? "";
          const later = entries.slice(position + 1).filter((other) => !other.text.startsWith(maskMarker));
          const key = JSON.stringify(entry.call);
          const path = entry.call?.input.file_path;
          const covered = later.some(
            (other) =>
              other.text === original ||
              JSON.stringify(other.call) === key ||
              (entry.call?.name === "Read" &&
                other.call?.name === "Read" &&
                other.call.input.file_path === path),
          );
          const rewritten = compacted
            .slice(entry.index + 1)
            .some((message) =>
              message.content.some(
                (block) =>
                  block.type === "tool_call" &&
                  block.name === "Write" &&
                  (block.input as { file_path?: string }).file_path === path,
              ),
            );
          expect(covered || (entry.call?.name === "Read" && rewritten)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
    expect(removed).toBeGreaterThanOrEqual(100);
  });
});

describe.each(["anthropic", "openai-chat", "openai-responses"] as const)(
  "new parts on valid %s requests (test/support/arbitraries.ts)",
  (format) => {
    it("keep every invariant of checkInvariants", async () => {
      const makers = [
        () => losslessRemovals({ minTokens: 0 }),
        () => factSummary({ keepTurns: 1 }),
        () => defaultStrategy({ cacheAware: { highWatermark: 200, lowWatermark: 100 } }),
      ];
      let compacted = 0;
      await fc.assert(
        fc.asyncProperty(neutralConversationArbitrary(format), async (conversation) => {
          const { messages } = conversation;
          for (const make of makers) {
            const context = contextFor(messages, { provider: format, prices: sonnet, callIndex: 20 });
            const result = await make().compact(messages, context);
            if (result === null) continue;
            compacted++;
            expectValidCompaction(messages, result, context.tokens, format);
          }
        }),
        { numRuns: 60 },
      );
      expect(compacted).toBeGreaterThanOrEqual(20);
    });
  },
);

describe("factSummary", () => {
  const debugging = (): Message[] => [
    system,
    task,
    ...call(
      "Bash",
      { command: "pytest tests/test_parser.py" },
      `collected 3 items\n${filler(2000, "noise")}\nE   KeyError: 'max_retries'\nFAILED tests/test_parser.py::test_load_config - KeyError`,
    ),
    {
      role: "assistant",
      content: [
        {
          type: "text",
          text: "The fix: load_config must default max_retries. I'll edit src/config/loader.py.",
        },
      ],
    },
    { role: "user", content: [{ type: "text", text: "ok" }] },
    ...call(
      "Read",
      { file_path: "src/config/loader.py" },
      `def load_config(path):\n    settings = parse_settings(path)\n${filler(2500, "code")}`,
    ),
    ...call(
      "TodoWrite",
      { todos: [{ content: "default max_retries in load_config", status: "in_progress" }] },
      "ok",
    ),
    ...call("Bash", { command: "git diff" }, filler(1500, "diff")),
    ...call("Bash", { command: "pytest" }, filler(1500, "passed")),
    { role: "assistant", content: [{ type: "text", text: "Now the retry path." }] },
    { role: "user", content: [{ type: "text", text: "go" }] },
  ];

  it("keeps error lines, paths, the agent's identifiers and open items verbatim beside the prose", async () => {
    const messages = debugging();
    const result = await factSummary({ keepTurns: 1, summarizer: shortSummary }).compact(
      messages,
      contextFor(messages, { summarize: shortSummary }),
    );
    expect(result).not.toBeNull();
    if (result === null) return;
    expectValidCompaction(messages, result);
    const text = result.summary?.text ?? "";
    expect(text.startsWith("Summary of")).toBe(true);
    const { prose, sections } = splitFacts(text);
    expect(prose).toMatch(/^Summary of \d+ messages\.$/);
    expect(sections.get("Errors")).toContain("E   KeyError: 'max_retries'");
    expect(sections.get("Paths")).toContain("src/config/loader.py");
    expect(sections.get("Identifiers")).toEqual(expect.arrayContaining(["load_config", "max_retries"]));
    // A name only the file listing holds, never written by the agent, is not kept.
    expect(sections.get("Identifiers")).not.toContain("parse_settings");
    expect(sections.get("Open items")?.[0]).toContain("default max_retries in load_config");
    expect(result.removed.description).toMatch(/facts block \d+/);
  });

  it("bounds the block, and extending an earlier summary merges its block instead of growing it", async () => {
    const strategy = factSummary({ keepTurns: 1, maxFactCharacters: 600 });
    let view = debugging();
    const blocks: number[] = [];
    for (let round = 0; round < 5; round++) {
      view = [...view.slice(0, -2), ...debugging().slice(2)];
      const result = await strategy.compact(view, contextFor(view));
      if (result === null) continue;
      expectValidCompaction(view, result);
      view = applyCompaction(view, result);
      const summary = view.find((message) => message.content.some((block) => block.type === "summary"));
      const text = summary?.content.find((block) => block.type === "summary")?.text ?? "";
      expect(text.split(factsHeading)).toHaveLength(2);
      blocks.push(text.length - text.indexOf(factsHeading));
    }
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const size of blocks) expect(size).toBeLessThanOrEqual(600);
  });

  it("rejects a bound below 200 characters", async () => {
    expect(() => factSummary({ maxFactCharacters: 10 })).toThrow(/maxFactCharacters/);
  });
});

describe("cache-aware over the new parts", () => {
  it("does nothing on a short prompt and compacts a large one", async () => {
    const small = session();
    expect(
      await cacheAware(losslessRemovals()).compact(small, contextFor(small, { prices: sonnet })),
    ).toBeNull();
    const big = [
      system,
      task,
      ...Array.from({ length: 40 }, () =>
        call("Read", { file_path: "src/big.py" }, filler(6000, "big")),
      ).flat(),
      { role: "assistant" as const, content: [{ type: "text" as const, text: "x" }] },
      { role: "user" as const, content: [{ type: "text" as const, text: "y" }] },
    ];
    const result = await cacheAware(losslessRemovals()).compact(
      big,
      contextFor(big, { prices: sonnet, callIndex: 40 }),
    );
    expect(result).not.toBeNull();
    if (result) expectValidCompaction(big, result);
  });
});

describe("timing parts", () => {
  const now = 10_000_000;
  const fiveMinutes = 5 * 60_000;

  it("whenCacheCold compacts only when the cache has expired anyway", async () => {
    const messages = session();
    const cold = whenCacheCold(losslessRemovals());
    const warm = { now, lastCallAt: now - 60_000, ttlMs: fiveMinutes };
    const expired = { now, lastCallAt: now - 6 * 60_000, ttlMs: fiveMinutes };
    expect(await cold.compact(messages, contextFor(messages, { cache: warm }))).toBeNull();
    // No timing known: the cache is taken as warm.
    expect(await cold.compact(messages, contextFor(messages))).toBeNull();
    const result = await cold.compact(messages, contextFor(messages, { cache: expired }));
    expect(result).not.toBeNull();
    if (result === null) return;
    expectValidCompaction(messages, result);
    expect(result.removed.description).toMatch(/superseded outputs removed .*\(cache expired anyway\)$/);
    // A one-hour lifetime keeps the same gap warm.
    const hour = { now, lastCallAt: now - 6 * 60_000, ttlMs: 60 * 60_000 };
    expect(await cold.compact(messages, contextFor(messages, { cache: hour }))).toBeNull();
  });

  it("firstOf takes the first compaction proposed", async () => {
    const messages = session();
    const never: Strategy = { name: "never", compact: () => null };
    const either = firstOf(never, losslessRemovals(), observationMasking({ keepLast: 0 }));
    expect(either.name).toBe("never|lossless|observation-masking");
    const result = await either.compact(messages, contextFor(messages));
    expect(result?.removed.description).toMatch(/superseded/);
    expect(await firstOf(never).compact(messages, contextFor(messages))).toBeNull();
    expect(() => firstOf()).toThrow(/strategies/);
    expect(() => whenCacheCold({} as Strategy)).toThrow(/inner/);
  });
});
