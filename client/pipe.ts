import type { ClientEvent } from "../protocol/events.ts";
import { LineSplitter, TOO_LONG } from "../protocol/line_splitter.ts";
import { removal, removalText } from "../protocol/op_tracker.ts";
import { ResendQueue } from "../protocol/resend_queue.ts";
import { sanitize } from "../protocol/sanitize.ts";
import type { JoinConfig } from "./args.ts";
import {
  AuthRefused,
  backoffDelays,
  ConnectError,
  connectHint,
  Link,
  NameRefused,
  parseServerLine,
} from "./connection.ts";
import { formatAddress } from "./hosts.ts";
import type { JoinSecrets } from "./secrets.ts";
import { fitCells } from "./width.ts";

const encoder = new TextEncoder();
// Far above the server's default --max-line: the server decides, this only bounds memory.
const MAX_INPUT_LINE = 1 << 20;
/** With several hosts: how long a lost connection is retried (rounds of them all) before exit 1. */
const FAILOVER_MS = 120_000;

/** Writes all of `text` to `file`. */
export function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let b = encoder.encode(text);
  while (b.length > 0) b = b.subarray(file.writeSync(b));
}

/** Says "chat join: MESSAGE" on stderr; returns exit code 1. */
export function fail(message: string): number {
  console.error(`chat join: ${message}`);
  return 1;
}

/**
 * One attempt at one server: joined, or why not. `next`: another server
 * may do better (unreachable, full, gone mid-handshake); `name`: the name was
 * refused (on a failover our old connection may still hold it); `final`:
 * no server would do better (a wrong password, a refused room).
 */
export type Attempt =
  | { ok: true; link: Link }
  | { ok: false; why: "next" | "name" | "final"; message: string; hint: string };

/** Connects to `config.hosts[index]` and joins (a pipe's hello: no name asked for). */
export async function attempt(
  config: JoinConfig,
  secrets: JoinSecrets,
  index: number,
): Promise<Attempt> {
  const { host, port } = config.hosts[index];
  const where = formatAddress(config.hosts[index]);
  let link: Link;
  try {
    link = await Link.open(host, port, { tls: secrets.tls });
  } catch (err) {
    if (!(err instanceof ConnectError)) throw err;
    const message = `cannot connect to ${where}: ${err.message}`;
    return { ok: false, why: "next", message, hint: connectHint(err) };
  }
  try {
    const hello: Extract<ClientEvent, { type: "hello" }> = { type: "hello", name: config.name };
    if (secrets.password !== undefined) hello.password = secrets.password;
    if (config.rooms.length > 0) hello.rooms = [...config.rooms];
    // A script on a throwaway machine would lose the key: it reserves its name
    // only with --key-file; the key of a name already reserved is sent all the same.
    if (config.keyFile === null) hello.reserve = false;
    const key = secrets.keys.get(config.hosts[index], config.name);
    if (key !== undefined) hello.key = key;
    const welcome = await link.handshake(hello, () => Promise.resolve(null));
    if (config.json) writeAll(Deno.stdout, JSON.stringify(welcome) + "\n");
    if (welcome.key !== undefined) {
      const failed = await secrets.keys.put(config.hosts[index], welcome.name, welcome.key);
      if (failed) {
        console.error(
          `chat join: note: the name ${welcome.name} is reserved, but its key could not be kept (${failed}); the key is ${welcome.key}`,
        );
      }
    }
    return { ok: true, link };
  } catch (err) {
    link.close();
    if (err instanceof NameRefused) {
      return {
        ok: false,
        why: "name",
        message: `cannot join as ${config.name}: ${err.message}`,
        hint: "",
      };
    }
    if (err instanceof AuthRefused) {
      const message = err.sent
        ? `cannot join ${where}: the server refused the password (${err.message})`
        : `cannot join ${where}: the room needs a password: pass --password-file FILE or set CHAT_PASSWORD`;
      return { ok: false, why: "final", message, hint: "" };
    }
    if (err instanceof ConnectError) {
      const message = `cannot join ${where}: ${err.message}`;
      return { ok: false, why: err.transient ? "next" : "final", message, hint: "" };
    }
    throw err;
  }
}

/**
 * Scripting mode: stdin is not a terminal. Every stdin line is sent as a
 * message (with a message id); returns 0 once the server has acknowledged
 * them all, 1 when a line was refused or given up on, or the connection is
 * lost for good first. Prints nothing but errors and notes (on stderr), or
 * with --json every event received (on stdout).
 *
 * Several `--host` servers: the first that answers is used (a note for each
 * that does not); a lost connection moves to the next one, round robin, for
 * up to 2 minutes, and what was not acked is sent again with its id. With
 * one server a lost connection ends it (exit 1), as a script expects.
 */
