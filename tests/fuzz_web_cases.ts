/**
 * The fuzzer's hostile inputs for the web port: WebSocket frames built by
 * hand (bad opcodes, lengths that lie, unmasked, oversized, fragmented, a
 * close mid-message) after a real upgrade, malformed upgrades, and raw
 * HTTP requests that no client library would send.
 */
import fc from "fast-check";
import {
  bytes,
  type CaseOptions,
  fill,
  type FuzzCase,
  INVALID_UTF8,
  nearLimit,
  stall,
  stream,
} from "./fuzz_cases.ts";
import { jsonLine } from "./fuzz_json_cases.ts";

const te = new TextEncoder();

/** One WebSocket frame, as a hostile client may write it. */
export interface WsFrame {
  /** @default true */
  fin?: boolean;
  /** The three reserved bits; no extension is negotiated, so any is an error. @default 0 */
  rsv?: number;
  opcode: number;
  payload: Uint8Array;
  /** Clients must mask; null sends the frame unmasked. @default [1, 2, 3, 4] */
  mask?: Uint8Array | null;
  /** The length the header claims, when it lies. @default payload.length */
  claim?: number | bigint;
  /** Forces the 16- or 64-bit length form (not minimal for short payloads). */
  form?: 16 | 64;
}

/** The bytes of `f`: header, mask key, (masked) payload. */
export function wsFrame(f: WsFrame): Uint8Array {
  const len = BigInt(f.claim ?? f.payload.length);
  const mask = f.mask === undefined ? Uint8Array.of(1, 2, 3, 4) : f.mask;
  const head = [(f.fin === false ? 0 : 0x80) | ((f.rsv ?? 0) & 7) << 4 | (f.opcode & 15)];
  const m = mask ? 0x80 : 0;
  const form = f.form ?? (len < 126n ? 7 : len < 65536n ? 16 : 64);
  if (form === 7) head.push(m | Number(len));
  else if (form === 16) head.push(m | 126, Number((len >> 8n) & 255n), Number(len & 255n));
  else {
    head.push(m | 127);
    for (let i = 7n; i >= 0n; i--) head.push(Number((len >> (i * 8n)) & 255n));
  }
  const body = Uint8Array.from(f.payload, (b, i) => mask ? b ^ mask[i & 3] : b);
  return bytes(head, mask ?? [], body);
}

/** A client's upgrade request for /ws, with `extra` header lines. */
export function wsUpgrade(extra: string[] = []): Uint8Array {
  return bytes(
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
      extra.map((h) => h + "\r\n").join("") + "\r\n",
  );
}

/** Masked text frames, one per line: how a WebSocket client sends JSON mode. */
export function wsText(lines: string[]): Uint8Array {
  return bytes(...lines.map((l) => wsFrame({ opcode: 1, payload: te.encode(l) })));
}

const maskKey = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ minLength: 4, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constant(Uint8Array.of(0, 0, 0, 0)) },
);

function frames(one: fc.Arbitrary<WsFrame | WsFrame[]>, most = 4): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.tuple(one, maskKey), { minLength: 1, maxLength: most }).map((list) =>
    bytes(
      ...list.flatMap(([f, mask]) => [f].flat().map((x) => wsFrame({ mask, ...x }))),
    )
  );
}

/** A message cut into fragments, with the ways fragmenting goes wrong. */
function fragmented(payload: fc.Arbitrary<Uint8Array>): fc.Arbitrary<WsFrame[]> {
  return fc.record({
    payload,
    cuts: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    ping: fc.boolean(),
    flaw: fc.constantFrom("none", "none", "no_start", "new_text", "close_mid", "no_end", "ctrl"),
  }).map(({ payload, cuts, ping, flaw }) => {
    const at = [...new Set(cuts.map((c) => c % (payload.length + 1)))].sort((a, b) => a - b);
    const parts = [0, ...at, payload.length].slice(1).map((end, i, ends) =>
      payload.subarray(i === 0 ? 0 : ends[i - 1], end)
    );
    const out: WsFrame[] = parts.map((p, i) => ({
      fin: i === parts.length - 1,
      opcode: i === 0 && flaw !== "no_start" ? 1 : 0,
      payload: p,
    }));
    if (ping && out.length > 1) out.splice(1, 0, { opcode: 9, payload: bytes("mid") });
    const mid = Math.max(1, out.length - 1);
    if (flaw === "new_text") out.splice(mid, 0, { opcode: 1, payload: bytes('{"type":"ping"}') });
    if (flaw === "close_mid") out.splice(mid, 0, { opcode: 8, payload: bytes([3, 232]) });
    if (flaw === "no_end") out[out.length - 1].fin = false;
    if (flaw === "ctrl") out.splice(mid, 0, { fin: false, opcode: 9, payload: bytes("x") });
    return out;
  });
}

const closePayload = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.constant(bytes([3])),
  fc.constantFrom(1000, 1001, 1005, 1006, 999, 1015, 3000, 4999, 5000, 65535).chain((code) =>
    fc.oneof(
      fc.constant(""),
      fc.string({ maxLength: 20 }),
      fc.constant(fill(123, "r")),
      fc.constant(fill(124, "r")),
    ).map((reason) => bytes([code >> 8, code & 255], reason))
  ),
  fc.constant(bytes([3, 232], INVALID_UTF8[0], INVALID_UTF8[5])),
);

