// The page's pure parts (input parsing, names, resume), the origin rule,
// the test suite's Prometheus parser, and the generated assets' freshness.
import assert from "node:assert/strict";
import { originAllowed } from "../server/transport/http.ts";
import { parseInput } from "../web/input.ts";
import { colourClass, COLOURS, mentions } from "../web/names.ts";
import { parsePrometheus } from "./web_helpers.ts";

Deno.test("typed text becomes the protocol event it asks for", () => {
  assert.deepEqual(parseInput("hello"), { kind: "send", event: { type: "say", text: "hello" } });
  assert.deepEqual(parseInput("/me waves"), {
    kind: "send",
    event: { type: "me", text: "waves" },
  });
  assert.deepEqual(parseInput("/msg bob psst  there"), {
    kind: "send",
    event: { type: "dm", to: "bob", text: "psst  there" },
  });
  assert.deepEqual(parseInput("/dm bob hi"), {
    kind: "send",
    event: { type: "dm", to: "bob", text: "hi" },
  });
  assert.deepEqual(parseInput("/nick robert"), {
    kind: "send",
    event: { type: "nick", name: "robert" },
  });
  assert.deepEqual(parseInput("/who"), { kind: "send", event: { type: "who" } });
  assert.deepEqual(parseInput("//etc/hosts"), {
    kind: "send",
    event: { type: "say", text: "/etc/hosts" },
  });
  assert.deepEqual(parseInput("/help"), { kind: "help" });
  assert.deepEqual(parseInput("/quit"), { kind: "quit" });
  assert.deepEqual(parseInput("   "), { kind: "none" });
  assert.equal(parseInput("/me").kind, "error");
  assert.equal(parseInput("/msg bob").kind, "error");
  assert.equal(parseInput("/nick two words").kind, "error");
  const unknown = parseInput("/frobnicate");
  assert.equal(unknown.kind, "error");
  assert.match((unknown as { message: string }).message, /\/help/);
});

Deno.test("a name has one colour whatever its case, from a fixed palette", () => {
  assert.equal(colourClass("Alice"), colourClass("alice"));
  const seen = new Set<string>();
  for (const n of ["alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan"]) {
    const c = colourClass(n);
    assert.match(c, /^nc\d+$/);
    assert.ok(Number(c.slice(2)) < COLOURS);
    seen.add(c);
  }
  assert.ok(seen.size >= 4, "names spread over the palette");
});

Deno.test("mentions match the whole name, any case, with or without @", () => {
  assert.deepEqual(mentions("hi bob!", "bob"), [[3, 6]]);
  assert.deepEqual(mentions("@Bob, look", "bob"), [[0, 4]]);
  assert.deepEqual(mentions("bobby and kebob", "bob"), []);
  assert.deepEqual(mentions("ask bob.smith", "bob.smith"), [[4, 13]]);
  assert.deepEqual(mentions("bob bob", "bob"), [[0, 3], [4, 7]]);
  assert.deepEqual(mentions("a+b", "a+b"), [[0, 3]]);
  assert.deepEqual(mentions("anything", ""), []);
});

function upgrade(headers: Record<string, string>): Request {
  return new Request("http://127.0.0.1:8081/ws", { headers });
}

Deno.test("WebSockets are let in from our own page or from non-browsers only", () => {
  assert.ok(originAllowed(upgrade({ host: "127.0.0.1:8081" })));
  assert.ok(originAllowed(upgrade({ host: "127.0.0.1:8081", origin: "http://127.0.0.1:8081" })));
  assert.ok(originAllowed(upgrade({ host: "chat.example:443", origin: "https://CHAT.example" })));
  assert.ok(!originAllowed(upgrade({ host: "127.0.0.1:8081", origin: "http://evil.example" })));
  assert.ok(!originAllowed(upgrade({ host: "127.0.0.1:8081", origin: "http://127.0.0.1:9999" })));
  assert.ok(!originAllowed(upgrade({ host: "127.0.0.1:8081", origin: "null" })));
  assert.ok(!originAllowed(upgrade({ host: "127.0.0.1:8081", origin: "file://" })));
});

Deno.test("the test's Prometheus parser accepts good text and rejects bad", () => {
  const good = '# HELP a_total Things.\n# TYPE a_total counter\na_total{x="1"} 3\n' +
    "# TYPE s summary\ns_sum 0.5\ns_count 2\n";
  const e = parsePrometheus(good);
  assert.equal(e.value("a_total", { x: "1" }), 3);
  assert.equal(e.value("s_count"), 2);
  for (
    const bad of [
      "a 1\n", // no TYPE
      "# TYPE a counter\na 1", // no final newline
      "# TYPE a counter\na{x=1} 1\n", // unquoted label
      "# TYPE a counter\na one\n", // bad value
      "# TYPE a counter\n# TYPE a counter\na 1\n", // TYPE twice
      "# TYPE a counter\na 1\na 2\n", // repeated sample
      "# TYPE a weird\na 1\n", // unknown type
    ]
  ) {
    assert.throws(() => parsePrometheus(bad), SyntaxError, JSON.stringify(bad));
  }
});

Deno.test("web/assets.gen.ts is up to date with web/", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../web/build.ts", import.meta.url).pathname, "--check"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
});
