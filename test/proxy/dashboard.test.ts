/**
 * The proxy's dashboard (issue 12): `GET /` and `GET /api/summary`. A proxy in front of `compactor/testing` gets
 * real SDK calls (Anthropic Messages, OpenAI Chat and Responses, some compacting, one with a hostile session id
 * and model name); the JSON must carry each session's own report and their sums, agree with `/metrics` and the
 * budget ledger, and need the proxy token when there is one. In headless Chromium the page must show exactly
 * those figures, fit a phone, and show the hostile strings as text.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BudgetLedger, budgetGate, memoryBudgetLedger } from "../../src/budget/index.js";
import { type CompactorProxy, type DashboardSummary, startProxy } from "../../src/index.js";
import { budgetState, buildSummary, resolveBudgets } from "../../src/proxy/dashboard/index.js";
import { liveFrom } from "../../src/session/live-session.js";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { observationMasking, tokenThreshold } from "../../strategies/index.js";

// SDK loops, then a browser per width: room for a busy machine.
const timeout = 120_000;

function findChromium(): string | undefined {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const found = spawnSync("which", [name], { encoding: "utf8" });
    if (found.status === 0 && found.stdout.trim() !== "") return found.stdout.trim();
  }
  return undefined;
}
const chromium = findChromium();

const hostileSession = `<img src=x onerror="document.body.dataset.pwned='id'">&amp;`;
const hostileModel = `</td><script>document.body.dataset.pwned='model'</script>`;
const toolOutput = (index: number) =>
  `// src/file-${index}.ts\n${"export const value = compute(input, options);\n".repeat(60)}`;
const steps = 14;
const system = `You are a coding agent. ${"Read carefully. ".repeat(40)}`;
const task = "Read every file of the repository, one at a time.";

async function anthropicLoop(client: Anthropic, stream: boolean): Promise<void> {
  const tool = {
    name: "read_file",
    description: "Read a file",
    input_schema: { type: "object" as const, properties: { path: { type: "string" } } },
  };
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: task }];
  for (let index = 0; index <= steps + 1; index++) {
    const params = { model: "claude-sonnet-4-6", max_tokens: 1024, system, tools: [tool], messages };
    const message = stream
      ? await client.messages.stream(params).finalMessage()
      : await client.messages.create(params);
    messages.push({ role: "assistant", content: message.content });
    const calls = message.content.filter((block) => block.type === "tool_use");
    if (calls.length === 0) return;
    messages.push({
      role: "user",
      content: calls.map((call) => ({
        type: "tool_result" as const,
        tool_use_id: call.id,
        content: toolOutput(index),
      })),
    });
  }
}

async function chatLoop(client: OpenAI, turns: number): Promise<void> {
  const tool = {
    type: "function" as const,
    function: { name: "read_file", parameters: { type: "object", properties: {} } },
  };
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: "system", content: system },
    { role: "user", content: task },
  ];
  for (let index = 0; index < turns; index++) {
    const completion = await client.chat.completions.create({ model: "gpt-4.1", tools: [tool], messages });
    const message = completion.choices[0]?.message;
    if (!message) throw new Error("no choice");
    const calls = message.tool_calls ?? [];
    if (calls.length === 0) return;
    messages.push({ role: "assistant", content: message.content, tool_calls: calls });
    for (const call of calls)
      messages.push({ role: "tool", tool_call_id: call.id, content: toolOutput(index) });
  }
}

interface Scenario {
  server: TestServer;
  proxy: CompactorProxy;
}

async function scenario(token?: string): Promise<Scenario> {
  const server = await startTestServer({
    script: (_request, { callIndex }) =>
      callIndex % (steps + 1) < steps
        ? reply.toolCall("read_file", { path: `src/file-${callIndex}.ts` })
        : reply.text("Done."),
  });
  const proxy = await startProxy({
    upstreams: { anthropic: server.url, openai: server.url },
    strategy: observationMasking({ keepLast: 3 }),
    trigger: tokenThreshold(6_000),
    budget: { session: { maxUsd: 0.5 }, team: { id: "core", maxUsd: 1, windowMs: 86_400_000 } },
    diagnosticsChannel: false,
    ...(token === undefined ? {} : { token }),
  });
  const headers = token === undefined ? {} : { "x-compactor-token": token };
  const anthropic = new Anthropic({
    baseURL: proxy.anthropicBaseURL,
    apiKey: "sk-ant-test",
    maxRetries: 0,
    defaultHeaders: headers,
  });
  const openai = new OpenAI({
    baseURL: proxy.openaiBaseURL,
    apiKey: "sk-test",
    maxRetries: 0,
    defaultHeaders: headers,
  });
  await anthropicLoop(anthropic, false);
  await anthropicLoop(
    new Anthropic({
      baseURL: proxy.anthropicBaseURL,
      apiKey: "sk-ant-test",
      maxRetries: 0,
      defaultHeaders: { ...headers, "x-compactor-session": "claude-review-7" },
    }),
    true,
  );
  await chatLoop(openai, 4);
  const responses = await openai.responses.create({
    model: "gpt-4.1",
    instructions: system,
    input: "Summarise the repository.",
  });
  expect(responses.output.length).toBeGreaterThan(0);
  // A hostile client: markup in its session id and in its model name (an unpriced model).
  await openai.chat.completions.create(
    { model: hostileModel, messages: [{ role: "user", content: "hi" }] },
    { headers: { "x-compactor-session": hostileSession } },
  );
  return { server, proxy };
}

async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

function metric(text: string, name: string): number {
  const line = text.split("\n").find((row) => row.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

describe("the proxy dashboard's JSON", () => {
  let setup: Scenario;
  beforeAll(async () => {
    setup = await scenario();
  }, timeout);
  afterAll(async () => {
    await setup?.proxy.close();
    await setup?.server.close();
  });

  it("lists every session with its own session report, unchanged", async () => {
    const { status, body, headers } = await getJson(`${setup.proxy.url}/api/summary`);
    expect(status).toBe(200);
    expect(headers.get("content-type")).toContain("application/json");
    const summary = body as DashboardSummary;
    expect(summary.version).toBe(1);
    expect(summary.mode).toBe("compacting");
    const ids = setup.proxy.sessions().map((session) => session.id);
    expect(summary.sessions.map((session) => session.id).sort()).toEqual([...ids].sort());
    expect(summary.sessions.length).toBe(5);
    for (const session of summary.sessions) {
      // The very figures of proxy.report (sessionReport's builder), not a second computation.
      expect(session.report, session.id).toEqual(await setup.proxy.report(session.id));
      const source = setup.proxy.sessions().find((seen) => seen.id === session.id)?.source;
      expect(session.source).toBe(source);
    }
    const times = summary.sessions.map((session) => session.lastActivityAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const byId = new Map(summary.sessions.map((session) => [session.id, session]));
    expect(byId.get("claude-review-7")?.api).toBe("anthropic");
    expect(byId.get(hostileSession)?.report.model).toBe(hostileModel);
    expect(byId.get(hostileSession)?.report.unpricedCalls).toBe(1);
    const compacted = summary.sessions.filter((session) => session.report.compactions > 0);
    expect(compacted.length).toBeGreaterThanOrEqual(2);
    for (const session of compacted) {
      expect(session.report.realisedSavingUsd).toBeGreaterThan(0);
      expect(session.contextTokens).toBeGreaterThan(0);
    }
  });

  it("totals are the reports' sums and agree with /metrics", async () => {
    const summary = (await getJson(`${setup.proxy.url}/api/summary`)).body as DashboardSummary;
    const reports = await Promise.all(
      setup.proxy.sessions().map((session) => setup.proxy.report(session.id)),
    );
    const sum = (pick: (report: (typeof reports)[number]) => number) =>
      reports.reduce((total, report) => total + pick(report), 0);
    const t = summary.totals;
    expect(t.sessions).toBe(reports.length);
    expect(t.calls).toBe(sum((r) => r.calls));
    expect(t.costUsd).toBeCloseTo(
      sum((r) => r.costUsd),
      12,
    );
    expect(t.uncompactedCostUsd).toBeCloseTo(
      sum((r) => r.uncompactedCostUsd),
      12,
    );
    expect(t.realisedSavingUsd).toBeCloseTo(
      sum((r) => r.realisedSavingUsd),
      12,
    );
    expect(t.realisedSavingRatio).toBeCloseTo(t.realisedSavingUsd / t.uncompactedCostUsd, 12);
    expect(t.realisedSavingRatio).toBeGreaterThan(0);
    expect(t.compactions).toBe(sum((r) => r.compactions));
    expect(t.unpricedCalls).toBe(1);
    // The same figures /metrics counts from the events.
    const text = setup.proxy.metrics();
    expect(t.costUsd).toBeCloseTo(metric(text, "compactor_spent_usd_total"), 9);
    expect(t.uncompactedCostUsd).toBeCloseTo(metric(text, "compactor_uncompacted_usd_total"), 9);
    expect(t.realisedSavingUsd).toBeCloseTo(metric(text, "compactor_saved_usd"), 9);
    expect(t.cacheHitRatio).toBeCloseTo(metric(text, "compactor_cache_hit_ratio"), 9);
    expect(t.cacheHitRatio).toBeGreaterThan(0);
    expect(summary.definitions.uncompacted).toContain("full, uncompacted history");
    // A library caller gets the same object.
    expect(await setup.proxy.dashboard()).toEqual(summary);
  });

  it("shows the budgets from the gate's own ledger: limits, spend, state", async () => {
    const summary = (await getJson(`${setup.proxy.url}/api/summary`)).body as DashboardSummary;
    const budgets = summary.budgets;
    expect(budgets.mode).toBe("ledger");
    expect(budgets.ledger).toBe("memory");
    const team = budgets.limits.find((limit) => limit.limitId === "team:core");
    expect(team).toBeDefined();
    expect(team?.limitUsd).toBe(1);
    expect((team?.windowEnd ?? 0) - (team?.windowStart ?? 0)).toBe(86_400_000);
    // The ledger counted every priced call's cost: the dashboard's spend, to the nanodollar.
    expect(team?.spentUsd).toBeCloseTo(summary.totals.costUsd, 8);
    expect(team?.reservedUsd).toBe(0);
    expect(team?.share).toBeCloseTo(summary.totals.costUsd, 8);
    const sessions = budgets.limits.filter((limit) => limit.scope === "session");
    expect(sessions.map((limit) => limit.limitId).sort()).toEqual(
      summary.sessions.map((s) => `session:${s.id}`).sort(),
    );
    for (const limit of sessions) {
      const session = summary.sessions.find((s) => `session:${s.id}` === limit.limitId);
      expect(limit.spentUsd).toBeCloseTo(session?.report.costUsd ?? Number.NaN, 8);
      expect(limit.limitUsd).toBe(0.5);
      expect(limit.state).toBe(limit.share >= 0.8 ? expect.any(String) : "ok");
    }
  });

  it("serves one self-contained page with a strict CSP and no data in it", async () => {
    const response = await fetch(`${setup.proxy.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await response.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    // The page builds elements with textContent only: no markup from data.
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect(html).not.toContain("claude-review-7");
    expect(html).toContain('fetch("/api/summary"');
  });
});

describe("the proxy dashboard with a proxy token", () => {
  let proxy: CompactorProxy;
  let server: TestServer;
  const token = "s3cret-token-for-the-team";
  beforeAll(async () => {
    ({ proxy, server } = await scenario(token));
  }, timeout);
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it("needs the token for the page and its JSON, by header or ?token=", async () => {
    const page = await fetch(`${proxy.url}/`);
    expect(page.status).toBe(401);
    const login = await page.text();
    expect(login).toContain('name="token"');
    expect(login).not.toContain("claude-review-7");
    expect(login).not.toContain("/api/summary");
    expect((await fetch(`${proxy.url}/?token=wrong-token-of-same-size`)).status).toBe(401);
    expect((await fetch(`${proxy.url}/?token=${token}`)).status).toBe(200);
    expect((await fetch(`${proxy.url}/`, { headers: { "x-compactor-token": token } })).status).toBe(200);
    const refused = await getJson(`${proxy.url}/api/summary`);
    expect(refused.status).toBe(401);
    expect(JSON.stringify(refused.body)).not.toContain("claude-review-7");
    expect((await getJson(`${proxy.url}/api/summary`, { "x-compactor-token": "nope" })).status).toBe(401);
    const granted = await getJson(`${proxy.url}/api/summary`, { "x-compactor-token": token });
    expect(granted.status).toBe(200);
    expect((granted.body as DashboardSummary).sessions.length).toBe(5);
    // The query form opens the dashboard's routes only: the API paths still want the header.
    expect((await fetch(`${proxy.url}/metrics?token=${token}`)).status).toBe(401);
  });
  it.skipIf(!chromium)(
    "opens in a browser with ?token= and refreshes with the header (skipped without `chromium`)",
    async () => {
      const folder = mkdtempSync(join(tmpdir(), "compactor-dashboard-token-"));
      const open = await headless(
        folder,
        "--window-size=1280,900",
        "--virtual-time-budget=3000",
        "--dump-dom",
        `${proxy.url}/?token=${token}`,
      );
      expect(open.status).toBe(0);
      // The page loaded /api/summary (which wants the header) and drew the sessions.
      expect(open.stdout).toMatch(/<body[^>]*data-state="ready"/);
      expect(open.stdout.split("<tr data-session=").length - 1).toBe(5);
      const refused = await headless(
        folder,
        "--window-size=1280,900",
        "--virtual-time-budget=3000",
        "--dump-dom",
        `${proxy.url}/`,
      );
      expect(refused.stdout).toMatch(/<body[^>]*data-state="token-required"/);
      expect(refused.stdout).not.toContain("claude-review-7");
    },
    timeout,
  );
});

describe("budget state", () => {
  const status = (spent: number, reserved: number, limit: number | null) => ({
    limitId: "team:t",
    windowStart: null,
    windowEnd: null,
    spentUsd: spent,
    reservedUsd: reserved,
    spentTokens: 0,
    reservedTokens: 0,
    limitUsd: limit,
    limitTokens: null,
    limit: undefined,
    remainingUsd: limit === null ? null : limit - spent - reserved,
    remainingTokens: null,
  });
  const actions = [
    { at: 0.8, action: "warn" as const },
    { at: 0.9, action: "compact" as const },
    { at: 1, action: "refuse" as const },
  ];
  it("is the furthest configured action reached by spent + reserved", () => {
    expect(budgetState(status(1, 0, null), actions)).toEqual({ share: 0, state: "tracking" });
    expect(budgetState(status(0.5, 0, 1), actions).state).toBe("ok");
    expect(budgetState(status(0.7, 0.15, 1), actions).state).toBe("warn");
    expect(budgetState(status(0.95, 0, 1), actions).state).toBe("compact");
    // Exactly at the limit the ledger still grants; past it, calls are refused.
    expect(budgetState(status(1, 0, 1), actions).state).toBe("compact");
    expect(budgetState(status(1.01, 0, 1), actions).state).toBe("refuse");
  });
});

describe("dashboard budgets", () => {
  it("never waits on a frozen ledger: the summary says the ledger did not answer", async () => {
    const ledger = memoryBudgetLedger();
    const frozen: BudgetLedger = { ...ledger, name: "redis", status: () => new Promise(() => {}) };
    const budgets = resolveBudgets({ ledger: frozen, team: { id: "t", maxUsd: 1 } });
    const started = Date.now();
    const read = await budgets.read(["a"], 50);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(read.mode).toBe("ledger");
    expect(read.limits).toEqual([]);
    expect(read.error).toBe("the redis budget ledger did not answer within 50 ms");
  });

  it("says when there is no budget, or a ready-made gate whose ledger it cannot see", async () => {
    expect((await resolveBudgets(undefined).read([], 50)).mode).toBe("none");
    const gate = budgetGate({ ledger: memoryBudgetLedger(), limits: () => [] });
    const resolved = resolveBudgets(gate);
    expect(resolved.gate).toBe(gate);
    expect((await resolved.read([], 50)).mode).toBe("gate");
    expect(() => resolveBudgets(42 as never)).toThrow(/budget/);
  });
});

describe("dashboard summary sources", () => {
  const state = (id: string, calls: number, costUsd: number, at: number) => {
    const live = liveFrom(id, undefined, () => 1);
    live.meta.lastCallAt = at;
    live.meta.totals = { ...live.meta.totals, calls, costUsd, uncompactedCostUsd: costUsd * 2 };
    return live;
  };
  const base = {
    budgets: resolveBudgets(undefined),
    startedAt: 0,
    mode: "compacting" as const,
    timeoutMs: 200,
  };

  it("reads the listed sessions up to date with the store, as proxy.report does", async () => {
    const summary = await buildSummary({
      ...base,
      sessions: () => [
        { id: "a", source: "header" },
        { id: "b", source: "hash" },
      ],
      session: async (id) => state(id, 1, 0.01, id === "a" ? 10 : 20),
      // Another proxy served "a" since: the store has it at 3 calls, most recent.
      fresh: async (id) => (id === "a" ? state("a", 3, 0.03, 30) : state(id, 1, 0.01, 20)),
    });
    expect(summary.sessions.map((s) => [s.id, s.report.calls])).toEqual([
      ["a", 3],
      ["b", 1],
    ]);
    expect(summary.totals.calls).toBe(4);
    expect(summary.totals.realisedSavingUsd).toBeCloseTo(0.04, 12);
    expect(summary.totals.realisedSavingRatio).toBeCloseTo(0.5, 12);
  });

  it("leaves out, and counts, a session whose store does not answer in time", async () => {
    const started = Date.now();
    const summary = await buildSummary({
      ...base,
      sessions: () => [
        { id: "ok", source: "header" },
        { id: "frozen", source: "header" },
      ],
      session: (id) => (id === "frozen" ? new Promise(() => {}) : Promise.resolve(state(id, 2, 0.02, 5))),
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(summary.sessions.map((s) => s.id)).toEqual(["ok"]);
    expect(summary.sessionsSkipped).toBe(1);
    expect(summary.totals.calls).toBe(2);
  });
});

// ---- In headless Chromium ----

/**
 * Runs headless Chromium without blocking this process's event loop: the proxy it loads runs in this process.
 */
