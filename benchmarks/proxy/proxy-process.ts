/**
 * The proxies of the latency benchmark, in their own process: one that records and prices only
 * (`strategy: null`) and one with the default strategy, both in front of the upstream given as argv[2].
 * Prints their URLs as one JSON line.
 *
 * @module
 */
import { startProxy } from "../../src/index.js";

const upstream = process.argv[2] ?? "";
const upstreams = { anthropic: upstream, openai: upstream };
const record = await startProxy({ upstreams, strategy: null, diagnosticsChannel: false });
const standard = await startProxy({ upstreams, diagnosticsChannel: false });
console.log(JSON.stringify({ record: record.url, default: standard.url }));
process.on("SIGTERM", () => process.exit(0));
// "cpu" on stdin: this process's CPU time so far (user + system, microseconds), as one line.
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => {
  for (const line of text.split("\n")) {
    if (line.trim() === "cpu") {
      const usage = process.cpuUsage();
      process.stdout.write(`${usage.user + usage.system}\n`);
    }
  }
});
