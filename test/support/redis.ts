/**
 * Test harness: a real `redis-server` (Debian package) on a free loopback port, with no persistence. Tests that
 * need it skip with {@link redisSkipReason} when the binary is absent.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { afterAll, beforeAll } from "vitest";

/** Path of `redis-server`, or undefined when it is not installed. */
export const redisServerPath: string | undefined = findRedisServer();

/** Why Redis tests are skipped, or undefined when they can run. */
export const redisSkipReason: string | undefined = redisServerPath
  ? undefined
  : "redis-server is not installed (apt-get install -y redis-server)";

/** A running test server. */
export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Stops the server (SIGTERM, or SIGKILL to simulate a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted) and waits until it answers. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing answers, as with a hung host. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
  /** Stops it for good. */
  close(): Promise<void>;
}

/** Starts `redis-server` on a free loopback port and waits until it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  if (!redisServerPath) throw new Error(redisSkipReason);
  const binary = redisServerPath;
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ["--save", "", "--appendonly", "no", "--port", String(port), "--bind", "127.0.0.1"];
    const started = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    started.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child = started;
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(port))) {
      if (started.exitCode !== null) throw new Error(`redis-server exited (${started.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill(signal);
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    close: async () => {
      child?.kill("SIGCONT");
      await stop();
    },
  };
}

/** Sends a raw PING and resolves true on `+PONG`. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const finish = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once("error", () => finish(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => finish(data.toString().startsWith("+PONG")));
  });
}

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === "object" && address) resolve(address.port);
        else reject(new Error("could not pick a free port"));
      });
    });
  });
}

function findRedisServer(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts one `redis-server` for the calling test file (before all its tests, stopped after them) and returns a
 * getter of its URL. Does nothing when Redis is absent: tests then skip with {@link redisSkipReason}.
 */
export function useRedisServer(): () => string {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    if (!redisSkipReason) server = await startRedis();
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error("redis-server was not started");
    return server.url;
  };
}
