/**
 * A fake chat server for testing roomload's accounting: the plain-mode rooms
 * subset roomload uses (banner, name, welcome, `/join ROOM`, `/part ROOM`,
 * `[#room] ` prefixes for rooms other than the current one), relaying each
 * line to the other members of the sender's current room, with faults
 * injected on purpose into every Nth delivery of a benchmark message:
 *
 *   deno run --allow-net --allow-write bench/rooms/fake_relay.ts --port P \
 *     [--fault drop|dup|swap|corrupt|mistag|stray] [--every N] [--stats FILE]
 *
 *   drop     the delivery is not sent                       -> lost
 *   dup      it is sent twice                               -> duplicated
 *   swap     it is held back and sent after the next line to the same
 *            receiver, when that line comes from the same sender -> reordered
 *   corrupt  one padding byte is changed                    -> corrupt_lines (and lost)
 *   mistag   it carries the wrong room's prefix             -> misrouted (and lost)
 *   stray    it is also sent to a client outside the room   -> misrouted
 *
 * On SIGTERM it writes {"fault":…,"injected":K,"deliveries":D} to --stats and
 * exits. Not a chat server: no history, no checks, no limits.
 */

const args = Deno.args;
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const port = Number(opt("port", "0"));
const fault = opt("fault", "none");
const every = Math.max(1, Number(opt("every", "97")));
const statsFile = opt("stats", "");
const DEFAULT = "lobby";

interface Client {
  conn: Deno.Conn;
  name: string | null;
  rooms: Set<string>;
  current: string;
  out: string[];
  writing: boolean;
  held: { line: string; sender: string } | null;
}

const clients = new Set<Client>();
const rooms = new Map<string, Set<Client>>([[DEFAULT, new Set()]]);
const enc = new TextEncoder();
let injected = 0;
let deliveries = 0;

function room(name: string): Set<Client> {
  let r = rooms.get(name);
  if (!r) rooms.set(name, r = new Set());
  return r;
}

function send(c: Client, line: string): void {
  c.out.push(line + "\n");
  if (!c.writing) void drain(c);
}

async function drain(c: Client): Promise<void> {
  c.writing = true;
  try {
    while (c.out.length) {
      const buf = enc.encode(c.out.join(""));
      c.out = [];
      let off = 0;
      while (off < buf.length) off += await c.conn.write(buf.subarray(off));
    }
  } catch {
    // the client went away
  }
  c.writing = false;
}

/** One relayed line to one receiver, with the fault applied when it is due. */
function deliver(
  to: Client,
  roomName: string,
  from: string,
  text: string,
  members: Set<Client>,
): void {
  const tag = (r: string, c: Client) => c.current === r ? "" : `[#${r}] `;
  const line = `${tag(roomName, to)}${from}: ${text}`;
  const bench = text.startsWith("bm ");
  const sender = bench ? text.split(" ")[1] : "";
  if (bench) deliveries++;
  const due = bench && deliveries % every === 0;
  // a held line goes out after this one when this one is from the same sender
  if (to.held) {
    const h = to.held;
    if (h.sender === sender) {
      to.held = null;
      send(to, line);
      send(to, h.line);
      injected++;
      return;
    }
    to.held = null;
    send(to, h.line);
  }
  if (!due) return send(to, line);
  switch (fault) {
    case "drop":
      injected++;
      return;
    case "dup":
      injected++;
      send(to, line);
      return send(to, line);
    case "swap":
      to.held = { line, sender };
      return;
    case "corrupt": {
      const i = line.lastIndexOf("x");
      if (i < 0) return send(to, line);
      injected++;
      return send(to, line.slice(0, i) + "y" + line.slice(i + 1));
    }
    case "mistag": {
      const other = [...to.rooms].find((r) => r !== roomName) ?? `${roomName}zz`;
      injected++;
      return send(to, `[#${other}] ${from}: ${text}`);
    }
    case "stray": {
      send(to, line);
      const outsider = [...clients].find((c) => c.name && !members.has(c) && c.name !== from);
      if (!outsider) return;
      injected++;
      return send(outsider, `${tag(roomName, outsider)}${from}: ${text}`);
    }
    default:
      return send(to, line);
  }
}

function onLine(c: Client, line: string): void {
  if (c.name === null) {
    c.name = line.trim();
    room(DEFAULT).add(c);
    c.rooms.add(DEFAULT);
    const n = room(DEFAULT).size;
    send(
      c,
      `* Welcome, ${c.name}! ${n} online: ${[...room(DEFAULT)].map((m) => m.name).join(", ")}.`,
    );
    return;
  }
  if (line.startsWith("/join ")) {
    const name = line.slice(6).trim().replace(/^#/, "");
    const r = room(name);
    for (const m of r) {
      if (m !== c) {
        send(m, `${m.current === name ? "" : `[#${name}] `}* ${c.name} joined the chat`);
      }
    }
    r.add(c);
    c.rooms.add(name);
    c.current = name;
    send(c, `* Now in #${name}: ${r.size} online: ${[...r].map((m) => m.name).join(", ")}.`);
    return;
  }
  if (line.startsWith("/part ")) {
    const name = line.slice(6).trim().replace(/^#/, "");
    room(name).delete(c);
    c.rooms.delete(name);
    if (c.current === name) c.current = [...c.rooms][0] ?? DEFAULT;
    send(c, `* You left #${name}`);
    send(c, `* Now talking in #${c.current}.`);
    return;
  }
  if (line.startsWith("/")) return send(c, `! unknown_command: ${line}`);
  const members = room(c.current);
  for (const m of members) if (m !== c) deliver(m, c.current, c.name, line, members);
}

async function serve(conn: Deno.Conn): Promise<void> {
  const c: Client = {
    conn,
    name: null,
    rooms: new Set(),
    current: DEFAULT,
    out: [],
    writing: false,
    held: null,
  };
  clients.add(c);
  send(c, "* Welcome to fake relay! Enter your name:");
  const dec = new TextDecoder();
  const buf = new Uint8Array(65536);
  let carry = "";
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      carry += dec.decode(buf.subarray(0, n), { stream: true });
      let i;
      while ((i = carry.indexOf("\n")) >= 0) {
        onLine(c, carry.slice(0, i).replace(/\r$/, ""));
        carry = carry.slice(i + 1);
      }
    }
  } catch {
    // reset
  }
  clients.delete(c);
  for (const r of rooms.values()) r.delete(c);
  try {
    conn.close();
  } catch {
    // closed
  }
}

// a held line that found no successor from its sender goes out as it is (not counted)
setInterval(() => {
  for (const c of clients) {
    if (c.held) {
      send(c, c.held.line);
      c.held = null;
    }
  }
}, 20);

Deno.addSignalListener("SIGTERM", () => {
  if (statsFile) {
    Deno.writeTextFileSync(
      statsFile,
      JSON.stringify({ fault, every, injected, deliveries }) + "\n",
    );
  }
  Deno.exit(0);
});

const listener = Deno.listen({ hostname: "127.0.0.1", port });
console.log(
  `fake relay on 127.0.0.1:${(listener.addr as Deno.NetAddr).port} fault=${fault} every=${every}`,
);
for await (const conn of listener) void serve(conn);
