/**
 * The ratio the proxy scales the agent's usage by (`src/proxy/agent-usage.ts`) comes from the session runtime's
 * per-part counts (each message counted once in the session, remembered by object) instead of counting the
 * agent's body and the sent body again on every call. It must equal what that recount gave: o200k tokens of the
 * agent's request body over o200k tokens of the body the upstream received.
 *
 * A recorded Claude Code session (../shared/transcripts, marot-spotter: real tool outputs, up to ~165k tokens)
 * is replayed call by call through the proxy into `compactor/testing` with the default's pipeline (lossless
 * removals, masking, fact summary; the default's own cache-aware guard does not compact this replay, so a 60k
 * threshold stands in), each call's request built from the recorded prompt as Claude Code sends it (the same
 * message objects re-sent, each call's body a new text). A second pass does the same with masking from 20k
 * tokens, whose compacted bodies keep every message's framing (ids, keys) while dropping its content: the case
 * where a ratio of the runtime's content-only estimates (no JSON framing) was 13-17% off on
 * agent-usage.test.ts's loop. On every compacted call the ratio in the `x-compactor-agent-usage` header is
 * within 1.5% of the recount (0.3% on average; measured: at most 0.9 / 1.0%, the largest where the recount itself
 * samples), and the agent's usage as shown is the upstream's own count scaled by that ratio.
 *
 * Skipped, saying why, when ../shared/transcripts is absent.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorProxy, startProxy } from "../../src/index.js";
import { importClaudeCode } from "../../src/importers/claude-code.js";
import { rawFromMessages } from "../../src/session/conversion.js";
import { countO200kTokens } from "../../src/tokens/index.js";
import type { Transcript } from "../../src/transcript/types.js";
import { factSummary, losslessRemovals, observationMasking, pipeline, tokenThreshold } from "../../strategies/index.js";
import { skipReason, transcriptFiles, transcriptsMissing } from "../importers/shared-transcripts.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const proxies: CompactorProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

/** The longest main session of marot-spotter (no subagents). */
function recordedSession(): Transcript {
  const files = transcriptFiles("claude-code/marot-spotter", ".jsonl").filter((file) => !file.includes("__subagents__"));
  const sessions = files.flatMap((file) => importClaudeCode(file, readFileSync(file, "utf8")));
  const longest = sessions.sort((a, b) => b.calls.length - a.calls.length)[0];
  if (longest === undefined) throw new Error("no Claude Code session in ../shared/transcripts/claude-code/marot-spotter");
  return longest;
}

interface Compared {
  call: number;
  header: number;
  recount: number;
  shown: number;
  upstream: number;
}

async function replay(options: Parameters<typeof startProxy>[0]): Promise<Compared[]> {
  const transcript = recordedSession();
  const upstream = await startServer();
  const proxy = await startProxy({ upstreams: { anthropic: upstream.url }, diagnosticsChannel: false, ...options });
  proxies.push(proxy);
  const system = "You are Claude Code, Anthropic's official CLI for Claude. ".repeat(40);
  const tools = [{ name: "Read", description: "Reads a file.", input_schema: { type: "object", properties: { file_path: { type: "string" } } } }];
  // One raw message list for the whole session: each call re-sends a prefix of it, as the agent does.
  const raw = rawFromMessages("anthropic", { model: "claude-opus-4-6" }, transcript.messages) as Array<{ role: string }>;
  const compared: Compared[] = [];
  for (const [index, recorded] of transcript.calls.entries()) {
    const messages = raw.slice(recorded.promptStart, recorded.promptEnd);
    // Claude Code's logs drop the prompt's leading assistant turns after a compaction; a prompt must open with a user turn.
    if (messages[0]?.role !== "user" || messages.at(-1)?.role !== "user") continue;
    const body = JSON.stringify({ model: "claude-opus-4-6", max_tokens: 1024, system, tools, messages });
    const before = upstream.requests.length;
    const response = await fetch(`${proxy.url}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
        "x-api-key": "sk-ant-test",
        "x-compactor-session": "recorded",
      },
      body,
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { usage: Record<string, number> };
    const header = response.headers.get("x-compactor-agent-usage");
    const received = upstream.requests[before];
    if (header === null || received === undefined) continue;
    const usage = answer.usage;
    const shown = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
    compared.push({
      call: index,
      header: Number(/ratio=([\d.]+)/.exec(header)?.[1]),
      // The recount the proxy used to do on every compacted call.
      recount: countO200kTokens(body) / countO200kTokens(JSON.stringify(received.body)),
      shown,
      upstream: received.usage?.promptTokens ?? 0,
    });
  }
  return compared;
}

function check(compared: Compared[], minimum: number): void {
  expect(compared.length).toBeGreaterThanOrEqual(minimum);
  const deviations = compared.map((row) => Math.abs(row.header / row.recount - 1));
  for (const row of compared) {
    expect(row.header).toBeGreaterThan(1);
    // What the agent reads is the upstream's count scaled by that ratio.
    expect(Math.abs(row.shown / row.upstream / row.header - 1)).toBeLessThan(0.005);
  }
  // Per call within 1.5%, on average within 0.3%: the recount itself counts bodies over 256k characters from
  // samples (within about 0.4%), and the per-part sums differ from a whole body's count by a few tokens a message
  // where JSON punctuation merges across message boundaries.
  expect(Math.max(...deviations)).toBeLessThan(0.015);
  expect(deviations.reduce((sum, value) => sum + value, 0) / deviations.length).toBeLessThan(0.003);
}

describe.skipIf(transcriptsMissing)(`agent-usage ratio without recounting, on a recorded Claude Code session${skipReason}`, () => {
  it("the default's pipeline (lossless removals, masking, fact summary) from 60k tokens: the ratio equals the recount", async () => {
    const strategy = pipeline(losslessRemovals(), observationMasking(), factSummary());
    check(await replay({ strategy, trigger: tokenThreshold(60_000) }), 50);
  }, 300_000);

  it("masking (framing kept, content dropped): the ratio equals the recount of both bodies", async () => {
    check(await replay({ strategy: observationMasking({ keepLast: 3 }), trigger: tokenThreshold(20_000) }), 50);
  }, 300_000);
});