function headless(
  folder: string,
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      chromium as string,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        `--user-data-dir=${join(folder, "profile")}`,
        ...args,
      ],
      { encoding: "utf8", timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ status: code, stdout, stderr });
      },
    );
  });
}

function decode(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, "\u00a0")
    .replace(/&amp;/g, "&");
}

/** The `data-raw` and text of the element with this id. */
function shown(dom: string, id: string): { raw: number; text: string } {
  const match = new RegExp(`<[a-z]+ [^>]*id="${id}"[^>]*data-raw="([^"]*)"[^>]*>([^<]*)<`).exec(dom);
  if (!match) throw new Error(`#${id} has no figure`);
  return { raw: Number(match[1]), text: decode(match[2] as string) };
}

/** The number a text such as "$1,234.56", "−$0.0012", "12.5%" or "1.2k" shows. */
function parseShown(text: string): number {
  const negative = text.startsWith("\u2212");
  const clean = text.replace(/[\u2212$,%]/g, "");
  const scale = clean.endsWith("k") ? 1e3 : clean.endsWith("M") ? 1e6 : 1;
  const value = Number(clean.replace(/[kM]$/, "")) * scale;
  return negative ? -value : value;
}

/** Asserts an element shows `value`: exactly in data-raw, and in its text to the precision shown. */
function expectFigure(dom: string, id: string, value: number, kind: "usd" | "pct" | "int" | "tokens"): void {
  const { raw, text } = shown(dom, id);
  expect(raw, `#${id} data-raw`).toBe(value);
  const number = parseShown(text);
  const digits = (text.replace(/[kM%]$/, "").split(".")[1] ?? "").length;
  const unit = kind === "pct" ? 100 : 1;
  const scale = kind === "tokens" && /[kM]$/.test(text) ? (text.endsWith("k") ? 1e3 : 1e6) : 1;
  expect(Math.abs(number - value * unit), `#${id} shows "${text}" for ${value}`).toBeLessThanOrEqual(
    (0.5 * scale) / 10 ** digits + 1e-12,
  );
}

