// The proxies of the proxy benchmark, in their own process: a bare node:http relay (the floor), one compactor
// proxy that records and prices only (`strategy: null`) and one with the default strategy (and a third like it, used only by the memory phase), all in front of the upstream given as argv[2]. argv[3] is the library to
// load (argv[4], optional: the proxies' `agentUsage`): the built `dist/src/index.js` (what `npm run build` makes, run as plain JavaScript) or, with tsx loaded,
// the TypeScript sources. Prints their URLs as one JSON line. Commands on stdin, one per line: "cpu" prints this
// process's CPU time so far (user + system, microseconds); "mem" runs a full GC (node --expose-gc) and prints
// {rss, heapUsed, sessions} as JSON (sessions: those the memory proxy has seen).
import { Agent, createServer, request } from "node:http";

const [upstream = "", library = "", agentUsage = "uncompacted"] = process.argv.slice(2);
const { startProxy } = await import(library);
const upstreams = { anthropic: upstream, openai: upstream };
const record = await startProxy({ upstreams, strategy: null, diagnosticsChannel: false, agentUsage });
const standard = await startProxy({ upstreams, diagnosticsChannel: false, agentUsage });
const fresh = await startProxy({ upstreams, diagnosticsChannel: false, agentUsage });
// The floor: a bare relay on node:http (kept-alive upstream connections, no compactor), the least any Node proxy
// with two sockets per call costs.
const agent = new Agent({ keepAlive: true });
const target = new URL(upstream);
const bare = createServer((incoming, outgoing) => {
  const headers = { ...incoming.headers };
  delete headers.host;
  delete headers.connection;
  const forward = request(
    { host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers, agent },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    },
  );
  incoming.pipe(forward);
});
await new Promise((resolve) => bare.listen(0, "127.0.0.1", resolve));
const bareUrl = `http://127.0.0.1:${bare.address().port}`;
console.log(JSON.stringify({ record: record.url, default: standard.url, memory: fresh.url, bare: bareUrl }));
process.on("SIGTERM", () => process.exit(0));
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text) => {
  for (const line of text.split("\n")) {
    const command = line.trim();
    if (command === "cpu") {
      const usage = process.cpuUsage();
      process.stdout.write(`${usage.user + usage.system}\n`);
    } else if (command === "mem") {
      globalThis.gc?.();
      const memory = process.memoryUsage();
      const sessions = fresh.sessions().length;
      process.stdout.write(`${JSON.stringify({ rss: memory.rss, heapUsed: memory.heapUsed, sessions })}\n`);
    }
  }
});
