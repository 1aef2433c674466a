// The fuzzer's plain and JSON cases again, over TLS to a password-protected
// server, plus hostile bytes at the TLS layer itself (plain text, random
// records, truncated handshakes, resets mid-handshake). After each batch the
// server is alive, logged no error, lets a fresh client in with the
// password, and a bystander got every legitimate message exactly once, in
// order. A seed (printed) fixes every case. Run by tests/fuzz_tls_test.ts
// (CI) and scripts/fuzz.ts (`deno task fuzz`, for longer).
import assert from "node:assert/strict";
import fc from "fast-check";
import { bytes, type FuzzCase, plainCases } from "./fuzz_cases.ts";
import { jsonCases } from "./fuzz_json_cases.ts";
import { LineClient, startServer } from "./helpers.ts";
import { have } from "./line_process.ts";
import { type ByteConn, connectFrom } from "./node_conn.ts";
import { makeCerts } from "./tls_helpers.ts";

const PASSWORD = "fuzz the gate";
/** True when openssl is there to make the certificates. */
export const HAVE_OPENSSL = have("openssl", ["version"]);
/** The hostile clients' address; the well-behaved ones come from 127.0.0.1. */
const HOSTILE = "127.0.0.2";

/** Hostile bytes for the TLS layer: what a TLS server must survive before any line exists. */
function tlsLayerCases(): fc.Arbitrary<FuzzCase> {
  const record = fc.tuple(
    fc.constantFrom(0x14, 0x15, 0x16, 0x17, 0x18, 0x00, 0xff),
    fc.constantFrom([3, 1], [3, 3], [3, 4], [2, 0], [0xff, 0xff]),
    fc.integer({ min: 0, max: 0xffff }),
    fc.uint8Array({ maxLength: 300 }),
  ).map(([type, [a, b], len, body]) => bytes([type, a, b, len >> 8, len & 255], body));
  return fc.record({
    steps: fc.array(
      fc.oneof(
        record.map((b) => ({ op: "write" as const, bytes: b })),
        fc.uint8Array({ minLength: 1, maxLength: 500 }).map((b) => ({
          op: "write" as const,
          bytes: b,
        })),
        fc.constantFrom("bob\n", '{"type":"hello","name":"x"}\n', "GET / HTTP/1.1\r\n\r\n").map((
          t,
        ) => ({
          op: "write" as const,
          bytes: bytes(t),
        })),
        fc.integer({ min: 1, max: 40 }).map((ms) => ({ op: "pause" as const, ms })),
      ),
      { minLength: 1, maxLength: 5 },
    ),
    end: fc.constantFrom("close" as const, "rst" as const),
  }).map(({ steps, end }) => ({ kind: "tls.raw", prelude: "none" as const, steps, end }));
}

async function writeAll(conn: { write(b: Uint8Array): Promise<number> }, b: Uint8Array) {
  while (b.length > 0) b = b.subarray(await conn.write(b));
}

/** What a TLS fuzz run tried. */
export interface TlsFuzzFigures {
  seed: number;
  cases: number;
  /** Legitimate messages checked at the bystander. */
  legit: number;
}

/**
 * Fuzzes a fresh TLS, password-protected server for `seconds`; throws an
 * AssertionError naming the batch and the seed at the first violation.
 */
