import assert from "node:assert/strict";
import { parseJoinConfig } from "../client/args.ts";
import { complete, helpLines, parseInput } from "../client/commands.ts";
import { backoffDelays } from "../client/connection.ts";
import { formatAddress, parseHosts } from "../client/hosts.ts";
import { mentions, nameColor, Renderer } from "../client/render.ts";
import { displayWidth, wrapCells } from "../client/width.ts";

// The terminal client's pure parts: no sockets, no terminal.

Deno.test("flags and environment: defaults, CHAT_HOST/CHAT_PORT, flags win", () => {
  const plain = {
    tls: false,
    caFile: null,
    password: null,
    rooms: [],
    keyFile: null,
    keysPath: null,
  };
  assert.deepEqual(parseJoinConfig([], {}), {
    name: "",
    hosts: [{ host: "127.0.0.1", port: 8080 }],
    json: false,
    ...plain,
  });
  const env = { CHAT_HOST: "example.org", CHAT_PORT: "9000" };
  assert.deepEqual(parseJoinConfig(["--name", "bob", "--json"], env), {
    name: "bob",
    hosts: [{ host: "example.org", port: 9000 }],
    json: true,
    ...plain,
  });
  assert.deepEqual(parseJoinConfig(["--port", "1234"], env).hosts, [
    { host: "example.org", port: 1234 },
  ]);
  assert.throws(() => parseJoinConfig(["extra"], {}), /Unexpected argument/);
});

Deno.test("--ca implies --tls; the password comes from --password-file or CHAT_PASSWORD", () => {
  const c = parseJoinConfig(["--ca", "ca.pem"], { CHAT_PASSWORD: "sesame" });
  assert.equal(c.tls, true);
  assert.equal(c.caFile, "ca.pem");
  assert.deepEqual(c.password, { value: "sesame" });
  assert.equal(parseJoinConfig(["--tls"], {}).caFile, null);
  assert.deepEqual(
    parseJoinConfig(["--password-file", "pw"], { CHAT_PASSWORD: "other" }).password,
    { file: "pw" },
  );
  assert.throws(() => parseJoinConfig(["--ca", ""], {}), /--ca cannot be empty/);
});

Deno.test("typed lines become commands, messages, or //-escaped messages", () => {
  assert.deepEqual(parseInput("hello"), { kind: "send", event: { type: "say", text: "hello" } });
  assert.deepEqual(parseInput("//etc/hosts"), {
    kind: "send",
    event: { type: "say", text: "/etc/hosts" },
  });
  assert.deepEqual(parseInput("/me waves  twice"), {
    kind: "send",
    event: { type: "me", text: "waves  twice" },
  });
  assert.deepEqual(parseInput("/dm alice psst, you"), {
    kind: "send",
    event: { type: "dm", to: "alice", text: "psst, you" },
  });
  assert.deepEqual(parseInput("/nick robert"), {
    kind: "send",
    event: { type: "nick", name: "robert" },
  });
  assert.deepEqual(parseInput("/names"), { kind: "send", event: { type: "who" } });
  assert.deepEqual(parseInput("exit"), { kind: "quit" });
  assert.deepEqual(parseInput("/QUIT"), { kind: "quit" });
  assert.deepEqual(parseInput("   "), { kind: "nothing" });
  assert.deepEqual(parseInput("/msg alice"), { kind: "usage", message: "usage: /msg NAME TEXT" });
  assert.equal(parseInput("/frobnicate").kind, "usage");
  assert.ok(helpLines().some((l) => l.includes("/nick NEW")));
});

Deno.test("Tab completes commands at the start and member names anywhere", () => {
  assert.deepEqual(complete("/n", []), [["/nick ", "/names "], "/n"]);
  assert.deepEqual(complete("/msg al", ["alice", "Albert", "bob"]), [["alice ", "Albert "], "al"]);
  assert.deepEqual(complete("hi B", ["alice", "bob"]), [["bob "], "B"]);
  assert.deepEqual(complete("hi ", ["alice"]), [[], ""]);
});

Deno.test("display width counts East Asian wide characters and emoji as two cells", () => {
  assert.equal(displayWidth("abc"), 3);
  assert.equal(displayWidth("日本語"), 6);
  assert.equal(displayWidth("한국어"), 6);
  assert.equal(displayWidth("ｆｕｌｌ"), 8);
  assert.equal(displayWidth("👍"), 2);
  assert.equal(displayWidth("e\u0301"), 1); // combining accent
  assert.equal(displayWidth("é"), 1);
  assert.equal(displayWidth("a\u200bb"), 2); // zero-width space
});

Deno.test("wrapping never exceeds the width and never splits a character", () => {
  const text = "日本語のテキストと English words mixed 👍 together in one long line";
  for (const width of [5, 10, 17, 30]) {
    const pieces = wrapCells(text, width);
    for (const p of pieces) assert.ok(displayWidth(p) <= width, `${p} fits ${width}`);
    assert.equal(pieces.join("").replaceAll(" ", ""), text.replaceAll(" ", ""));
  }
  assert.deepEqual(wrapCells("short", 10), ["short"]);
  assert.deepEqual(wrapCells("hello big world", 10), ["hello big", "world"]);
});

