/**
 * A client that joins a chat server and then never reads again: the "stalled
 * reader" of the benchmark. It sits beside a loadgen run; a good server drops
 * it (chat: leave reason `slow`) once its outbox is full, and nobody else
 * slows down.
 *
 *   deno run --allow-net bench/stall_client.ts --port P [--proto chat|raw|ncat|irc] [--hold S]
 *
 * Prints `ready` once joined (and from then on reads nothing). On SIGINT,
 * SIGTERM or after --hold seconds it drains what the server still has for it
 * (bounded in time) and prints one JSON line: whether the server had closed the
 * connection (`dropped`) and how many bytes were waiting.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    proto: { type: "string", default: "chat" },
    name: { type: "string", default: "staller" },
    hold: { type: "string", default: "120" },
  },
});
if (!values.port) {
  console.error("stall_client: --port is required");
  Deno.exit(2);
}
if (!/^127\./.test(values.host)) {
  console.error("stall_client: --host must be a loopback address");
  Deno.exit(2);
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const conn = await Deno.connect({ hostname: values.host, port: Number(values.port) });
const name = values.name;
let seen = "";

/** One read, or "t" when `deadline` (ms since the epoch) passes first. */
async function readBy(buf: Uint8Array, deadline: number): Promise<number | null | "t"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"t">((r) =>
    timer = setTimeout(() => r("t"), Math.max(1, deadline - Date.now()))
  );
  try {
    return await Promise.race([conn.read(buf), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads until `pattern` shows up in what was received, at most `ms`. */
async function readUntil(pattern: RegExp, ms: number): Promise<boolean> {
  const buf = new Uint8Array(4096);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pattern.test(seen)) return true;
    const n = await readBy(buf, deadline);
    if (n === "t" || n === null) break;
    seen += dec.decode(buf.subarray(0, n), { stream: true });
    if (seen.length > 1 << 20) seen = seen.slice(-65536);
  }
  return pattern.test(seen);
}

async function write(text: string): Promise<void> {
  const bytes = enc.encode(text);
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

let ok = true;
switch (values.proto) {
  case "chat":
    ok = await readUntil(/\n/, 5000);
    await write(`${name}\n`);
    ok = ok && await readUntil(/^\* Welcome/m, 10000);
    break;
  case "irc":
    await write(`NICK ${name}\r\nUSER ${name} 0 * :${name}\r\n`);
    ok = await readUntil(/ 001 /, 10000);
    await write("JOIN #bench\r\n");
    ok = ok && await readUntil(/ 366 /, 10000);
    break;
  case "raw":
    await write(`${name} enter the chat\n`);
    break;
  case "ncat":
    ok = await readUntil(/is connected as/, 5000);
    break;
  default:
    console.error(`stall_client: unknown --proto ${values.proto}`);
    Deno.exit(2);
}
if (!ok) {
  console.log(JSON.stringify({ ready: false, error: "did not join", seen: seen.slice(-300) }));
  Deno.exit(1);
}
console.log("ready");

// From here on: read nothing until told to stop.
const stop = Promise.withResolvers<void>();
for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => stop.resolve());
const holdTimer = setTimeout(() => stop.resolve(), Number(values.hold) * 1000);
await stop.promise;
clearTimeout(holdTimer);

// Drain: a dropped connection ends in EOF (or a reset) after the bytes the
// kernel still held; an open one keeps delivering until the deadline.
const buf = new Uint8Array(1 << 16);
let drained = 0;
let dropped = false;
const deadline = Date.now() + 3000;
try {
  while (Date.now() < deadline) {
    const n = await readBy(buf, deadline);
    if (n === "t") break;
    if (n === null) {
      dropped = true;
      break;
    }
    drained += n;
  }
} catch {
  dropped = true; // reset by the server
}
try {
  conn.close();
} catch {
  // already closed
}
console.log(JSON.stringify({ ready: true, dropped, drained_bytes: drained }));
Deno.exit(0);
