/**
 * The fuzzer's hostile inputs for JSON mode: every client event of
 * PROTOCOL.md with right, wrong-typed and missing fields, random and
 * truncated JSON, deep nesting, fields near the line limit, and lines no
 * JSON.stringify makes. `sweepLines` adds what random choice could miss:
 * every wrong type for every field of every event, and every command with
 * missing and extra arguments.
 */
import fc from "fast-check";
import {
  bytes,
  type CaseOptions,
  COMMANDS,
  freshName,
  type FuzzCase,
  hostileText,
  jsonString,
  lines,
  nearLimit,
  stall,
  stream,
} from "./fuzz_cases.ts";

type FieldKind = "str" | "num" | "bool" | "strs";

/** Every client event of PROTOCOL.md (version 1 and the additions) and its fields. */
export const EVENTS: Record<string, Record<string, FieldKind>> = {
  hello: {
    name: "str",
    password: "str",
    since: "num",
    rooms: "strs",
    epoch: "str",
    key: "str",
    reserve: "bool",
  },
  say: { text: "str", ref: "str", room: "str" },
  me: { text: "str", ref: "str", room: "str" },
  dm: { to: "str", text: "str", ref: "str" },
  nick: { name: "str" },
  who: { room: "str" },
  ping: {},
  bye: {},
  enter: { room: "str", since: "num" },
  part: { room: "str" },
  rooms: {},
  topic: { room: "str", text: "str" },
  op: { password: "str" },
  kick: { name: "str", reason: "str" },
  ban: { target: "str", duration: "str", reason: "str" },
  unban: { target: "str" },
  bans: {},
  mute: { name: "str", duration: "str" },
  unmute: { name: "str" },
  lock: { room: "str", locked: "bool" },
  upload: { room: "str", name: "str", size: "num", ref: "str" },
  history: { room: "str", before: "num", limit: "num" },
  search: { room: "str", query: "str", limit: "num" },
  edit: { room: "str", seq: "num", text: "str", ref: "str" },
  delete: { room: "str", seq: "num", ref: "str" },
};

const good: Record<FieldKind, fc.Arbitrary<unknown>> = {
  str: jsonString,
  num: fc.oneof(fc.nat(100), fc.integer()),
  bool: fc.boolean(),
  strs: fc.array(jsonString, { maxLength: 3 }),
};

const anyJson = fc.jsonValue({ maxDepth: 3 });
const wrong: Record<FieldKind, fc.Arbitrary<unknown>> = {
  str: anyJson.filter((v) => typeof v !== "string"),
  num: fc.oneof(anyJson.filter((v) => typeof v !== "number"), fc.constantFrom(-1, 1.5, 2 ** 60)),
  bool: anyJson.filter((v) => typeof v !== "boolean"),
  strs: anyJson.filter((v) => !Array.isArray(v) || v.some((x) => typeof x !== "string")),
};

/** An event of `type` whose fields are each right, wrong-typed or missing. */
function event(type: string): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [f, k] of Object.entries(EVENTS[type])) {
    fields[f] = fc.oneof(
      { weight: 4, arbitrary: good[k] },
      { weight: 2, arbitrary: wrong[k] },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  }
  const kind = fc.oneof({ weight: 9, arbitrary: fc.constant<unknown>(type) }, {
    weight: 1,
    arbitrary: anyJson,
  });
  return fc.tuple(kind, fc.record(fields)).map(([t, rest]) => ({ type: t, ...rest }));
}

/** Lines no JSON.stringify makes: escapes, duplicates, near-JSON, prototype names. */
export const JSON_LITERALS = [
  '{"type":"say","text":"\\ud800"}',
  '{"type":"say","text":"\\udc00x\\ud800","ref":"\\ud800"}',
  '{"type":"say","text":"\\u0000\\u001b[31m\\u009b"}',
  '\ufeff{"type":"ping"}',
  '{"type":"ping"}{"type":"ping"}',
  '{"type":"ping"} trailing',
  '{"type":"say","type":"ping"}',
  '{"type":"say","text":"a","text":5}',
  '{"type":"hello","name":"x","since":1e400}',
  '{"type":"say","text":"x","ref":1e400}',
  '{"type":"say","text":"x","ref":12345678901234567890123}',
  "NaN",
  '{"type":NaN}',
  "{'type':'ping'}",
  '{type:"ping"}',
  '{"type":"ping",}',
  '[{"type":"ping"}]',
  '"ping"',
  '{"type":"__proto__"}',
  '{"__proto__":{"type":"ping"}}',
  '{"type":"constructor"}',
  '{"type":"toString"}',
  '{"type":"dm","to":"__proto__","text":"x"}',
  '{"type":"nick","name":"__proto__"}',
  '{"type":"nick","name":"constructor"}',
  "{}",
  '{"type":""}',
  '{"type":"SAY","text":"x"}',
  '{"type":"say","text":"',
  '\0{"type":"ping"}',
  ' \t{"type":"ping"} ',
];

