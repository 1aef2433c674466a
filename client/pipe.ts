import type { ClientEvent } from "../protocol/events.ts";
import { LineSplitter, TOO_LONG } from "../protocol/line_splitter.ts";
import type { JoinConfig } from "./args.ts";
import {
  AuthRefused,
  ConnectError,
  connectHint,
  Link,
  NameRefused,
  parseServerLine,
} from "./connection.ts";
import type { JoinSecrets } from "./secrets.ts";
import { Outbox } from "./outbox.ts";

const encoder = new TextEncoder();
// Far above the server's default --max-line: the server decides, this only bounds memory.
const MAX_INPUT_LINE = 1 << 20;

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let b = encoder.encode(text);
  while (b.length > 0) b = b.subarray(file.writeSync(b));
}

function fail(message: string): number {
  console.error(`chat join: ${message}`);
  return 1;
}

/**
 * Scripting mode: stdin is not a terminal. Every stdin line is sent as a
 * message; returns 0 once the server has acknowledged them all, 1 when the
 * connection is lost first or a line was refused. Prints nothing but errors
 * (on stderr), or with --json every event received (on stdout).
 */
export async function runPipe(config: JoinConfig, secrets: JoinSecrets): Promise<number> {
  const where = `${config.host}:${config.port}`;
  let link: Link;
  try {
    link = await Link.open(config.host, config.port, { tls: secrets.tls });
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    return fail(`cannot connect to ${where}: ${err.message}${connectHint(err)}`);
  }
  try {
    const hello: Extract<ClientEvent, { type: "hello" }> = { type: "hello", name: config.name };
    if (secrets.password !== undefined) hello.password = secrets.password;
    if (config.rooms.length > 0) hello.rooms = [...config.rooms];
    const welcome = await link.handshake(hello, () => Promise.resolve(null));
    if (config.json) writeAll(Deno.stdout, JSON.stringify(welcome) + "\n");
  } catch (err) {
    link.close();
    if (err instanceof NameRefused) return fail(`cannot join as ${config.name}: ${err.message}`);
    if (err instanceof AuthRefused) {
      return fail(
        err.sent
          ? `cannot join ${where}: the server refused the password (${err.message})`
          : `cannot join ${where}: the room needs a password: pass --password-file FILE or set CHAT_PASSWORD`,
      );
    }
    if (err instanceof ConnectError) return fail(`cannot join ${where}: ${err.message}`);
    throw err;
  }

  // Pings find a server that vanished without closing; their pongs are not news.
  link.keepAlive();
  const outbox = new Outbox();
  // With --room, every line goes to the first one named.
  const room = config.rooms[0];
  let sent = 0;
  let acked = 0;
  let refused = 0;
  let inputDone = false;
  const finished = Promise.withResolvers<void>();
  const checkDone = () => {
    if (inputDone && outbox.size === 0) finished.resolve();
  };

  const receiving = (async () => {
    while (true) {
      const lines = await link.read();
      if (lines === null) return;
      let out = "";
      for (const raw of lines) {
        const e = parseServerLine(raw);
        if (e === null || e.type === "pong") continue;
        if (config.json) out += raw + "\n";
        if (e.type === "ack") {
          if (outbox.settle(e.ref)) acked++;
        } else if (e.type === "error" && e.code !== "rate_limited") {
          // line_too_long carries no ref: answers come in order, so it is the oldest.
          const m = e.ref !== undefined ? outbox.settle(e.ref) : outbox.settleOldest();
          if (m) {
            refused++;
            console.error(`chat join: not sent: ${e.message} (${e.code}): ${m.text.slice(0, 60)}`);
          } else console.error(`chat join: ${e.message} (${e.code})`);
        } else if (e.type === "shutdown" && !config.json) {
          console.error(`chat join: server: ${e.message}`);
        }
      }
      if (out) writeAll(Deno.stdout, out);
      checkDone();
    }
  })();

  const sending = (async () => {
    const splitter = new LineSplitter(MAX_INPUT_LINE);
    const reader = Deno.stdin.readable.getReader();
    try {
      while (!link.closed) {
        const { value, done } = await reader.read();
        const lines = done
          ? (splitter.pendingBytes > 0 ? splitter.push(encoder.encode("\n")) : [])
          : splitter.push(value);
        const events = [];
        for (const l of lines) {
          if (l === TOO_LONG) {
            refused++;
            console.error(`chat join: not sent: a line longer than ${MAX_INPUT_LINE} bytes`);
          } else if (l.trim() !== "") {
            events.push(
              outbox.add(
                room === undefined ? { type: "say", text: l } : { type: "say", text: l, room },
              ),
            );
          }
        }
        sent += events.length;
        // Awaiting the write is the back-pressure: a paced server slows our reading of stdin.
        await link.send(...events);
        if (done) break;
      }
    } finally {
      reader.releaseLock();
    }
    inputDone = true;
    checkDone();
  })();

  const lost = receiving.then(() => "lost" as const);
  const result = await Promise.race([finished.promise.then(() => "done" as const), lost]);
  if (result === "done") {
    await link.send({ type: "bye" });
    // Let the server close first, so the bye is read; bounded.
    const t = setTimeout(() => link.close(), 2000);
    await receiving;
    clearTimeout(t);
    link.close();
    sending.catch(() => {});
    return refused > 0 ? fail(`${refused} line(s) were not sent`) : 0;
  }
  link.close();
  sending.catch(() => {});
  return fail(
    `lost the connection to ${where} before all lines were acknowledged ` +
      `(${acked} of ${inputDone ? sent : `at least ${sent}`} acked); ` +
      "check the server and send the rest again",
  );
}
