// A minimal Anthropic Messages upstream for the proxy benchmark, in its own process: it reads the request and
// answers at once (JSON, or SSE when the body ends with `"stream":true}`), with usage sized from the body. Prints its URL.
import { createServer } from "node:http";

const server = createServer((request, response) => {
  let size = 0;
  // The clients put `"stream":true` last: look at the body's end (it spans many chunks at 100k tokens).
  let tail = Buffer.alloc(0);
  request.on("data", (chunk) => {
    size += chunk.length;
    tail = Buffer.concat([tail, chunk.subarray(-32)]).subarray(-32);
  });
  request.on("end", () => {
    const streaming = tail.includes('"stream":true');
    const usage = { input_tokens: Math.ceil(size / 4), output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    const message = { id: "msg_bench", type: "message", role: "assistant", model: "claude-sonnet-4-6", content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null, usage };
    if (!streaming) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(message));
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    const event = (type, data) => response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event("message_start", { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
    event("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    event("content_block_delta", { index: 0, delta: { type: "text_delta", text: "ok" } });
    event("content_block_stop", { index: 0 });
    event("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 5 } });
    event("message_stop", {});
    response.end();
  });
});
server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${server.address().port}`));
