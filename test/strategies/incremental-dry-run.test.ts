/**
 * The default's parts keep memos across calls (facts per message, the facts block's sections per span, the
 * identifiers of the last view, the last observation scan, extractive summaries per span), so that a call reads
 * only what it adds. These tests check that the memos change nothing: on a session that grows call by call, every
 * dry run and real run equals the run of the same strategy on a deep copy of the view (fresh objects: no memo can
 * hit), including after the view's start is replaced by a compaction and when the identifiers reach their bound.
 */
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/transcript/types.js";
import { factSummary } from "../../strategies/fact-summary.js";
import { extractiveSummary } from "../../strategies/internal/extractive.js";
import { applyCompaction, messageTokens } from "../../strategies/internal/view.js";
import { losslessRemovals } from "../../strategies/lossless.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import { pipeline } from "../../strategies/pipeline.js";
import type { Strategy } from "../../strategies/types.js";
import { contextFor, tokenViewOf } from "./support.js";

/** One agent turn: a statement of intent naming earlier output, a call, and output full of facts. */
function turn(index: number): Message[] {
  const id = `call_${index}`;
  const read = index % 3 === 0;
  // The agent names identifiers of earlier outputs: past 150 of them once the session is long enough.
  // Some again and again (an old name written again moves to the front of the list).
  const named = [
    ...Array.from({ length: 8 }, (_, k) => `helper_${Math.max(0, index - 1 - (k % 4))}_${k}`),
    `helper_${index % 11}_2`,
  ];
  const call: Message = {
    role: "assistant",
    content: [
      {
        type: "text",
        text: `I will check ${named.join(", ")} next; the fix is in src/pkg_${index % 5}/mod.py.`,
      },
      read
        ? {
            type: "tool_call",
            id,
            name: "Read",
            input: { file_path: `src/pkg_${index % 7}/mod_${index % 4}.py` },
          }
        : index % 5 === 0
          ? {
              type: "tool_call",
              id,
              name: "TodoWrite",
              input: { todos: [`step ${index}`, `step ${index + 1}`] },
            }
          : { type: "tool_call", id, name: "bash", input: { command: `grep -rn helper_${index % 9} src` } },
    ],
  };
  const lines = [
    `def helper_${index}_0(value):`,
    ...Array.from(
      { length: 8 },
      (_, k) => `src/pkg_${index % 5}/mod_${k}.py:${k + 1}: helper_${index}_${k} = run()`,
    ),
    index % 4 === 0 ? `E   AssertionError: helper_${index}_1 returned None` : "ok",
    "- [ ] check the retry path",
    "x".repeat(200 + (index % 3) * 50),
  ];
  const result: Message = {
    role: "user",
    content: [{ type: "tool_result", callId: id, content: [{ type: "text", text: lines.join("\n") }] }],
  };
  return [call, result];
}

/** The default's parts, or the fact summary alone (it then reads unmasked output: more facts, more names). */
function parts(kind: "pipeline" | "fact-summary"): Strategy {
  const summary = factSummary({ maxFactCharacters: 16_000 });
  return kind === "fact-summary" ? summary : pipeline(losslessRemovals(), observationMasking(), summary);
}

async function runOn(strategy: Strategy, view: readonly Message[], share: number, dryRun: boolean) {
  const tokens = tokenViewOf(view);
  return strategy.compact(view, contextFor(view, { tokens, targetTokens: tokens.total * share, dryRun }));
}

