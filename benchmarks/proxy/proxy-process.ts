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