/** Everything a WebSocket connection is sent. */
export function wsCases(o: CaseOptions = {}): fc.Arbitrary<FuzzCase> {
  const max = o.maxLine ?? 4096;
  const json = jsonLine(o).map((s) => te.encode(s));
  const big = fc.tuple(nearLimit(max), fc.constantFrom("x", "é", "\u{1F600}")).map(([n, u]) =>
    bytes('{"type":"say","text":"', fill(Math.max(0, n - 24), u), '"}')
  );
  const any = fc.oneof(json, fc.uint8Array({ maxLength: 200 }));
  const badUtf8 = fc.tuple(fc.constantFrom(...INVALID_UTF8), fc.nat(10)).map(([b, n]) =>
    bytes('{"type":"say","text":"', "a".repeat(n), b, '"}')
  );
  return fc.oneof(
    { weight: 4, arbitrary: stream("ws.text", "join", frames(json.map(text), 6)) },
    { weight: 1, arbitrary: stream("ws.binary", "join", frames(any.map(bin))) },
    {
      weight: 1,
      arbitrary: stream(
        "ws.opcode",
        "join",
        frames(fc.record({
          opcode: fc.constantFrom(3, 4, 5, 6, 7, 11, 12, 13, 14, 15),
          payload: fc.uint8Array({ maxLength: 40 }),
          fin: fc.boolean(),
        })),
      ),
    },
    {
      weight: 1,
      arbitrary: stream(
        "ws.unmasked",
        "join",
        frames(json.map((p) => ({ ...text(p), mask: null }))),
      ),
    },
    {
      weight: 1,
      arbitrary: stream(
        "ws.length",
        "join",
        frames(fc.record({
          opcode: fc.constantFrom(1, 2, 9),
          payload: any,
          claim: fc.oneof(
            fc.nat(300),
            fc.constantFrom<number | bigint>(65535, 65536, 2 ** 31, 2 ** 53 - 1, 2n ** 63n),
          ),
          form: fc.constantFrom<16 | 64 | undefined>(undefined, 16, 64),
        })),
      ),
    },
    { weight: 1, arbitrary: stream("ws.big", "join", frames(big.map(text), 2)) },
    {
      weight: 2,
      arbitrary: stream("ws.fragments", "join", frames(fragmented(fc.oneof(json, big)))),
    },
    {
      weight: 1,
      arbitrary: stream(
        "ws.close",
        "join",
        frames(fc.tuple(closePayload, json).map(([c, j]) => [{ opcode: 8, payload: c }, text(j)])),
      ),
    },
    {
      weight: 1,
      arbitrary: stream(
        "ws.control",
        "join",
        frames(fc.record({
          opcode: fc.constantFrom(9, 10),
          payload: fc.oneof(fc.uint8Array({ maxLength: 125 }), fc.uint8Array({ minLength: 126 })),
          fin: fc.boolean(),
        })),
      ),
    },
    { weight: 1, arbitrary: stream("ws.utf8", "join", frames(badUtf8.map(text))) },
    {
      weight: 1,
      arbitrary: stream(
        "ws.rsv",
        "join",
        frames(
          fc.tuple(json, fc.integer({ min: 1, max: 7 })).map(([p, rsv]) => ({
            ...text(p),
            rsv,
          })),
        ),
      ),
    },
    { weight: 1, arbitrary: stream("ws.random", "open", fc.uint8Array({ maxLength: 300 })) },
    { weight: 1, arbitrary: stream("ws.handshake", "none", badUpgrade) },
    {
      weight: 1,
      arbitrary: stall("ws.stall", "open", fc.constantFrom(new Uint8Array(0), bytes([0x81, 0xfe]))),
    },
  );
}

function text(payload: Uint8Array): WsFrame {
  return { opcode: 1, payload };
}

function bin(payload: Uint8Array): WsFrame {
  return { opcode: 2, payload };
}

const HEADERS = [
  "Host: 127.0.0.1",
  "Host:",
  "Host: exa mple",
  "Host: [::1",
  "Host: a\x01b",
  "Host: " + "h".repeat(5000),
  "Host: 127.0.0.1:99999",
  "Upgrade: websocket",
  "Upgrade: WebSocket, h2c",
  "Upgrade: h2c",
  "Connection: Upgrade",
  "Connection: keep-alive, upgrade",
  "Connection: close",
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
  "Sec-WebSocket-Key: not base64!",
  "Sec-WebSocket-Key:",
  "Sec-WebSocket-Version: 13",
  "Sec-WebSocket-Version: 8",
  "Sec-WebSocket-Version: abc",
  "Sec-WebSocket-Extensions: permessage-deflate",
  "Sec-WebSocket-Protocol: chat, \x7f",
  "Origin: http://evil.example",
  "Origin: null",
  "Origin: ::::",
  "Content-Length: 5",
  "Content-Length: -1",
  "Content-Length: abc",
  "Content-Length: 99999999999999999999",
  "Content-Length: 3\r\nContent-Length: 4",
  "Transfer-Encoding: chunked",
  "Transfer-Encoding: gzip, chunked",
  "X-Forwarded-For: 1.2.3.4, ::::, garbage",
  'Forwarded: for="[::1]";proto=https, for=unknown',
  "no colon here",
  " Leading: space",
  "Bad Name: x",
  "Folded: a\r\n b",
  "X-Big: " + "v".repeat(20_000),
];

