/**
 * Speed of the cache simulators on the replay benchmark's workload: sessions of 200 calls whose prompt grows
 * by two blocks a call (up to about 400 segments), with a compaction that rewrites the tail every 50 calls.
 * Prints microseconds per call and per segment for each simulator, then JSON.
 *
 *   npx tsx benchmarks/cache/speed.ts [sessions]
 *
 * @module
 */
import {
  type CacheSimulatorOptions,
  createCacheSimulator,
  type PromptSegment,
} from "../../src/cache/index.js";

const sessions = Number(process.argv[2] ?? 300);
const callsPerSession = 200;

/** The prompts of one session: a fixed head, then two blocks per call; every 50 calls the history is summarised. */
function sessionPrompts(session: number): PromptSegment[][] {
  const head: PromptSegment[] = [
    { hash: `tools-${session % 3}`, tokens: 9000, breakpoint: "5m" },
    { hash: `system-${session}`, tokens: 4000, breakpoint: "5m" },
  ];
  let history: PromptSegment[] = [];
  const prompts: PromptSegment[][] = [];
  for (let call = 0; call < callsPerSession; call++) {
    if (call > 0 && call % 50 === 0) history = [{ hash: `summary-${session}-${call}`, tokens: 2500 }];
    history.push(
      { hash: `assistant-${session}-${call}`, tokens: 150 },
      { hash: `user-${session}-${call}`, tokens: 900 },
    );
    const tail = history.map((item, index) =>
      index === history.length - 1
        ? { hash: item.hash, tokens: item.tokens, breakpoint: "5m" as const }
        : item,
    );
    prompts.push([...head, ...tail]);
  }
  return prompts;
}

const configurations: Array<{ name: string; options: CacheSimulatorOptions }> = [
  { name: "anthropic explicit", options: { provider: "anthropic", model: "claude-sonnet-4-5" } },
  {
    name: "anthropic automatic",
    options: { provider: "anthropic", model: "claude-sonnet-4-5", mode: "automatic" },
  },
  { name: "openai automatic", options: { provider: "openai", model: "gpt-5.1" } },
];

const workload = Array.from({ length: sessions }, (_, session) => sessionPrompts(session));
const segments = workload.reduce(
  (sum, prompts) => sum + prompts.reduce((inner, prompt) => inner + prompt.length, 0),
  0,
);
const calls = sessions * callsPerSession;
const results = configurations.map(({ name, options }) => {
  let checksum = 0;
  const started = performance.now();
  for (const prompts of workload) {
    const cache = createCacheSimulator(options);
    let clock = 1_700_000_000_000;
    for (const prompt of prompts) {
      clock += 20_000;
      checksum += cache.call(prompt, clock).cacheReadTokens;
    }
  }
  const milliseconds = performance.now() - started;
  return {
    name,
    calls,
    milliseconds: Math.round(milliseconds),
    microsecondsPerCall: Number(((milliseconds * 1000) / calls).toFixed(2)),
    nanosecondsPerSegment: Number(((milliseconds * 1e6) / segments).toFixed(1)),
    checksum,
  };
});

console.log(
  `${sessions} sessions x ${callsPerSession} calls, ${(segments / calls).toFixed(0)} segments a call on average\n`,
);
for (const result of results) {
  console.log(
    `${result.name.padEnd(20)} ${String(result.milliseconds).padStart(6)} ms  ` +
      `${result.microsecondsPerCall.toFixed(2).padStart(7)} us/call  ${result.nanosecondsPerSegment.toFixed(1).padStart(6)} ns/segment`,
  );
}
console.log(`\n${JSON.stringify(results, null, 2)}`);
