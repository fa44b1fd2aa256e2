/**
 * The rewriting of the usage an agent reads (`src/proxy/agent-usage.ts`), on the bytes: an event stream cut into
 * chunks anywhere (inside a line, inside a multi-byte character) gives exactly the whole stream's rewrite; chunks of
 * whole lines without usage go on as the very bytes received; errors and cancellation reach the other side; a JSON
 * answer the wire core read whole is rewritten into bytes the relay writes in one go.
 */
import { describe, expect, it } from "vitest";
import { AGENT_USAGE_HEADER, agentUsageView } from "../../src/proxy/agent-usage.js";
import { knownBodies } from "../../src/wrapper/wire/request.js";

const encoder = new TextEncoder();
const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const usage = { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 990, output_tokens: 1 };
const stream = [
  event("message_start", { message: { id: "msg_1", role: "assistant", content: [], usage } }),
  event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  event("content_block_delta", { index: 0, delta: { type: "text_delta", text: "héllo — ✓ done" } }),
  event("content_block_stop", { index: 0 }),
  event("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 7 } }),
  "event: ping\ndata:{\"type\":\"ping\",\"usage\":{\"input_tokens\":4}}\n\n",
  event("message_stop", {}),
].join("");
/** The stream with the usage scaled by 4 (what the agent must read), written out by hand. */
const expected = stream
  .replace('"cache_read_input_tokens":990', '"cache_read_input_tokens":3990')
  .replace('data:{"type":"ping","usage":{"input_tokens":4}}', 'data: {"type":"ping","usage":{"input_tokens":4,"cache_read_input_tokens":12}}');

function view() {
  const usageView = agentUsageView("anthropic");
  usageView.prepared({ changed: true, promptSizes: () => ({ agent: 4000, sent: 1000 }) });
  return usageView;
}

function upstreamOf(chunks: Uint8Array[]): Response {
  let next = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (next < chunks.length) controller.enqueue(chunks[next++] as Uint8Array);
        else controller.close();
      },
    }),
    { headers: { "content-type": "text/event-stream" } },
  );
}

async function chunksOf(response: Response): Promise<Uint8Array[]> {
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const read = await reader?.read();
    if (read === undefined || read.done) return chunks;
    chunks.push(read.value);
  }
}

const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString("utf8");

