/**
 * Where the fuzzer sends its cases: plain and JSON mode over TCP, WebSocket
 * frames and raw HTTP on the web port. A target knows how to connect, how to
 * ready a connection for its mode and how to join; adding a transport (TLS)
 * is one more entry.
 */
import type fc from "fast-check";
import { bytes, type FuzzCase, plainCases } from "./fuzz_cases.ts";
import { jsonCases } from "./fuzz_json_cases.ts";
import { httpCases, wsCases, wsJoin, wsText, wsUpgrade } from "./fuzz_web_cases.ts";

/**
 * Somewhere hostile bytes can be sent. Another transport is one more entry:
 * a TLS target is the plain one with `connect: () => Deno.connectTls(…)`.
 */
export interface Target {
  readonly name: string;
  /** Its share of the cases of a batch. */
  readonly weight: number;
  connect(): Promise<Deno.Conn>;
  /** Readies a fresh connection for its mode (the WebSocket upgrade); absent: nothing to do. */
  open?(conn: Deno.Conn): Promise<void>;
  /** The bytes that join as `name` (a password step would go here). */
  join(name: string): Uint8Array;
  /** How it sends lines of the sweep (fuzz_json_cases.ts); absent: it takes none. */
  readonly sweep?: { mode: "plain" | "json"; encode(lines: string[]): Uint8Array };
  readonly cases: fc.Arbitrary<FuzzCase>;
}

/** Options of {@linkcode standardTargets}. */
export interface TargetOptions {
  tcpPort: number;
  /** Absent: no WebSocket or HTTP target. */
  webPort?: number;
  /** @default 4096 */
  maxLine?: number;
  /** Names of the well-behaved members, for name_taken and DMs. @default [] */
  taken?: readonly string[];
}

const lineSweep = (lines: string[]) => bytes(...lines.map((l) => l + "\n"));

/** Plain and JSON mode over TCP, and (with a web port) WebSocket frames and raw HTTP. */
export function standardTargets(o: TargetOptions): Target[] {
  const tcp = () => Deno.connect({ hostname: "127.0.0.1", port: o.tcpPort });
  const targets: Target[] = [
    {
      name: "plain",
      weight: 3,
      connect: tcp,
      join: (name) => bytes(name + "\n"),
      sweep: { mode: "plain", encode: lineSweep },
      cases: plainCases(o),
    },
    {
      name: "json",
      weight: 3,
      connect: tcp,
      join: (name) => bytes(JSON.stringify({ type: "hello", name, reserve: false }) + "\n"),
      sweep: { mode: "json", encode: lineSweep },
      cases: jsonCases(o),
    },
  ];
  if (o.webPort === undefined) return targets;
  const web = () => Deno.connect({ hostname: "127.0.0.1", port: o.webPort! });
  targets.push(
    {
      name: "ws",
      weight: 3,
      connect: web,
      open: upgrade,
      join: wsJoin,
      sweep: { mode: "json", encode: wsText },
      cases: wsCases(o),
    },
    { name: "http", weight: 2, connect: web, join: () => new Uint8Array(0), cases: httpCases() },
  );
  return targets;
}

export async function writeAll(conn: Deno.Conn, b: Uint8Array): Promise<void> {
  while (b.length > 0) b = b.subarray(await conn.write(b));
}

export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** Sends the upgrade and reads up to the end of the answer's head (at most 16 reads). */
async function upgrade(conn: Deno.Conn): Promise<void> {
  await writeAll(conn, wsUpgrade());
  const buf = new Uint8Array(4096);
  let head = "";
  for (let i = 0; i < 16 && !head.includes("\r\n\r\n"); i++) {
    const n = await conn.read(buf);
    if (n === null) return;
    head += String.fromCharCode(...buf.subarray(0, n));
  }
}