describe.skipIf(!chromium)(
  "the proxy dashboard in headless Chromium (skipped when `chromium` is not installed)",
  () => {
    let setup: Scenario;
    let folder: string;
    let summary: DashboardSummary;
    beforeAll(async () => {
      setup = await scenario();
      folder = mkdtempSync(join(tmpdir(), "compactor-dashboard-"));
      summary = (await getJson(`${setup.proxy.url}/api/summary`)).body as DashboardSummary;
    }, timeout);
    afterAll(async () => {
      await setup?.proxy.close();
      await setup?.server.close();
    });

    it.each([
      { width: 1280, height: 1100 },
      { width: 390, height: 2400 },
    ])(
      "at $width px: shows /api/summary's figures, fits the width, shows hostile strings as text, and screenshots",
      async ({ width, height }) => {
        const url = `${setup.proxy.url}/`;
        const { status, stdout: dom } = await headless(
          folder,
          `--window-size=${width},${height}`,
          "--virtual-time-budget=3000",
          "--dump-dom",
          url,
        );
        expect(status).toBe(0);
        expect(dom).toMatch(/<body[^>]*data-state="ready"/);
        expect(dom, `${width} px`).toMatch(/<body[^>]*data-overflow="false"/);
        // The injected markup never ran and never became elements.
        expect(dom).not.toMatch(/data-pwned/);
        expect(dom).not.toMatch(/<img\b/i);
        expect(dom.match(/<script\b/gi)?.length).toBe(1);

        const t = summary.totals;
        expectFigure(dom, "spent", t.costUsd, "usd");
        expectFigure(dom, "saving", t.realisedSavingUsd, "usd");
        expectFigure(dom, "saving-ratio", t.realisedSavingRatio, "pct");
        expectFigure(dom, "uncompacted", t.uncompactedCostUsd, "usd");
        expectFigure(dom, "f-summarizer", t.summarizerCostUsd, "usd");
        expectFigure(dom, "hit", t.cacheHitRatio, "pct");
        expectFigure(dom, "compactions", t.compactions, "int");
        expectFigure(dom, "calls", t.calls, "int");
        expectFigure(dom, "sessions", t.sessions, "int");
        expectFigure(dom, "cache-read", t.cacheReadTokens, "tokens");
        expectFigure(dom, "prompt", t.promptTokens, "tokens");

        const rows = dom.split("<tr data-session=").slice(1);
        expect(rows.length).toBe(summary.sessions.length);
        rows.forEach((row, index) => {
          const session = summary.sessions[index];
          if (!session) throw new Error("a row without a session");
          const id = /<span class="sid">([^<]*)<\/span>/.exec(row)?.[1];
          expect(decode(id ?? "")).toBe(session.id);
          const model = /<td class="l model"[^>]*>([^<]*)</.exec(row)?.[1];
          expect(decode(model ?? "")).toBe(session.report.model);
          for (const [name, value] of [
            ["calls", session.report.calls],
            ["spent", session.report.costUsd],
            ["saved", session.report.realisedSavingUsd],
            ["compactions", session.report.compactions],
            ["context", session.contextTokens],
          ] as const) {
            const raw = new RegExp(`<td class="${name}[^"]*"[^>]*data-raw="([^"]*)"`).exec(row)?.[1];
            expect(Number(raw), `${session.id} ${name}`).toBe(value);
          }
        });
        const team = /<div class="card budget" data-limit="team:core">([\s\S]*?)<\/dl>/.exec(dom)?.[1] ?? "";
        const teamSpent = /<dd class="spent" data-raw="([^"]*)"/.exec(team)?.[1];
        expect(Number(teamSpent)).toBe(
          summary.budgets.limits.find((limit) => limit.limitId === "team:core")?.spentUsd,
        );

        const png = join(folder, `dashboard-${width}.png`);
        const shot = await headless(
          folder,
          `--window-size=${width},${height}`,
          "--virtual-time-budget=3000",
          `--screenshot=${png}`,
          url,
        );
        expect(shot.status).toBe(0);
        const bytes = readFileSync(png);
        expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
        expect(bytes.length).toBeGreaterThan(20_000);
        const shots = process.env.COMPACTOR_DASHBOARD_SHOTS;
        if (shots) {
          mkdirSync(shots, { recursive: true });
          writeFileSync(join(shots, `dashboard-${width}.png`), bytes);
        }
      },
      timeout,
    );

    it(
      "shows an empty state before any call, and says when the proxy only measures",
      async () => {
        const empty = await startProxy({
          shadow: true,
          upstreams: { anthropic: setup.server.url, openai: setup.server.url },
          diagnosticsChannel: false,
        });
        try {
          const { status, stdout: dom } = await headless(
            folder,
            "--window-size=390,900",
            "--virtual-time-budget=3000",
            "--dump-dom",
            `${empty.url}/`,
          );
          expect(status).toBe(0);
          expect(dom).toMatch(/<body[^>]*data-state="ready"/);
          expect(dom).toMatch(/<body[^>]*data-overflow="false"/);
          expect(dom).toContain("No calls yet");
          expect(dom).toContain(`ANTHROPIC_BASE_URL=${empty.url}`);
          expect(dom).toContain("No budget on this proxy");
          expect(dom).toMatch(/<span class="mode" id="mode">shadow mode: measuring only/);
          expect(dom).toMatch(/<table id="table" hidden/);
          const png = join(folder, "dashboard-empty-390.png");
          expect(
            (
              await headless(
                folder,
                "--window-size=390,900",
                "--virtual-time-budget=3000",
                `--screenshot=${png}`,
                `${empty.url}/`,
              )
            ).status,
          ).toBe(0);
          if (process.env.COMPACTOR_DASHBOARD_SHOTS)
            writeFileSync(
              join(process.env.COMPACTOR_DASHBOARD_SHOTS, "dashboard-empty-390.png"),
              readFileSync(png),
            );
        } finally {
          await empty.close();
        }
      },
      timeout,
    );
  },
);