describe("memos across calls change no result", () => {
  it.each(["pipeline", "fact-summary"] as const)(
    "%s: equals a run on fresh objects at every call of a growing session, across a compaction",
    async (kind) => {
      const memoised = parts(kind);
      const fresh = parts(kind);
      let view: Message[] = [{ role: "user", content: [{ type: "text", text: "Fix the failing handler." }] }];
      let compared = 0;
      let compactions = 0;
      for (let index = 0; index < 90; index++) {
        view = [...view, ...turn(index)];
        for (const share of [0.2, 0.5]) {
          const dry = await runOn(memoised, view, share, true);
          const reference = await runOn(fresh, structuredClone(view), share, true);
          expect(JSON.stringify(dry)).toBe(JSON.stringify(reference));
          compared++;
        }
        // Every 25 calls the session compacts for real and goes on from the compacted view.
        if (index % 25 === 24) {
          const real = await runOn(memoised, view, 0.5, false);
          const reference = await runOn(fresh, structuredClone(view), 0.5, false);
          expect(JSON.stringify(real)).toBe(JSON.stringify(reference));
          if (real !== null) {
            view = applyCompaction(view, real);
            compactions++;
          }
        }
      }
      // Then short exchanges that name old identifiers again: the span stays, the view grows by a little.
      for (let index = 0; index < 40; index++) {
        view = [
          ...view,
          {
            role: "assistant",
            content: [{ type: "text", text: `Looking at helper_${index % 13}_2 again.` }],
          },
          { role: "user", content: [{ type: "text", text: "Go on." }] },
        ];
        for (const share of [0.2, 0.5]) {
          const dry = await runOn(memoised, view, share, true);
          const reference = await runOn(fresh, structuredClone(view), share, true);
          expect(JSON.stringify(dry)).toBe(JSON.stringify(reference));
          compared++;
        }
      }
      expect(compared).toBe(260);
      expect(compactions).toBeGreaterThan(0);
    },
  );

  it("a message's count is kept per token view: another view of the same message counts it its own way", () => {
    const [call] = turn(3) as [Message, Message];
    const small = tokenViewOf([call], 100, () => 7);
    const large = tokenViewOf([call], 100, () => 70);
    expect(messageTokens(small, call)).toBe(7);
    expect(messageTokens(large, call)).toBe(70);
    expect(messageTokens(small, call)).toBe(7);
    expect(messageTokens(small, structuredClone(call))).toBe(7);
  });

  it("masking: a placeholder kept per observation is written again when its tokens or its call change", async () => {
    const memoised = observationMasking({ keepLast: 2 });
    const fresh = observationMasking({ keepLast: 2 });
    // A counter whose scale changes from call to call (as a calibrated estimate does): the same old observations
    // then have other token counts, which their placeholders state.
    const scaled = (view: readonly Message[], scale: number) =>
      tokenViewOf(view, 100, (message) => Math.round(JSON.stringify(message).length * scale));
    let view: Message[] = [{ role: "user", content: [{ type: "text", text: "Fix the failing handler." }] }];
    const placeholders = new Map<string, Set<string>>();
    for (let index = 0; index < 30; index++) {
      view = [...view, ...turn(index)];
      for (const scale of [0.25, 0.25, 0.3]) {
        const copy = structuredClone(view);
        const memoRun = memoised.compact(
          view,
          contextFor(view, { tokens: scaled(view, scale), dryRun: true }),
        );
        const reference = fresh.compact(
          copy,
          contextFor(copy, { tokens: scaled(copy, scale), dryRun: true }),
        );
        expect(JSON.stringify(memoRun)).toBe(JSON.stringify(reference));
        for (const message of (memoRun as { replacement: Message[] } | null)?.replacement ?? [])
          for (const block of message.content)
            if (block.type === "tool_result" && block.content[0]?.type === "text")
              placeholders.set(
                block.callId,
                (placeholders.get(block.callId) ?? new Set()).add(block.content[0].text),
              );
      }
    }
    // The same observation was masked with two token counts, and both texts were written.
    expect(placeholders.get("call_0")?.size).toBe(2);
    expect(placeholders.size).toBeGreaterThan(20);
  });

  it("keeps the identifiers right at their bound while the view grows by a little", async () => {
    const strategy = parts("fact-summary");
    const fresh = parts("fact-summary");
    let view: Message[] = [{ role: "user", content: [{ type: "text", text: "Fix the failing handler." }] }];
    for (let index = 0; index < 60; index++) view = [...view, ...turn(index)];
    const identifiersOf = (result: Awaited<ReturnType<typeof runOn>>): string[] => {
      const summary = result?.replacement.at(-1)?.content.find((block) => block.type === "summary");
      const text = summary?.type === "summary" ? summary.text : "";
      return (text.split("### Identifiers\n")[1]?.split("\n")[0] ?? "").split(/\s+/).filter(Boolean);
    };
    const first = identifiersOf(await runOn(strategy, view, 0.5, true));
    expect(first.length).toBe(150);
    // Latest first: a name the last turn wrote leads the list.
    expect(JSON.stringify(turn(59)[0])).toContain(first[0]);
    // Short exchanges that name listed identifiers again: the span stays, names move to the front, and the list
    // must still hold 150 (the 151st of the earlier view comes back in).
    let moved = 0;
    for (let index = 0; index < 30; index++) {
      const name = first[(index * 7) % first.length] as string;
      view = [
        ...view,
        { role: "assistant", content: [{ type: "text", text: `Looking at ${name} again.` }] },
        { role: "user", content: [{ type: "text", text: "Go on." }] },
      ];
      const result = await runOn(strategy, view, 0.5, true);
      const reference = await runOn(fresh, structuredClone(view), 0.5, true);
      expect(JSON.stringify(result)).toBe(JSON.stringify(reference));
      const names = identifiersOf(result);
      expect(names.length).toBe(150);
      if (names[0] === name) moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it("the extractive summary goes on from the last scan of a prefix and equals a fresh scan of every span", () => {
    const messages: Message[] = [
      { role: "user", content: [{ type: "text", text: "Fix the failing handler." }] },
    ];
    for (let index = 0; index < 70; index++) messages.push(...turn(index));
    const options = [{}, { previousSummary: "Earlier: fixed the parser.", maxCharacters: 1500 }];
    let compared = 0;
    const check = (span: readonly Message[]) => {
      for (const option of options) {
        expect(extractiveSummary(span, option)).toBe(extractiveSummary(structuredClone(span), option));
        compared++;
      }
    };
    // A span that grows by a turn (more commands, paths and errors than the summary keeps: old ones leave the
    // lists and come back), then one cut shorter, then one whose middle message changed (a masked observation).
    for (let end = 1; end <= messages.length; end += 2) check(messages.slice(0, end));
    check(messages.slice(0, 41));
    check(messages.slice(0, 60));
    const changed = [...messages];
    changed[20] = { role: "user", content: [{ type: "text", text: "[output masked]" }] };
    check(changed.slice(0, 80));
    check(changed);
    // Spans from another start, growing.
    for (let end = 12; end <= messages.length; end += 5) check(messages.slice(10, end));
    expect(compared).toBeGreaterThan(100);
  });

  it("identifiers and read paths when the span grows, run after run: the appended turns name outputs of the span and read files, as a fresh run finds them", async () => {
    const memoised = parts("fact-summary");
    const fresh = parts("fact-summary");
    let view: Message[] = [{ role: "user", content: [{ type: "text", text: "Fix the failing handler." }] }];
    for (let index = 0; index < 40; index++) view = [...view, ...turn(index)];
    // The memoised runs one after the other (a run on a copy between them would leave other memos behind), the
    // fresh runs after them.
    const runs: Array<{ view: Message[]; result: string }> = [];
    for (let index = 40; index < 100; index++) {
      // The new turn, then the agent writes names of old outputs (inside the span) again.
      view = [
        ...view,
        ...turn(index),
        {
          role: "assistant",
          content: [
            { type: "text", text: `Back to helper_${index % 37}_3 and helper_${(index * 5) % 41}_6.` },
          ],
        },
        { role: "user", content: [{ type: "text", text: "Go on." }] },
      ];
      runs.push({
        view: structuredClone(view),
        result: JSON.stringify(await runOn(memoised, view, 0.5, true)),
      });
    }
    const keepFroms = new Set<number>();
    for (const run of runs) {
      const reference = await runOn(fresh, run.view, 0.5, true);
      expect(run.result).toBe(JSON.stringify(reference));
      if (reference !== null) keepFroms.add(reference.keepFrom);
    }
    // The span grew again and again.
    expect(keepFroms.size).toBeGreaterThan(10);
  });
});