/** A JSON-mode line (no line end): events, random JSON, truncated, deep, huge, literals. */
export function jsonLine(o: CaseOptions = {}): fc.Arbitrary<string> {
  const max = o.maxLine ?? 4096;
  const anyEvent = fc.oneof(...Object.keys(EVENTS).map(event)).map((e) => JSON.stringify(e));
  const deep = fc.record({
    n: fc.constantFrom(100, 1000, (max >> 1) - 20, max, 100_000),
    open: fc.constantFrom("[", '{"a":', '{"type":"say","text":'),
    closed: fc.boolean(),
  }).map(({ n, open, closed }) => {
    if (open === "[") return "[".repeat(n) + (closed ? "]".repeat(n) : "");
    if (open === '{"a":') return open.repeat(n) + (closed ? "1" + "}".repeat(n) : "");
    return open + "[".repeat(n) + (closed ? "]".repeat(n) + "}" : "");
  });
  const huge = fc.record({
    type: fc.constantFrom("say", "me", "dm", "nick", "hello"),
    size: nearLimit(max),
    unit: fc.constantFrom("x", "é", "\u{1F600}", "\x01", "\\"),
  }).map(({ type, size, unit }) => {
    const field = type === "nick" || type === "hello" ? "name" : "text";
    const base = JSON.stringify({ type, to: "nobody", [field]: "" });
    // Escaped units ("\x01" becomes 6 bytes) make the line longer than the text.
    const encoded = JSON.stringify(unit).length - 2;
    const text = unit.repeat(Math.max(0, Math.floor((size - base.length) / encoded)));
    return JSON.stringify({ type, to: "nobody", [field]: text });
  });
  return fc.oneof(
    { weight: 6, arbitrary: anyEvent },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    {
      weight: 2,
      arbitrary: fc.tuple(anyEvent, fc.nat()).map(([s, n]) => s.slice(0, n % s.length)),
    },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: huge },
    { weight: 2, arbitrary: fc.constantFrom(...JSON_LITERALS) },
  );
}

/** Everything a JSON-mode connection is sent. */
export function jsonCases(o: CaseOptions = {}): fc.Arbitrary<FuzzCase> {
  const line = jsonLine(o);
  const hello = event("hello").map((e) => JSON.stringify({ ...e, type: "hello" }));
  const handshake = fc.tuple(
    fc.array(fc.oneof(hello, line), { minLength: 1, maxLength: 4 }),
    fc.option(freshName),
    fc.array(line, { maxLength: 4 }),
  ).map(([bad, name, after]) =>
    bytes(
      '{"type":"hello"}\n', // picks JSON mode (it has no name, so bad_request)
      ...bad.flatMap((b) => [b, "\n"]),
      name ? JSON.stringify({ type: "hello", name }) + "\n" : "",
      ...after.flatMap((l) => [l, "\n"]),
    )
  );
  return fc.oneof(
    { weight: 5, arbitrary: stream("json.lines", "join", lines(line)) },
    { weight: 1, arbitrary: stream("json.garbage", "join", lines(hostileText)) },
    { weight: 2, arbitrary: stream("json.handshake", "none", handshake) },
    {
      weight: 1,
      arbitrary: stall(
        "json.stall",
        "none",
        fc.constantFrom('{"type":"hello","name":"x"', '{"type":"hel', "{").map((s) => bytes(s)),
      ),
    },
  );
}

/** One line of the sweep, and the mode of the connection it goes to. */
export interface SweepLine {
  mode: "json" | "plain";
  /** A hello: sent before joining. */
  handshake: boolean;
  line: string;
}

const WRONG: Record<FieldKind, unknown[]> = {
  str: [0, -1, 1.5, true, null, {}, { a: "b" }, [], ["x"], [[[]]]],
  num: ["5", "", -1, 1.5, 1e308, true, null, {}, [], [1]],
  bool: [0, 1, "true", null, {}, []],
  strs: ["lobby", [1], [null], [{}], {}, 1, null, [[]]],
};
const GOOD: Record<FieldKind, unknown> = { str: "fine", num: 1, bool: true, strs: ["lobby"] };
const ARGS = ["", " ", " a", " a b", " a b c d e f", " \x1b[31mx", " #dev", " __proto__"];

/** The whole sweep, in a fixed order; the runner sends a slice of it per batch. */
export function sweepLines(): SweepLine[] {
  const out: SweepLine[] = [];
  for (const [type, fields] of Object.entries(EVENTS)) {
    const handshake = type === "hello";
    const base = Object.fromEntries(Object.entries(fields).map(([f, k]) => [f, GOOD[k]]));
    const push = (o: Record<string, unknown>) => {
      // Each hello its own name, so one that is accepted takes no name from another.
      if (handshake && typeof o.name === "string") o.name = `sw${out.length}`;
      out.push({ mode: "json", handshake, line: JSON.stringify(o) });
    };
    for (const t of [5, null, {}, [type], true, type.toUpperCase()]) push({ ...base, type: t });
    for (const [f, k] of Object.entries(fields)) {
      const without = { ...base };
      delete without[f];
      push({ type, ...without });
      for (const w of WRONG[k]) push({ type, ...base, [f]: w });
    }
  }
  for (const c of COMMANDS) {
    for (const a of ARGS) out.push({ mode: "plain", handshake: false, line: c + a });
  }
  return out;
}
