/**
 * The fuzzer's hostile inputs for the line protocol (plain and JSON mode over
 * a byte stream), as fast-check arbitraries. A case is plain data (bytes,
 * pauses, an ending) so that a seed reproduces it byte for byte and a failing
 * one can be printed. WebSocket frames and raw HTTP are in fuzz_web_cases.ts.
 */
import fc from "fast-check";

/** One thing the runner does on a case's connection. */
export type Step = { op: "write"; bytes: Uint8Array } | { op: "pause"; ms: number };

/**
 * How a case's connection ends: `close` after reading what came; `rst` with
 * the server's bytes left unread, so the kernel resets the connection; `half`
 * shuts our sending side and waits for the server to close; `linger` stays
 * open until the server closes it (a handshake never finished).
 */
export type Ending = "close" | "rst" | "half" | "linger";

/**
 * What the runner does before the case's own bytes: nothing; open the mode
 * (the WebSocket upgrade); or open and join under a fresh name.
 */
export type Prelude = "none" | "open" | "join";

/** One hostile connection. */
export interface FuzzCase {
  /** e.g. "plain.commands", for the figures and the report. */
  kind: string;
  prelude: Prelude;
  steps: Step[];
  end: Ending;
  /** For `linger`: the server must close it within its handshake timeout. */
  mustClose?: boolean;
}

/** Options of the case generators. */
export interface CaseOptions {
  /** The server's `--max-line`. @default 4096 */
  maxLine?: number;
  /** Names in use (the bystanders'), for name_taken and DMs to real members. @default [] */
  taken?: readonly string[];
}

/** Text, bytes, or a list of byte values. */
export type Chunk = string | Uint8Array | number[];

const te = new TextEncoder();

/** Concatenates chunks as UTF-8 bytes. */
export function bytes(...parts: Chunk[]): Uint8Array {
  const arrays = parts.map((p) => typeof p === "string" ? te.encode(p) : Uint8Array.from(p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let off = 0;
  for (const a of arrays) {
    out.set(a, off);
    off += a.length;
  }
  return out;
}

/** A string of exactly `size` UTF-8 bytes made of `unit`, padded with "x". */
export function fill(size: number, unit: string): string {
  const n = te.encode(unit).length;
  return "x".repeat(size % n) + unit.repeat(Math.floor(size / n));
}

export const INVALID_UTF8: number[][] = [
  [0xff],
  [0xfe],
  [0x80],
  [0xc0, 0xaf], // overlong "/"
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate, encoded
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc3], // truncated sequences
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xc2, 0x9b], // C1 CSI, validly encoded
  [0xc2, 0x85],
];

export const ESCAPES = [
  "\x1b[31m",
  "\x1b[2J",
  "\x1b[10;10H",
  "\x1b[?1049h",
  "\x1b]0;title\x07",
  "\x1b]8;;http://x\x1b\\",
  "\x1b]52;c;aGk=\x07",
  "\x1bP1$r\x1b\\",
  "\x1bc",
  "\x1b",
  "\x1b[",
  "\x1b]unterminated",
  "\u009b31m",
  "\u009d0;t\u009c",
  "\u0085",
  "\0",
  "\r",
  "\x07",
  "\x08",
  "\x7f",
  "\x0b",
  "\t",
];

export const ODD = [
  "\u202e",
  "\u200b",
  "\ufeff",
  "\u2028",
  "e\u0301",
  "\u{1F600}",
  "\u{1F468}\u200d\u{1F469}",
  "\uFFFD",
  "\u{10FFFF}",
  " ",
  "#",
  "//",
  "/",
  "%s%n",
  "__proto__",
  "<script>",
  "'\"",
];

/** A short hostile fragment: random text, escapes, odd Unicode, invalid UTF-8, raw bytes. */
export const piece: fc.Arbitrary<Chunk> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.constantFrom(...ESCAPES),
  fc.constantFrom(...ODD),
  fc.constantFrom(...INVALID_UTF8),
  fc.uint8Array({ maxLength: 8 }),
);

