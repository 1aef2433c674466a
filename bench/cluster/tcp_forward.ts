/**
 * A second port for one server, for roomload's selftest of `--ports`: every
 * connection to 127.0.0.1:PORT is piped to 127.0.0.1:TO, and the count of
 * connections it took is written to --stats on SIGTERM. So clients spread
 * over two ports still meet in one server's rooms (two fake relays would not
 * share rooms), and the count shows the spreading.
 *
 *   deno run --allow-net --allow-write bench/cluster/tcp_forward.ts --port P --to Q --stats FILE
 */

const args = Deno.args;
const opt = (name: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : "";
};
const port = Number(opt("port"));
const to = Number(opt("to"));
const statsFile = opt("stats");
if (!(port > 0) || !(to > 0)) {
  console.error("usage: tcp_forward.ts --port P --to Q [--stats FILE]");
  Deno.exit(2);
}

let connections = 0;
const listener = Deno.listen({ hostname: "127.0.0.1", port });
Deno.addSignalListener("SIGTERM", () => {
  if (statsFile) Deno.writeTextFileSync(statsFile, JSON.stringify({ connections }) + "\n");
  Deno.exit(0);
});

async function pipe(from: Deno.Conn): Promise<void> {
  let up: Deno.Conn;
  try {
    up = await Deno.connect({ hostname: "127.0.0.1", port: to });
  } catch {
    from.close();
    return;
  }
  // either side's end closes both
  await Promise.race([
    from.readable.pipeTo(up.writable).catch(() => {}),
    up.readable.pipeTo(from.writable).catch(() => {}),
  ]);
  for (const c of [from, up]) {
    try {
      c.close();
    } catch {
      // already closed by its pipe
    }
  }
}

for await (const conn of listener) {
  connections++;
  void pipe(conn);
}