export async function runTlsFuzz(
  seconds: number,
  seed: number,
  log: (line: string) => void,
): Promise<TlsFuzzFigures> {
  log(`fuzz tls seed ${seed} (replay: deno task fuzz --only tls --seed=${seed})`);
  const certs = await makeCerts();
  const ca = await Deno.readTextFile(certs.ca);
  const server = await startServer(
    [
      "--tls-cert",
      certs.server.cert,
      "--tls-key",
      certs.server.key,
      "--rate-limit",
      "0",
      "--max-per-ip",
      "0",
      "--max-pending-per-ip",
      "0",
      "--handshake-timeout",
      "2",
    ],
    { env: { CHAT_PASSWORD: PASSWORD } },
  );
  const join = async (name: string) => {
    const c = await LineClient.connectTls(server.port, certs.ca);
    await c.line();
    await c.sendJson({ type: "hello", name, password: PASSWORD, reserve: false });
    const w = await c.json();
    assert.equal(w.type, "welcome", JSON.stringify(w));
    return c;
  };
  const bystander = await join("bystander");
  const sender = await join("sender");
  const arb = fc.oneof(
    { arbitrary: plainCases({ taken: ["bystander", "sender"] }), weight: 3 },
    { arbitrary: jsonCases({ taken: ["bystander", "sender"] }), weight: 3 },
    { arbitrary: tlsLayerCases(), weight: 2 },
  );
  const hello = (c: FuzzCase, n: number) =>
    c.kind.startsWith("json")
      ? bytes(
        JSON.stringify({ type: "hello", name: `f${n}`, password: PASSWORD, reserve: false }) +
          "\n",
      )
      : bytes(`f${n}\n${PASSWORD}\n`);
  let cases = 0;
  let legit = 0;
  let lastSeq = 0;
  try {
    const deadline = Date.now() + seconds * 1000;
    for (let batch = 0; Date.now() < deadline; batch++) {
      const sample = fc.sample(arb, { seed: seed + batch, numRuns: 16 });
      await Promise.all(sample.map(async (c, i) => {
        cases++;
        // From another address than the bystanders and probes: hostile
        // passwords slow down their own address (as they should), no other.
        let conn: ByteConn;
        try {
          conn = await connectFrom(HOSTILE, server.port, c.kind === "tls.raw" ? undefined : ca);
        } catch {
          return;
        }
        const drain = (async () => {
          const b = new Uint8Array(65536);
          try {
            while ((await conn.read(b)) !== null) { /* discard */ }
          } catch { /* closed */ }
        })();
        const watchdog = setTimeout(() => conn.close(), 6000);
        try {
          if (c.prelude === "join") await writeAll(conn, hello(c, batch * 100 + i));
          for (const s of c.steps) {
            if (s.op === "pause") await new Promise((r) => setTimeout(r, Math.min(s.ms, 200)));
            else await writeAll(conn, s.bytes);
          }
        } catch { /* the server closed it: fine */ }
        clearTimeout(watchdog);
        try {
          conn.close();
        } catch { /* already closed */ }
        await drain;
      }));
      // legitimate traffic during the storm's aftermath, and a fresh member
      const texts = [0, 1, 2].map((k) => `legit ${batch}.${k}`);
      for (const t of texts) await sender.sendJson({ type: "say", text: t });
      for (const t of texts) {
        // hostile clients may post valid messages too: they count for seq only
        let m: Record<string, unknown>;
        do {
          m = await bystander.event("message", 8000);
          assert.equal(m.seq, ++lastSeq, `batch ${batch}: a seq gap or repeat, seed ${seed}`);
        } while (m.from !== "sender");
        assert.equal(m.text, t, `batch ${batch}: seed ${seed}`);
        legit++;
      }
      const probe = await join(`probe${batch}`);
      await probe.sendJson({ type: "ping" });
      await probe.event("pong");
      await probe.close();
      assert.deepEqual(
        server.stderr.filter((l) => /ERROR|BUG|Uncaught/.test(l)),
        [],
        `batch ${batch}: seed ${seed}`,
      );
    }
    log(`fuzz tls: ${cases} cases, ${legit} legitimate messages checked, seed ${seed}`);
    // the hostile side did get through TLS to the password step (and was slowed there)
    assert.ok(server.stderr.some((l) => l.includes(`wrong password from ${HOSTILE}`)));
    return { seed, cases, legit };
  } finally {
    await bystander.close();
    await sender.close();
    await server.stop("SIGKILL");
    await certs.remove();
  }
}