export async function runPipe(config: JoinConfig, secrets: JoinSecrets): Promise<number> {
  const hosts = config.hosts;
  const whereOf = (i: number) => formatAddress(hosts[i]);
  // The first connection: the first server that answers.
  let at = 0;
  let current: Link;
  while (true) {
    const got = await attempt(config, secrets, at);
    if (got.ok) {
      current = got.link;
      break;
    }
    if (got.why !== "next" || at === hosts.length - 1) return fail(got.message + got.hint);
    console.error(`chat join: ${got.message}; trying ${whereOf(++at)}`);
  }
  // The link that is joined and caught up; null while reconnecting.
  let link: Link | null = current;
  // Pings find a server that vanished without closing; their pongs are not news.
  current.keepAlive();
  const outbox = new ResendQueue({
    send: (events) => {
      if (link === null || link.closed) return false;
      link.send(...events);
      return true;
    },
  });
  // With --room, every line goes to the first one named.
  const room = config.rooms[0];
  let sent = 0;
  let acked = 0;
  let refused = 0;
  /** An operator kicked or banned us: the lost connection is not failed over. */
  let removed = false;
  let inputDone = false;
  const finished = Promise.withResolvers<void>();
  const checkDone = () => {
    if (inputDone && outbox.size === 0) finished.resolve();
  };
  // Resolved with each new link, so that reading stdin waits while there is none.
  let linked = Promise.withResolvers<Link | null>();
  linked.resolve(link);

  const receive = async (l: Link): Promise<void> => {
    while (true) {
      const lines = await l.read();
      if (lines === null) return;
      let out = "";
      for (const raw of lines) {
        const e = parseServerLine(raw);
        if (e === null || e.type === "pong") continue;
        if (config.json) out += raw + "\n";
        if (e.type === "ack") {
          if (outbox.settle(e.ref)) acked++;
        } else if (e.type === "error" && e.code !== "rate_limited") {
          // The storage is away for a moment: the same message goes again later, quietly.
          const retry = e.code === "server_error" ? outbox.failed(e.ref) : undefined;
          if (retry?.kind === "retry") continue;
          if (retry?.kind === "gave-up") {
            refused++;
            console.error(
              `chat join: gave up after 2 minutes, the server could not store it: ${
                fitCells(retry.event.text, 60)
              }`,
            );
            continue;
          }
          // line_too_long carries no ref: answers come in order, so it is the oldest.
          const m = e.ref !== undefined ? outbox.settle(e.ref) : outbox.settleOldest();
          if (m) {
            refused++;
            console.error(`chat join: not sent: ${e.message} (${e.code}): ${fitCells(m.text, 60)}`);
          } else console.error(`chat join: ${e.message} (${e.code})`);
        } else if (e.type === "shutdown" && !config.json) {
          console.error(`chat join: server: ${e.message}`);
        } else if (e.type === "moderation" && removal(e, config.name) && !removed) {
          removed = true;
          console.error(`chat join: ${sanitize(removalText(e))}`);
        }
      }
      if (out) writeAll(Deno.stdout, out);
      checkDone();
    }
  };

  const sending = (async () => {
    const splitter = new LineSplitter(MAX_INPUT_LINE);
    const reader = Deno.stdin.readable.getReader();
    try {
      while (true) {
        // Not connected: stdin waits, so memory stays bounded.
        if ((await linked.promise) === null) return;
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
        // No link right now: they are in the outbox and go after the reconnect.
        const l: Link | null = link;
        const now = events.filter((e) => !outbox.held(e.ref));
        if (l !== null && !l.closed && now.length > 0) await l.send(...now);
        if (done) break;
      }
    } finally {
      reader.releaseLock();
    }
    inputDone = true;
    checkDone();
  })();
  sending.catch(() => {});

  const lostMessage = (where: string) =>
    `lost the connection to ${where} before all lines were acknowledged ` +
    `(${acked} of ${inputDone ? sent : `at least ${sent}`} acked); ` +
    "check the server and send the rest again";
  const done = finished.promise.then(() => "done" as const);

  while (true) {
    const receiving = receive(current);
    const result = await Promise.race([done, receiving.then(() => "lost" as const)]);
    if (result === "done") {
      await current.send({ type: "bye" });
      // Let the server close first, so the bye is read; bounded.
      const t = setTimeout(() => current.close(), 2000);
      await receiving;
      clearTimeout(t);
      current.close();
      outbox.clear();
      return refused > 0 ? fail(`${refused} line(s) were not sent`) : 0;
    }
    current.close();
    link = null;
    linked = Promise.withResolvers<Link | null>();
    const lostFrom = whereOf(at);
    if (hosts.length < 2 || removed) {
      outbox.clear();
      linked.resolve(null);
      return fail(lostMessage(lostFrom));
    }
    const next = await failover(lostFrom);
    if (next === null) {
      outbox.clear();
      linked.resolve(null);
      return fail(lostMessage(lostFrom));
    }
    // Everything not acked goes again, in order, with its id: the server stores each once.
    current = next;
    link = current;
    current.keepAlive();
    const resend = outbox.resendAll();
    if (resend.length > 0) current.send(...resend);
    linked.resolve(current);
    checkDone();
  }

  /** Tries the other servers in turn, then rounds of all with backoff, for up to 2 minutes. */
  async function failover(lostFrom: string): Promise<Link | null> {
    const deadline = Date.now() + FAILOVER_MS;
    const delays = backoffDelays();
    const after = (i: number) => whereOf((i + 1) % hosts.length);
    console.error(`chat join: lost the connection to ${lostFrom}; trying ${after(at)}`);
    while (Date.now() < deadline) {
      for (let k = 0; k < hosts.length; k++) {
        at = (at + 1) % hosts.length;
        const got = await attempt(config, secrets, at);
        if (got.ok) return got.link;
        if (got.why === "final") {
          console.error(`chat join: ${got.message}`);
          return null;
        }
        if (k < hosts.length - 1) {
          console.error(`chat join: ${got.message}; trying ${after(at)}`);
          continue;
        }
        const ms = delays.next().value;
        if (Date.now() + ms >= deadline) {
          console.error(`chat join: ${got.message}`);
          return null;
        }
        console.error(
          `chat join: ${got.message}; trying ${after(at)} in ${(ms / 1000).toFixed(1)} s`,
        );
        await new Promise((r) => setTimeout(r, ms));
      }
    }
    return null;
  }
}