describe("agent usage on the bytes", () => {
  it("an event stream cut anywhere is rewritten as the whole", async () => {
    const bytes = encoder.encode(stream);
    const whole = await view().answer(upstreamOf([bytes]));
    expect(whole.headers.get(AGENT_USAGE_HEADER)).toBe("uncompacted; ratio=4.0000");
    expect(text(await chunksOf(whole))).toBe(expected);
    // Every cut of the stream into two chunks, and cuts into chunks of 1 to 7 bytes.
    for (let at = 1; at < bytes.length; at += 1) {
      const answer = await view().answer(upstreamOf([bytes.subarray(0, at), bytes.subarray(at)]));
      expect(text(await chunksOf(answer))).toBe(expected);
    }
    for (let size = 1; size <= 7; size++) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(text(await chunksOf(await view().answer(upstreamOf(chunks))))).toBe(expected);
    }
  });

  it("relayed: the upstream's stream and a rewriter that gives, chunk for chunk, what answer's stream gives", async () => {
    const bytes = encoder.encode(stream);
    const cuts: Uint8Array[][] = [];
    for (let at = 1; at < bytes.length; at += 1) cuts.push([bytes.subarray(0, at), bytes.subarray(at)]);
    for (let size = 1; size <= 7; size++) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      cuts.push(chunks);
    }
    const delta = encoder.encode(event("content_block_delta", { index: 0, delta: { type: "text_delta", text: "ok" } }));
    cuts.push([delta, bytes, encoder.encode("event: message_stop\ndata: {}")]);
    for (const chunks of cuts) {
      const streamed = await chunksOf(await view().answer(upstreamOf(chunks)));
      const { response, rewrite } = await view().relayed(upstreamOf(chunks));
      expect(response.headers.get(AGENT_USAGE_HEADER)).toBe("uncompacted; ratio=4.0000");
      if (rewrite === undefined) throw new Error("no rewriter for an event stream");
      const relayed: Uint8Array[] = [];
      for (const chunk of await chunksOf(response)) {
        const out = rewrite.chunk(chunk);
        if (out !== undefined) relayed.push(out);
      }
      const rest = rewrite.end();
      if (rest !== undefined) relayed.push(rest);
      // The same chunks (the very bytes received where answer's stream passes them on), so the same writes.
      expect(relayed.map((chunk) => Buffer.from(chunk).toString("hex"))).toEqual(streamed.map((chunk) => Buffer.from(chunk).toString("hex")));
      expect(relayed.filter((chunk, index) => chunk === streamed[index]).length).toBe(streamed.filter((chunk) => chunks.includes(chunk)).length);
    }
    // A JSON answer, and a request compactor did not change, get answer's response and no rewriter.
    const json = new Response(JSON.stringify({ usage }), { headers: { "content-type": "application/json" } });
    const plain = await view().relayed(json);
    expect(plain.rewrite).toBeUndefined();
    expect(await plain.response.json()).toEqual({ usage: { ...usage, cache_read_input_tokens: 3990 } });
    const unchanged = agentUsageView("anthropic");
    unchanged.prepared({ changed: false, promptSizes: () => ({ agent: 4000, sent: 1000 }) });
    const upstream = upstreamOf([bytes]);
    expect(await unchanged.relayed(upstream)).toEqual({ response: upstream });
  });

  it("chunks of whole lines without usage go on as the bytes received; a line that does not end is sent at the end", async () => {
    const delta = encoder.encode(event("content_block_delta", { index: 0, delta: { type: "text_delta", text: "ok" } }));
    const start = encoder.encode(event("message_start", { message: { usage } }));
    const unfinished = encoder.encode("event: message_stop\ndata: {}");
    const out = await chunksOf(await view().answer(upstreamOf([start, delta, unfinished])));
    // start (rewritten), delta (the same bytes), the unfinished chunk's whole line, then its rest at the end.
    expect(out).toHaveLength(4);
    expect(out[1]).toBe(delta);
    expect(text(out.slice(2))).toBe("event: message_stop\ndata: {}");
    expect(text(out)).toBe(text([start, delta, unfinished]).replace('"cache_read_input_tokens":990', '"cache_read_input_tokens":3990'));
  });

  it("an upstream error reaches the agent's side, and the agent's cancel reaches the upstream", async () => {
    const broken = new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(event("ping", {})));
        },
        pull(controller) {
          controller.error(new Error("connection reset"));
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
    await expect(chunksOf(await view().answer(broken))).rejects.toThrow("connection reset");
    let cancelled: unknown;
    const endless = new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(encoder.encode(event("ping", {})));
        },
        cancel(reason) {
          cancelled = reason;
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
    const answer = await view().answer(endless);
    const reader = answer.body?.getReader();
    await reader?.read();
    await reader?.cancel("client gone");
    expect(cancelled).toBe("client gone");
  });

  it("a JSON answer read whole is rewritten into bytes known to the relay", async () => {
    const body = encoder.encode(JSON.stringify({ id: "msg_1", content: [{ type: "text", text: "✓" }], usage }));
    const upstream = new Response(body, { status: 200, headers: { "content-type": "application/json" } });
    knownBodies.set(upstream, body);
    const answer = await view().answer(upstream);
    const known = knownBodies.get(answer);
    expect(known).toBeDefined();
    expect(Buffer.from(known as Uint8Array).toString("utf8")).toBe(
      JSON.stringify({ id: "msg_1", content: [{ type: "text", text: "✓" }], usage: { ...usage, cache_read_input_tokens: 3990 } }),
    );
    expect(await answer.text()).toBe(Buffer.from(known as Uint8Array).toString("utf8"));
    expect(answer.headers.get(AGENT_USAGE_HEADER)).toBe("uncompacted; ratio=4.0000");
  });
});