/** Hostile text as bytes (it may hold "\n", so be several lines). */
export const hostileText: fc.Arbitrary<Uint8Array> = fc.array(piece, { maxLength: 10 })
  .map((p) => bytes(...p));

/** A string for a JSON field: random, escapes, odd Unicode. */
export const jsonString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom(...ESCAPES, ...ODD),
);

const lineEnd = fc.oneof(
  { weight: 6, arbitrary: fc.constant("\n") },
  { weight: 1, arbitrary: fc.constantFrom("\r\n", "\r", "\n\r", "\r\r\n", "\0\n", "\n\n", "") },
);

/** Lines of `item`, each with a (sometimes odd) line end. */
export function lines(item: fc.Arbitrary<Chunk>, most = 8): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.tuple(item, lineEnd), { minLength: 1, maxLength: most })
    .map((ls) => bytes(...ls.flat()));
}

/** Sizes at, just under and just over the line limit, and far over it. */
export function nearLimit(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: max - 6, max: max + 6 }) },
    { weight: 1, arbitrary: fc.constantFrom(1, max >> 1, max * 2, 65536, 200 * 1024) },
  );
}

function cutAt(payload: Uint8Array, cuts: { at: number; ms: number }[]): Step[] {
  const steps: Step[] = [];
  let from = 0;
  for (const { at, ms } of [...cuts].sort((a, b) => a.at - b.at)) {
    if (at > from) steps.push({ op: "write", bytes: payload.subarray(from, at) });
    steps.push({ op: "pause", ms });
    from = Math.max(from, at);
  }
  if (from < payload.length) steps.push({ op: "write", bytes: payload.subarray(from) });
  return steps;
}

/** The payload in one write, cut into pieces with pauses between, or byte by byte. */
export function paced(payload: Uint8Array): fc.Arbitrary<Step[]> {
  const cut = fc.record({
    at: fc.nat({ max: payload.length }),
    ms: fc.integer({ min: 0, max: 12 }),
  });
  const options = [
    { weight: 3, arbitrary: fc.constant<Step[]>([{ op: "write", bytes: payload }]) },
    {
      weight: 3,
      arbitrary: fc.array(cut, { minLength: 1, maxLength: 8 }).map((c) => cutAt(payload, c)),
    },
  ];
  if (payload.length <= 40) {
    const one = [...payload].map((_, i) => ({ at: i, ms: 1 }));
    options.push({ weight: 1, arbitrary: fc.constant(cutAt(payload, one)) });
  }
  return fc.oneof(...options);
}

const ending = fc.constantFrom<Ending>("close", "close", "close", "half", "rst");
// Mostly the whole payload; sometimes the connection ends part way (mid-line, mid-frame).
const cutoff = fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, {
  weight: 1,
  arbitrary: fc.nat(),
});

/** A case that sends `payload` (paced, perhaps cut short) and ends in any way. */
export function stream(
  kind: string,
  prelude: Prelude,
  payload: fc.Arbitrary<Uint8Array>,
): fc.Arbitrary<FuzzCase> {
  return fc.tuple(payload, ending, cutoff).chain(([p, end, cut]) =>
    paced(cut < 0 ? p : p.subarray(0, cut % (p.length + 1))).map((steps) => ({
      kind,
      prelude,
      steps,
      end,
    }))
  );
}

/** A case that sends the start of something and waits for the server to give up on it. */
export function stall(
  kind: string,
  prelude: Prelude,
  payload: fc.Arbitrary<Uint8Array>,
  mustClose = true,
): fc.Arbitrary<FuzzCase> {
  return payload.map((p) => ({
    kind,
    prelude,
    steps: p.length ? [{ op: "write", bytes: p }] : [],
    end: "linger",
    mustClose,
  }));
}

/** A name that is new (collisions only get name_taken). */
export const freshName: fc.Arbitrary<string> = fc.stringMatching(/^[a-z][a-z0-9]{7,11}$/)
  .map((s) => "h" + s);

