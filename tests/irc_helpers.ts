// Shared by the IRC tests: a server with its IRC port on, and a scripted
// raw-socket IRC client (CRLF lines, waits by pattern).
import { LineClient, type ServerProcess, type StartOptions, startServer } from "./helpers.ts";

/** A `chat serve` with `--irc-port 0`. */
export interface IrcServerProcess extends ServerProcess {
  readonly ircPort: number;
  /** The web side's URL, when it is on (`--web-port 0`). */
  readonly http?: string;
}

/** Starts `chat serve --irc-port 0 --server-name irc.test ARGS` and reads its addresses. */
export async function startIrcServer(
  args: string[] = [],
  options: StartOptions = {},
): Promise<IrcServerProcess> {
  const web = args.includes("--web-port");
  const server = await startServer(
    [
      "--irc-port",
      "0",
      ...(args.includes("--server-name") ? [] : ["--server-name", "irc.test"]),
      ...args,
    ],
    { ...options, lines: web ? 3 : 2 },
  );
  const irc = server.stdout.map((l) => /^chat irc on ircs?:\/\/127\.0\.0\.1:(\d+)$/.exec(l))
    .find((m) => m !== null);
  if (!irc) {
    await server.stop();
    throw new Error(`no "chat irc on …" line in ${JSON.stringify(server.stdout)}`);
  }
  const http = server.stdout.map((l) => /^chat web on (https?:\/\/[^ ]+)$/.exec(l)).find((m) => m);
  return Object.assign(server, { ircPort: Number(irc[1]), http: http?.[1] });
}

/** Runs `fn` with a fresh IRC-enabled server and always stops it. */
export async function withIrcServer(
  args: string[],
  fn: (server: IrcServerProcess) => Promise<void>,
  options: StartOptions = {},
): Promise<void> {
  const server = await startIrcServer(args, options);
  try {
    await fn(server);
  } finally {
    await server.stop("SIGKILL");
  }
}

/** A scripted IRC client over a real socket: what irssi would send, line by line. */
export class IrcTestClient {
  readonly line: LineClient;
  nick = "";

  private constructor(line: LineClient) {
    this.line = line;
  }

  static async connect(port: number, from?: string): Promise<IrcTestClient> {
    return new IrcTestClient(await LineClient.connect(port, from));
  }

  static async connectTls(port: number, ca: string): Promise<IrcTestClient> {
    return new IrcTestClient(await LineClient.connectTls(port, ca));
  }

  /** Sends one IRC line (adds CRLF). */
  async send(line: string): Promise<void> {
    await this.line.sendRaw(line + "\r\n");
  }

  /** Sends bytes as they are. */
  async sendRaw(bytes: Uint8Array | string): Promise<void> {
    await this.line.sendRaw(bytes);
  }

  /** Skips lines until one matches `pattern` (a regex, or a string it contains); returns it. */
  async expect(
    pattern: RegExp | string | ((line: string) => boolean),
    timeoutMs = 5000,
  ): Promise<string> {
    const match = typeof pattern === "string"
      ? (l: string) => l.includes(pattern)
      : typeof pattern === "function"
      ? pattern
      : (l: string) => pattern.test(l);
    try {
      return await this.line.until(match, timeoutMs);
    } catch (err) {
      throw new Error(`waiting for ${pattern}: ${(err as Error).message}`);
    }
  }

  /** Collects every line until one matches `pattern` (included). */
  async collect(pattern: RegExp | string, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    await this.expect((l: string) => {
      out.push(l);
      return typeof pattern === "string" ? l.includes(pattern) : pattern.test(l);
    }, timeoutMs).catch((err) => {
      throw new Error(`${err.message}; got ${JSON.stringify(out)}`);
    });
    return out;
  }

  /** Lines until nothing more arrives for `quietMs`. */
  async drain(quietMs = 200): Promise<string[]> {
    const out: string[] = [];
    while (true) {
      try {
        out.push(await this.line.line(quietMs));
      } catch {
        return out;
      }
    }
  }

  /**
   * Registers as `nick` (with `caps` requested first, and `pass` as PASS)
   * and waits for the end of the MOTD.
   */
  async register(
    nick: string,
    options: { caps?: string[]; pass?: string } = {},
  ): Promise<string[]> {
    if (options.caps) await this.send("CAP LS 302");
    if (options.pass !== undefined) await this.send(`PASS ${options.pass}`);
    await this.send(`NICK ${nick}`);
    await this.send(`USER ${nick} 0 * :${nick} Test`);
    if (options.caps) {
      await this.send(`CAP REQ :${options.caps.join(" ")}`);
      await this.expect(/ CAP \S+ ACK /);
      await this.send("CAP END");
    }
    const lines = await this.collect(/ 376 /);
    this.nick = nick;
    return lines;
  }

  /** JOINs `#room` and waits for the end of its names (and any replay after it). */
  async join(room: string): Promise<string[]> {
    await this.send(`JOIN #${room}`);
    return await this.collect(new RegExp(` 366 \\S+ #${room} `, "i"));
  }

  async close(): Promise<void> {
    await this.line.close();
  }

  /** Waits until the server closes the connection. */
  async closed(timeoutMs = 5000): Promise<void> {
    await this.line.closed(timeoutMs);
  }
}

/** Connects and registers as `nick`. */
export async function ircJoin(
  port: number,
  nick: string,
  options: { caps?: string[]; pass?: string; rooms?: string[] } = {},
): Promise<IrcTestClient> {
  const c = await IrcTestClient.connect(port);
  await c.register(nick, options);
  for (const r of options.rooms ?? []) await c.join(r);
  return c;
}
