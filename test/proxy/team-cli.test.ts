/**
 * `--budget` on `compactor proxy` and `compactor wrap`: the library's budget choices on the command line, clear
 * errors naming the flag for bad values, and refusals in the provider's own error format.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { budgetFromFlags } from "../../src/cli/budget-flags.js";
import { useServers } from "../e2e/helpers.js";
import { cli, repositoryRoot } from "../support/cli.js";

const startServer = useServers();

describe("--budget", () => {
  it("maps each spec onto the library's budget option", () => {
    expect(budgetFromFlags(undefined, undefined)).toBeUndefined();
    expect(
      budgetFromFlags(
        ["session=2.50", "session=500000tokens", "team:platform=$200/day", "fail=closed", "actions=warn@0.5,downgrade@95%"],
        undefined,
      ),
    ).toEqual({
      session: { maxUsd: 2.5, maxTokens: 500_000 },
      team: { id: "platform", maxUsd: 200, windowMs: 86_400_000 },
      failMode: "closed",
      actions: [
        { action: "warn", at: 0.5 },
        { action: "downgrade", at: 0.95 },
      ],
    });
    expect(budgetFromFlags(["session=1/12h"], undefined)?.session).toEqual({ maxUsd: 1, windowMs: 12 * 3_600_000 });
    expect(budgetFromFlags(["team:a=1/week"], undefined)?.team?.windowMs).toBe(7 * 86_400_000);
    // With a Redis store, spend is counted there (shared by every process pointed at it).
    const shared = budgetFromFlags(["team:a=1"], "redis://127.0.0.1:1");
    expect(shared?.ledger?.name).toBe("redis");
  });

  it.each([
    ["session=abc", /--budget.*amount of dollars/],
    ["session=-1", /--budget.*non-negative/],
    ["team=5", /--budget.*team name/],
    ["team:a=1/fortnight", /--budget.*window/],
    ["session=1/day/extra", /--budget.*one amount/],
    ["fail=maybe", /--budget.*fail=open or fail=closed/],
    ["actions=panic@0.5", /--budget.*NAME@SHARE/],
    ["tokens", /--budget.*KEY=VALUE/],
    ["user=5", /--budget.*KEY=VALUE/],
  ])("%s: exit 1 with an error naming --budget", async (spec, message) => {
    const result = await cli("proxy", "--budget", spec);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    const wrapped = await cli("wrap", "claude", "--budget", spec);
    expect(wrapped.code).toBe(1);
    expect(wrapped.stderr).toMatch(message);
  });

  it("compactor proxy --budget session=…: a refusal is a 429 in each API's own format, and the upstream sees nothing", async () => {
    const server = await startServer();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "proxy", "--port", "0", "--upstream-anthropic", server.url, "--upstream-openai", server.url, "--budget", "session=0.000001"],
      { cwd: repositoryRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const [first] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(first)?.[1] as string;
      expect(url).toBeDefined();
      const anthropic = new Anthropic({ baseURL: url, apiKey: "k", maxRetries: 2 });
      const error = await anthropic.messages
        .create({ model: "claude-sonnet-4-6", max_tokens: 64, messages: [{ role: "user", content: "hello" }] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect(String((error as Error).message)).toMatch(/session:/);
      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "k", maxRetries: 2 });
      const refused = await openai.responses
        .create({ model: "gpt-5", input: "hello", max_output_tokens: 64 })
        .catch((caught: unknown) => caught);
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe("compactor_budget_exceeded");
      expect(server.requests).toHaveLength(0);
    } finally {
      child.kill("SIGTERM");
      await once(child, "close");
    }
  }, 60_000);
});