/** Commands of PROTOCOL.md (and its additions), variants and non-commands. */
export const COMMANDS = [
  ..."msg dm nick me who names help quit join part rooms topic op kick ban unban bans mute"
    .split(" ").map((c) => "/" + c),
  ..."unmute lock unlock key upload history search edit delete MSG Nick unknown".split(" ")
    .map((c) => "/" + c),
  "//",
  "///",
  "/",
  "exit",
  " exit ",
  "/me\x1b[31m",
  "/\u{1F600}",
  "/quit\0",
];

function names(o: CaseOptions): string[] {
  return o.taken?.length ? [...o.taken] : ["nobody"];
}

function commandArg(o: CaseOptions): fc.Arbitrary<Chunk> {
  const taken = names(o);
  return fc.oneof(
    fc.constantFrom(...taken, ...taken.map((n) => n.toUpperCase())),
    freshName,
    fc.constantFrom("#lobby", "#", "#dev", "1h", "90m", "-1", "0", "99999999999999999999", "\t"),
    fc.constant(fill((o.maxLine ?? 4096) - 12, "a")),
    piece,
  );
}

function command(o: CaseOptions): fc.Arbitrary<Uint8Array> {
  return fc.tuple(
    fc.constantFrom(...COMMANDS),
    fc.array(commandArg(o), { maxLength: 4 }),
    fc.constantFrom(" ", "  ", "\t"),
  ).map(([c, args, sep]) => bytes(c, ...args.flatMap((a) => [sep, a])));
}

function badName(o: CaseOptions): fc.Arbitrary<Chunk> {
  const taken = names(o);
  return fc.oneof(
    fc.constantFrom("", " ", "a b", "x".repeat(33), "é".repeat(33), "名".repeat(33), "-", ".."),
    fc.constantFrom("a\x1b[31m", "b\x07", "c\u009b", "d\0", "e\u0301", "\ufeffname", "n\u200b"),
    fc.constantFrom("exit", "/quit", "//x", "/nick x", '{"type":"say","text":"x"}', "{}", "[]"),
    fc.constantFrom(...taken, ...taken.map((n) => n.toUpperCase())),
    piece,
  );
}

const longLine = (max: number) =>
  fc.record({
    size: nearLimit(max),
    unit: fc.constantFrom("x", "é", "€", "\u{1F600}"),
    end: fc.constantFrom("\n", "\r\n"),
  }).map((l) => fill(l.size, l.unit) + l.end);

const flood = fc.tuple(fc.integer({ min: 20, max: 300 }), fc.constantFrom("", "//", "/me "))
  .map(([n, prefix]) => bytes(...Array.from({ length: n }, (_, i) => `${prefix}flood ${i}\n`)));

/** Everything a plain-mode connection is sent. */
export function plainCases(o: CaseOptions = {}): fc.Arbitrary<FuzzCase> {
  const max = o.maxLine ?? 4096;
  const handshake = fc.tuple(
    fc.array(badName(o), { maxLength: 5 }),
    fc.option(freshName),
    fc.array(hostileText, { maxLength: 3 }),
  ).map(([bad, name, after]) =>
    bytes(
      ...bad.flatMap((b) => [b, "\n"]),
      name ? name + "\n" : "",
      ...after.flatMap((t) => [t, "\n"]),
    )
  );
  const partialName = fc.oneof(
    fc.constant(""),
    fc.stringMatching(/^[a-z]{1,10}$/),
    fc.constant(fill(max - 1, "n")),
  ).map((s) => bytes(s));
  return fc.oneof(
    stream("plain.bytes", "join", fc.uint8Array({ maxLength: 600 })),
    stream("plain.text", "join", lines(hostileText)),
    stream("plain.commands", "join", lines(command(o), 10)),
    stream(
      "plain.long",
      "join",
      fc.array(longLine(max), { minLength: 1, maxLength: 3 })
        .map((ls) => bytes(...ls, "after the long line\n")),
    ),
    stream("plain.flood", "join", flood),
    stream("plain.handshake", "none", handshake),
    stall("plain.stall", "none", partialName),
  );
}