// Mostly a valid request with one or two defects: a request wrong in every
// part is refused by the HTTP parser before it reaches any of our code.
const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("GET", "HEAD") },
  { weight: 1, arbitrary: fc.constantFrom("POST", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE") },
  { weight: 1, arbitrary: fc.constantFrom("get", "G ET", "", "GET\0", "\u00e9") },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/) },
);
const target = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("/", "/ws", "/healthz", "/metrics", "/favicon.ico") },
  { weight: 1, arbitrary: fc.constantFrom("*", "http://127.0.0.1/ws", "//ws", "/ws/", "/WS") },
  { weight: 1, arbitrary: fc.constantFrom("/ws?x=1#f", "/%00", "/%ZZ", "/..%2f..%2fetc/passwd") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("/\x00", "/ é", "", "/index.html", "/" + "a".repeat(9000)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => "/" + s) },
);
const version = fc.oneof(
  { weight: 6, arbitrary: fc.constant("HTTP/1.1") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/0.9", "", "HTTP/1.1x", "http/1.1"),
  },
);
const HOSTS = HEADERS.filter((h) => h.startsWith("Host:"));
const host = fc.oneof(
  { weight: 3, arbitrary: fc.constant(["Host: 127.0.0.1"]) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTS).map((h) => [h]) },
  { weight: 1, arbitrary: fc.subarray(HOSTS, { minLength: 2 }) },
  { weight: 1, arbitrary: fc.constant([]) },
);
const WS_HEADERS = HEADERS.filter((h) =>
  /^(Upgrade: websocket|Connection: Upgrade|Sec-.*(==|13))$/.test(h)
);

const request = fc.record({
  method,
  target,
  version,
  host,
  ws: fc.subarray(WS_HEADERS),
  headers: fc.array(
    fc.oneof(
      fc.constantFrom(...HEADERS.filter((h) => !h.startsWith("Host:"))),
      fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), fc.string({ maxLength: 30 }))
        .map(([k, v]) => `${k}: ${v}`),
    ),
    { maxLength: 3 },
  ),
  many: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(400) }),
  eol: fc.constantFrom("\r\n", "\r\n", "\n"),
  body: fc.oneof(
    { weight: 4, arbitrary: fc.constant(new Uint8Array(0)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("5\r\nhello\r\n0\r\n\r\n", "zz\r\nx\r\n", "ffffffffffffffff\r\n"),
    },
  ),
}).map((r) => {
  const head = [`${r.method} ${r.target} ${r.version}`, ...r.host, ...r.ws, ...r.headers];
  for (let i = 0; i < r.many; i++) head.push(`X-H${i}: ${i}`);
  return bytes(head.join(r.eol) + r.eol + r.eol, r.body);
});

/** Upgrade requests for /ws that are wrong in one way or several, then maybe a frame. */
const badUpgrade = fc.tuple(
  fc.subarray(WS_HEADERS),
  fc.array(fc.constantFrom(...HEADERS), { maxLength: 3 }),
  fc.option(fc.constant(wsText(['{"type":"hello","name":"nope"}']))),
).map(([ws, extra, frame]) =>
  bytes(
    ["GET /ws HTTP/1.1", "Host: 127.0.0.1", ...ws, ...extra].join("\r\n") + "\r\n\r\n",
    frame ?? [],
  )
);

const PREFACES: Uint8Array[] = [
  bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
  bytes([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), // a TLS ClientHello's start
  bytes("SSH-2.0-OpenSSH_9.6\r\n"),
  bytes("\r\n\r\n\r\n"),
  bytes("GET / HTTP/1.1\r\n"), // a head never finished
];

/** Everything the raw HTTP side is sent. */
export function httpCases(): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    { weight: 4, arbitrary: stream("http.request", "none", request) },
    {
      weight: 1,
      arbitrary: stream(
        "http.pipelined",
        "none",
        fc.array(request, { minLength: 2, maxLength: 4 }).map((r) => bytes(...r)),
      ),
    },
    { weight: 1, arbitrary: stream("http.upgrade", "none", badUpgrade) },
    {
      weight: 1,
      arbitrary: stream(
        "http.preface",
        "none",
        fc.oneof(fc.constantFrom(...PREFACES), fc.uint8Array({ maxLength: 300 })),
      ),
    },
    {
      weight: 1,
      arbitrary: stall("http.stall", "none", fc.constantFrom(...PREFACES.slice(3)), false),
    },
  );
}

/** The join of a WebSocket connection: one hello frame. */
export function wsJoin(name: string): Uint8Array {
  return wsText([JSON.stringify({ type: "hello", name, reserve: false })]);
}
