/**
 * The loopback test server in its own process, so that its work (parsing and counting a large request) does
 * not share the event loop with the clients being timed. Prints its base URL once listening; exits when its
 * stdin closes.
 *
 * Run by overhead.ts: `node --import tsx benchmarks/wrapper/server-process.ts`
 *
 * @module
 */
import { noPromptCache, reply, startTestServer } from "../../src/testing/index.js";

const server = await startTestServer({ script: () => reply.text("Next."), cache: noPromptCache });
process.stdout.write(`${server.anthropicBaseURL}\n`);
// The server records every request (bodies of megabytes at 1M tokens); nothing here reads them.
setInterval(() => server.requests.splice(0), 100).unref();
process.stdin.resume();
process.stdin.on("end", () => {
  server.close().then(() => process.exit(0));
});
