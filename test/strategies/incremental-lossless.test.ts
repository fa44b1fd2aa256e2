/**
 * The lossless removals answer "nothing is superseded" from what the messages appended since the last view add
 * (`strategies/lossless.ts`, `Overlaps`), and the observation scan extends the last one
 * (`strategies/internal/observations.ts`). On sessions that grow call by call and meet each rule only late (a
 * repeated output, a re-run, a re-read, a write after a read, an edit with `staleReads`, a text agent that starts
 * using tools), every result equals the result on a deep copy of the view (fresh objects, a fresh strategy: no memo
 * can hit), and the late repeat is found.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/transcript/types.js";
import { type LosslessOptions, losslessRemovals } from "../../strategies/lossless.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import type { CompactionResult } from "../../strategies/types.js";
import { contextFor } from "./support.js";

/** A turn: a call and its output, unique unless `output`/`input` repeat an earlier one. */
function toolTurn(index: number, name: string, input: Record<string, unknown>, output: string): Message[] {
  const id = `call_${index}`;
  return [
    { role: "assistant", content: [{ type: "tool_call", id, name, input }] },
    { role: "user", content: [{ type: "tool_result", callId: id, content: [{ type: "text", text: output }] }] },
  ];
}

const unique = (index: number) =>
  toolTurn(index, "bash", { command: `grep -rn value_${index} src` }, `src/mod_${index}.py: value_${index} = compute()\n`.repeat(30));

/** The turn that meets a rule for the first time, late in the session. */
const late: Record<string, (index: number) => Message[]> = {
  duplicate: (index) => toolTurn(index, "bash", { command: `ls ${index}` }, `src/mod_3.py: value_3 = compute()\n`.repeat(30)),
  rerun: (index) => toolTurn(index, "bash", { command: "grep -rn value_3 src" }, `fresh output ${index}\n`.repeat(30)),
  reread: (index) => toolTurn(index, "Read", { file_path: "src/app.py" }, `def handler_${index}():\n    pass\n`.repeat(30)),
  rewritten: (index) => toolTurn(index, "Write", { file_path: "src/app.py", content: "new" }, "written"),
  edited: (index) => toolTurn(index, "Edit", { file_path: "src/app.py", old_string: "a", new_string: "b" }, "edited"),
};

/** A session: unique turns, one read of src/app.py early, and the rule's turn at call 30. */
function sessionTurn(rule: string, index: number): Message[] {
  if (index === 2) return toolTurn(index, "Read", { file_path: "src/app.py" }, "def handler():\n    pass\n".repeat(40));
  if (index === 30) return (late[rule] as (index: number) => Message[])(index);
  return unique(index);
}

/** The lossless removals' answer on `view` (they answer at once, not in a promise). */
function run(options: LosslessOptions, view: readonly Message[], strategy = losslessRemovals(options)): CompactionResult | null {
  return strategy.compact(view, contextFor(view)) as CompactionResult | null;
}

describe("lossless removals from what each call appends", () => {
  it.each(Object.keys(late))("%s: equals a fresh run at every call; the late repeat is found", (rule) => {
    const options: LosslessOptions = rule === "edited" ? { staleReads: true } : {};
    const memoised = losslessRemovals(options);
    // Masking reads the same views in between (the default's pipeline), sharing the observation scan.
    const masking = observationMasking({ keepLast: 4 });
    let view: Message[] = [{ role: "user", content: [{ type: "text", text: "Fix the failing handler." }] }];
    const found: number[] = [];
    for (let index = 0; index < 40; index++) {
      view = [...view, ...sessionTurn(rule, index), { role: "assistant", content: [{ type: "text", text: "Next." }] }];
      view.push({ role: "user", content: [{ type: "text", text: `Go on ${index}.` }] });
      const result = run(options, view, memoised);
      masking.compact(view, contextFor(view));
      expect(JSON.stringify(result)).toBe(JSON.stringify(run(options, structuredClone(view))));
      if (result !== null) found.push(index);
    }
    // Nothing before the rule's turn; from it on, the earlier copy is superseded.
    expect(found[0]).toBe(30);
    expect(found.length).toBe(10);
  });

  it("a text agent that starts using tools: its text observations stop counting", () => {
    const memoised = losslessRemovals();
    const text = (index: number, output: string): Message[] => [
      { role: "assistant", content: [{ type: "text", text: `Run it:\n\`\`\`bash\nmake test_${index}\n\`\`\`` }] },
      { role: "user", content: [{ type: "text", text: output }] },
    ];
    let view: Message[] = [{ role: "user", content: [{ type: "text", text: "Fix the build." }] }];
    const results: Array<string> = [];
    for (let index = 0; index < 24; index++) {
      // Text observations, one of them repeated once tools are in use (then it is not an observation at all).
      const turn =
        index === 12
          ? unique(index)
          : text(index, index === 18 ? "same output line\n".repeat(40) : `output ${index}\n`.repeat(40));
      if (index === 5) turn[1] = { role: "user", content: [{ type: "text", text: "same output line\n".repeat(40) }] };
      view = [...view, ...turn];
      const result = run({}, view, memoised);
      expect(JSON.stringify(result)).toBe(JSON.stringify(run({}, structuredClone(view))));
      results.push(result === null ? "null" : result.removed.description);
    }
    // Before the first tool block nothing repeats; after it, the text messages are no observations: never a removal.
    expect(results.every((result) => result === "null")).toBe(true);
    // The same repeat in a conversation without tools is found.
    const noTools = view.filter((message) => message.content.every((block) => block.type === "text"));
    expect(run({}, noTools, memoised)?.removed.description).toMatch(/1 duplicate/);
    expect(JSON.stringify(run({}, noTools, memoised))).toBe(JSON.stringify(run({}, structuredClone(noTools))));
  });
});
