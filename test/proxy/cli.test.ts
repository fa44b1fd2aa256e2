/**
 * `compactor proxy` as a command: it listens, says where, forwards through the core, serves `/metrics`, stops
 * cleanly on SIGTERM; bad options are typed errors with exit code 1 or 2.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { useServers } from "../e2e/helpers.js";
import { cli, repositoryRoot } from "../support/cli.js";

const startServer = useServers();

describe("compactor proxy (command)", () => {
  it("listens, forwards, counts in /metrics, stops on SIGTERM with exit code 0", async () => {
    const server = await startServer();
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "proxy", "--port", "0", "--upstream-anthropic", server.url], {
      cwd: repositoryRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout });
    const [first] = (await once(lines, "line")) as [string];
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(first)?.[1];
    expect(url, first + stderr).toBeDefined();
    const client = new Anthropic({ baseURL: url, apiKey: "sk-ant-k", maxRetries: 0 });
    const message = await client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Echo: hi" });
    let metrics = "";
    for (let attempt = 0; attempt < 20 && !/compactor_calls_total\{.*\} 1/.test(metrics); attempt++) {
      metrics = await (await fetch(`${url}/metrics`)).text();
    }
    expect(metrics).toMatch(/^compactor_calls_total\{provider="anthropic",model="claude-sonnet-4-6",stream="false"\} 1$/m);
    child.kill("SIGTERM");
    const [code] = (await once(child, "close")) as [number];
    expect(code).toBe(0);
    expect(server.requests).toHaveLength(1);
  }, 60_000);

  it("bad options: a typed error naming the option", async () => {
    const bad = await cli("proxy", "--upstream-openai", "not a url");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("upstreams.openai");
    const port = await cli("proxy", "--port", "http");
    expect(port.code).toBe(1);
    expect(port.stderr).toContain("port");
    const unknown = await cli("proxy", "--nope");
    expect(unknown.code).toBe(2);
  });
});
