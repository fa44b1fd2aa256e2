import { runBench } from "./src/replay/bench.js";
import { strategySpecsByName } from "./src/replay/catalog.js";
import { defaultTokenCounter } from "./src/session/token-counter.js";
import { importPath } from "./src/importers/index.js";
const [t] = await importPath(process.argv[2]!);
const report = await runBench({ transcripts: [t!], strategies: strategySpecsByName(["none","default-levers"]), priceModel: "claude-sonnet-4-6", cache: "provider", tokens: defaultTokenCounter(), series: true });
for (const r of report.results) {
  const s = r.series!.contextTokens;
  console.log(r.strategy, r.costUsd?.toFixed(2), r.compactions, s.filter((_, i) => i % 8 === 0).map((x) => Math.round(x / 1000)).join(" "));
}
const gaps = t!.calls.map((c, i) => i > 0 && c.timestamp && t!.calls[i-1]!.timestamp ? Math.round((c.timestamp - t!.calls[i-1]!.timestamp!) / 60000) : 0);
console.log("gaps>5min at", gaps.map((g,i)=>[g,i]).filter(([g])=>g>5).map(([g,i])=>`${i}:${g}m`).join(" "));
