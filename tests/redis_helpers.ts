// A real redis-server for tests: its own loopback port and temporary
// directory, durable by default (AOF with appendfsync always), so a test can
// kill -9 it, start it again on the same port and directory, and find what it
// had acknowledged.

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Options of {@linkcode startRedis}. */
export interface RedisServerOptions {
  /** Sets `requirepass`. @default none */
  password?: string;
  /** @default true */
  appendonly?: boolean;
  /** @default "always" */
  appendfsync?: "always" | "everysec";
  /** More redis-server arguments, e.g. `["--rename-command", "CONFIG", ""]`. @default [] */
  args?: string[];
}

/** A running redis-server; `close()` (or `await using`) stops it and removes its directory. */
export interface RedisServer extends AsyncDisposable {
  readonly port: number;
  /** `redis://[:PASSWORD@]127.0.0.1:PORT` */
  readonly url: string;
  /** Its `--dir`: the AOF lives in `appendonlydir/` here. */
  readonly dir: string;
  /** SIGKILL, as a crash of the machine would look to clients (nothing flushed on the way out). */
  kill9(): Promise<void>;
  /** SIGTERM and wait: a clean shutdown. The directory stays, for `restart()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (stopping it first if it runs): it reloads its AOF. */
  restart(): Promise<void>;
  /** Sends a signal to the running process: SIGSTOP makes a Redis that keeps its sockets but never answers. */
  signal(signal: Deno.Signal): void;
  /** Runs `redis-cli` against it and returns what it printed, trimmed. */
  cli(...args: string[]): Promise<string>;
  /** Stops it if it runs and removes its directory; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A loopback TCP port that was free a moment ago: listen on port 0, read the
 * port back, close. Someone else may take it before it is used, so callers
 * retry on a failed bind.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** True once something on the port answers a RESP PING (`+PONG`, or `-NOAUTH` when it wants a password). */
async function answersPing(port: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(encoder.encode("PING\r\n"));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    const reply = n === null ? "" : decoder.decode(buf.subarray(0, n));
    // -LOADING means it is still reading its AOF: not ready yet.
    return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH");
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

function spawn(port: number, dir: string, opts: RedisServerOptions): Deno.ChildProcess {
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    opts.appendonly === false ? "no" : "yes",
    "--appendfsync",
    opts.appendfsync ?? "always",
    "--daemonize",
    "no",
    // The log goes to a file in the directory: a piped stdout nobody reads
    // would fill up, and "null" would hide why a start failed.
    "--logfile",
    `${dir}/redis.log`,
    ...(opts.password === undefined ? [] : ["--requirepass", opts.password]),
    ...(opts.args ?? []),
  ];
  return new Deno.Command("redis-server", { args, stdin: "null", stdout: "null", stderr: "null" })
    .spawn();
}

/**
 * Waits until the server on `port` answers PING; false if `child` exited
 * first (most often: someone took the port) or 10 s went by.
 */
async function waitReady(child: Deno.ChildProcess, port: number): Promise<boolean> {
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + 10_000;
  while (!exited && Date.now() < deadline) {
    if (await answersPing(port)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function logTail(dir: string): Promise<string> {
  const text = await Deno.readTextFile(`${dir}/redis.log`).catch(() => "");
  return text.trim().split("\n").slice(-3).join(" | ");
}

/**
 * Starts `redis-server` on a free loopback port with its own temporary
 * directory and waits until it answers PING.
 *
 * @example
 * ```ts
 * await using redis = await startRedis({ password: "s3cret" });
 * await redis.cli("SET", "k", "v");
 * ```
 */
export async function startRedis(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await Deno.makeTempDir({ prefix: "chat-redis-" });
  let child: Deno.ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 5 && child === undefined; attempt++) {
    port = freePort();
    const c = spawn(port, dir, opts);
    if (await waitReady(c, port)) child = c;
    else {
      try {
        c.kill("SIGKILL");
      } catch { /* already gone */ }
      await c.status;
    }
  }
  if (child === undefined) {
    const why = await logTail(dir);
    await Deno.remove(dir, { recursive: true });
    throw new Error(`Cannot start redis-server: ${why || "no log"}`);
  }

  let running: Deno.ChildProcess | undefined = child;
  const end = async (signal: Deno.Signal): Promise<void> => {
    const c = running;
    if (c === undefined) return;
    running = undefined;
    try {
      c.kill(signal);
      // A stopped (SIGSTOP) server handles SIGTERM only once it runs again.
      if (signal === "SIGTERM") c.kill("SIGCONT");
    } catch { /* already gone */ }
    await c.status;
  };
  let closed = false;
  const auth = opts.password === undefined ? "" : `:${encodeURIComponent(opts.password)}@`;
  const server: RedisServer = {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    dir,
    kill9: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
    async restart() {
      await end("SIGTERM");
      const c = spawn(port, dir, opts);
      if (!(await waitReady(c, port))) {
        try {
          c.kill("SIGKILL");
        } catch { /* already gone */ }
        await c.status;
        throw new Error(`Cannot restart redis-server on port ${port}: ${await logTail(dir)}`);
      }
      running = c;
    },
    signal(signal: Deno.Signal) {
      if (running === undefined) throw new Error("Cannot signal redis-server: it is not running");
      running.kill(signal);
    },
    async cli(...args: string[]) {
      const auth = opts.password === undefined ? [] : ["-a", opts.password, "--no-auth-warning"];
      const out = await new Deno.Command("redis-cli", {
        args: ["-h", "127.0.0.1", "-p", String(port), ...auth, ...args],
        stdin: "null",
      }).output();
      if (!out.success) {
        throw new Error(`redis-cli ${args[0]} failed: ${decoder.decode(out.stderr)}`);
      }
      return decoder.decode(out.stdout).trim();
    },
    async close() {
      if (closed) return;
      closed = true;
      await end("SIGKILL");
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    [Symbol.asyncDispose]: () => server.close(),
  };
  return server;
}