Deno.test("each name keeps one colour, whatever its case", () => {
  assert.equal(nameColor("alice"), nameColor("ALICE"));
  const colours = new Set(["alice", "bob", "carol", "dave", "erin", "frank"].map(nameColor));
  assert.ok(colours.size > 1);
});

Deno.test("a mention is your name as a word, in any case, and rings the bell", () => {
  assert.ok(mentions("hey Bob, look", "bob"));
  assert.ok(mentions("bob", "bob"));
  assert.ok(!mentions("bobby tables", "bob"));
  assert.ok(!mentions("kebob", "bob"));
  const r = new Renderer({ me: "bob", color: false, time: () => "12:00" });
  const ts = "2026-01-01T00:00:00Z";
  const heard = r.message({ type: "message", seq: 1, ts, from: "alice", text: "hi bob" });
  assert.deepEqual(heard, { lines: ["12:00 alice: hi bob"], bell: true });
  const own = r.message({ type: "message", seq: 2, ts, from: "bob", text: "I am bob" });
  assert.equal(own.bell, false);
  assert.deepEqual(
    r.message({ type: "message", seq: 3, ts, from: "al", text: "w", action: true }),
    {
      lines: ["12:00 * al w"],
      bell: false,
    },
  );
});

Deno.test("rendering strips escape sequences a server might let through", () => {
  const r = new Renderer({ me: "bob", color: false, time: () => "12:00" });
  const out = r.message({ type: "message", seq: 1, ts: "", from: "x", text: "\x1b[2Jboom\x07" });
  assert.deepEqual(out.lines, ["12:00 x: boom"]);
  assert.equal(r.event({ type: "something-new" } as never), null);
});

Deno.test("--host takes a list, repeated or comma-separated, HOST or HOST:PORT or [v6]:PORT", () => {
  const hosts = (args: string[], env: Record<string, string> = {}) =>
    parseJoinConfig(args, env).hosts;
  assert.deepEqual(hosts(["--host", "a,b:9000", "--host", "[::1]:7", "--port", "81"]), [
    { host: "a", port: 81 },
    { host: "b", port: 9000 },
    { host: "::1", port: 7 },
  ]);
  assert.deepEqual(hosts([], { CHAT_HOST: "a, 10.0.0.2:9", CHAT_PORT: "70" }), [
    { host: "a", port: 70 },
    { host: "10.0.0.2", port: 9 },
  ]);
  assert.deepEqual(hosts(["--host", "x"], { CHAT_HOST: "a,b" }), [{ host: "x", port: 8080 }]);
  assert.deepEqual(parseHosts(["[fe80::1%eth0]", "::1", "chat.example.org"], 1), [
    { host: "fe80::1%eth0", port: 1 },
    { host: "::1", port: 1 },
    { host: "chat.example.org", port: 1 },
  ]);
  for (
    const [bad, why] of [
      [":x", /--host entry ":x": the port must be/],
      [":8080", /--host entry ":8080" has no host name/],
      ["a,,b", /--host has an empty entry in "a,,b"/],
      ["a:0", /--host entry "a:0": the port must be a whole number from 1 to 65535/],
      ["a b", /--host entry "a b" is not a host name/],
      ["[nope]:1", /--host entry "\[nope\]:1": \[nope\] is not an IPv6 address/],
      ["", /--host cannot be empty/],
    ] as const
  ) assert.throws(() => parseJoinConfig(["--host", bad], {}), why, bad);
  assert.equal(formatAddress({ host: "::1", port: 8 }), "[::1]:8");
  assert.equal(formatAddress({ host: "a", port: 8 }), "a:8");
});

Deno.test("reconnect delays double from 0.5 s to 10 s, with jitter", () => {
  const flat = backoffDelays({ random: () => 0.5 });
  assert.deepEqual(
    Array.from({ length: 7 }, () => flat.next().value),
    [500, 1000, 2000, 4000, 8000, 10000, 10000],
  );
  const low = backoffDelays({ random: () => 0 });
  assert.equal(low.next().value, 400);
});

Deno.test("a big room's presence summary reads as one line, its names cleaned", () => {
  const r = new Renderer({ me: "bob", color: false, time: () => "12:00" });
  const ts = "2026-01-01T00:00:00Z";
  const e = {
    type: "presence" as const,
    room: "lobby",
    ts,
    count: 10000,
    joined: ["ann", "b\x1b[2Jo"],
    left: ["cy"],
    joins: 950,
    leaves: 1,
  };
  const out = r.event(e);
  assert.equal(out?.lines.length, 1);
  assert.match(out!.lines[0], /ann, b.*o and 948 others joined; cy left \(10000 online\)$/);
  assert.ok(!out!.lines[0].includes("\x1b"), "no escape sequence gets through");
});
