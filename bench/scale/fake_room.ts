/**
 * A fake chat room for testing crowd's accounting (bench/scale/selftest.sh):
 * the plain-mode subset crowd uses (banner, name, a welcome that lists
 * everyone, `* NAME joined the chat` / `left the chat`, `/who`, `NAME: text`
 * relayed to everyone else) with faults injected on purpose:
 *
 *   deno run --allow-net --allow-write bench/scale/fake_room.ts --port P \
 *     [--fault dropjoin|dupjoin|badwho|drop|dup] [--every N] [--stats FILE]
 *
 *   dropjoin  every Nth join announcement is not sent to its viewer -> views_missing
 *   dupjoin   every Nth one is sent twice                           -> presence_dups
 *   badwho    every /who answer leaves the last name out            -> who_ok below who_asked
 *   drop      every Nth delivery of a benchmark text is not sent    -> lost
 *   dup       every Nth one is sent twice                           -> duplicated
 *
 * On SIGTERM it writes {"fault":…,"injected":K} to --stats and exits. Not a
 * chat server: one room, no history, no checks, no limits.
 */

const args = Deno.args;
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const port = Number(opt("port", "0"));
const fault = opt("fault", "none");
const every = Math.max(1, Number(opt("every", "97")));
const statsFile = opt("stats", "");

interface Client {
  conn: Deno.Conn;
  name: string | null;
  out: string[];
  writing: boolean;
}

const members: Client[] = [];
const enc = new TextEncoder();
let injected = 0;
let joins = 0;
let deliveries = 0;

function send(c: Client, text: string): void {
  c.out.push(text);
  if (!c.writing) void drain(c);
}

/** One writer per client: whatever was queued meanwhile goes in one write. */
async function drain(c: Client): Promise<void> {
  c.writing = true;
  try {
    while (c.out.length > 0) {
      const bytes = enc.encode(c.out.join(""));
      c.out = [];
      let off = 0;
      while (off < bytes.length) off += await c.conn.write(bytes.subarray(off));
    }
  } catch {
    // the client went away; its reader sees the close
  }
  c.writing = false;
}

/** Tells everyone else that `who` joined, with the joins' faults. */
function announceJoin(who: Client): void {
  for (const m of members) {
    if (m === who) continue;
    const line = `* ${who.name} joined the chat\n`;
    const hit = ++joins % every === 0;
    if (hit && fault === "dropjoin") {
      injected++;
      continue;
    }
    send(m, line);
    if (hit && fault === "dupjoin") {
      injected++;
      send(m, line);
    }
  }
}

function relay(from: Client, text: string): void {
  for (const m of members) {
    if (m === from) continue;
    const line = `${from.name}: ${text}\n`;
    const hit = text.startsWith("bm ") && ++deliveries % every === 0;
    if (hit && fault === "drop") {
      injected++;
      continue;
    }
    send(m, line);
    if (hit && fault === "dup") {
      injected++;
      send(m, line);
    }
  }
}

function onLine(c: Client, line: string): void {
  if (c.name === null) {
    c.name = line.trim();
    members.push(c);
    const names = members.map((m) => m.name).join(", ");
    send(c, `* Welcome, ${c.name}! ${members.length} online: ${names}. Type /help for commands.\n`);
    announceJoin(c);
    return;
  }
  if (line === "/who") {
    let names = members.map((m) => m.name!);
    if (fault === "badwho") {
      injected++;
      names = names.slice(0, -1);
    }
    send(c, `* ${members.length} online: ${names.join(", ")}\n`);
    return;
  }
  if (line !== "") relay(c, line);
}

async function serve(conn: Deno.Conn): Promise<void> {
  const c: Client = { conn, name: null, out: [], writing: false };
  send(c, "* fake room for crowd's selftest: your name?\n");
  const dec = new TextDecoder();
  const buf = new Uint8Array(65536);
  let carry = "";
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      carry += dec.decode(buf.subarray(0, n), { stream: true });
      const lines = carry.split("\n");
      carry = lines.pop()!;
      for (const l of lines) onLine(c, l.replace(/\r$/, ""));
    }
  } catch {
    // reset by the client at its end
  }
  const i = members.indexOf(c);
  if (i >= 0) {
    members.splice(i, 1);
    for (const m of members) send(m, `* ${c.name} left the chat\n`);
  }
  try {
    conn.close();
  } catch {
    // already closed by a failed write
  }
}

const listener = Deno.listen({ hostname: "127.0.0.1", port });
Deno.addSignalListener("SIGTERM", () => {
  if (statsFile) Deno.writeTextFileSync(statsFile, JSON.stringify({ fault, injected }) + "\n");
  Deno.exit(0);
});
for await (const conn of listener) void serve(conn);
