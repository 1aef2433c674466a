import assert from "node:assert/strict";
import { joinJson, withServer } from "./helpers.ts";
import { freePort, runJoinPiped } from "./join_helpers.ts";

// `chat join` with stdin from a pipe: scripting mode, exit codes, --json.

const lines = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join("");

Deno.test("seq 100 | chat join --name ci posts all 100 lines in order, paced, and exits 0", async () => {
  // A lower burst than the default so that the pacing really happens, quickly.
  await withServer(["--rate-limit", "60:20"], async ({ port }) => {
    const { client: watch } = await joinJson(port, "watch");
    const result = await runJoinPiped(["--name", "ci", "--port", String(port)], lines(100));
    assert.equal(result.stderr, "");
    assert.equal(result.stdout, "", "pipe mode without --json prints nothing");
    assert.equal(result.code, 0);
    const got: string[] = [];
    while (got.length < 100) {
      const e = await watch.event("message");
      assert.equal(e.from, "ci");
      got.push(String(e.text));
    }
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => String(i + 1)));
    assert.equal((await watch.event("leave")).reason, "quit");
    await watch.close();
  });
});

Deno.test("--json prints every event as one JSON line: the welcome, then an ack per line", async () => {
  await withServer([], async ({ port }) => {
    const result = await runJoinPiped(
      ["--name", "ci", "--port", String(port), "--json"],
      "one\ntwo", // no final newline: the last line is sent all the same
    );
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(events[0].type, "welcome");
    assert.equal(events[0].name, "ci");
    const acks = events.filter((e) => e.type === "ack");
    assert.deepEqual(acks.map((e) => e.seq), [1, 2]);
    assert.equal(new Set(acks.map((e) => e.ref)).size, 2, "each line has its own ref");
  });
});

Deno.test("an empty stdin joins and leaves with exit 0; blank lines are not sent", async () => {
  await withServer([], async ({ port }) => {
    const { client: watch } = await joinJson(port, "watch");
    assert.equal((await runJoinPiped(["--name", "ci", "--port", String(port)], "")).code, 0);
    assert.equal(
      (await runJoinPiped(["--name", "ci", "--port", String(port)], "\n  \nx\n")).code,
      0,
    );
    const e = await watch.event("message");
    assert.equal(e.text, "x");
    await watch.close();
  });
});

Deno.test("nothing listening: one line naming host:port and the reason, exit 1", async () => {
  const port = freePort();
  const result = await runJoinPiped(["--name", "ci", "--port", String(port)], "hi\n");
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `chat join: cannot connect to 127.0.0.1:${port}: connection refused. Is chat serve running there?\n`,
  );
});

Deno.test("bad flags print usage and exit 2; --help lists every flag with its default", async () => {
  for (const args of [["--bogus"], ["--port", "seventy"], ["--port", "70000"], ["--name", ""]]) {
    const result = await runJoinPiped(args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, /^chat join: .+\nRun chat join --help for every flag\.\n$/);
  }
  const noName = await runJoinPiped(["--port", "1"]);
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /--name is needed/);
  const help = await runJoinPiped(["--help"]);
  assert.equal(help.code, 0);
  for (const flag of ["--name", "--host", "--port", "--json", "--help"]) {
    assert.match(help.stdout, new RegExp(`  ${flag}\\b`), flag);
  }
  assert.match(help.stdout, /default 127\.0\.0\.1, env CHAT_HOST/);
  assert.match(help.stdout, /default 8080, env CHAT_PORT/);
  assert.match(help.stdout, /Examples:\n {2}chat join --name bob/);
});

Deno.test("the connection lost before every line is acked: exit 1 and say so", async () => {
  await withServer(["--rate-limit", "2:1"], async (server) => {
    const { client: watch } = await joinJson(server.port, "watch");
    const running = runJoinPiped(["--name", "ci", "--port", String(server.port)], lines(20));
    await watch.event("message"); // the first line is through; the rest wait, paced
    await server.stop("SIGTERM");
    const result = await running;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /lost the connection to 127\.0\.0\.1:\d+ before all lines/);
    assert.match(result.stderr, /\(\d+ of 20 acked\)/);
    await watch.close();
  });
});

Deno.test("a taken name or a full server: the server's reason, exit 1", async () => {
  await withServer(["--max-clients", "2"], async ({ port }) => {
    const { client: ci } = await joinJson(port, "ci");
    const taken = await runJoinPiped(["--name", "CI", "--port", String(port)], "hi\n");
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^chat join: cannot join as CI: the name CI is taken/);
    const { client: other } = await joinJson(port, "other");
    const full = await runJoinPiped(["--name", "late", "--port", String(port)], "hi\n");
    assert.equal(full.code, 1);
    assert.match(full.stderr, /^chat join: cannot join 127\.0\.0\.1:\d+: server_full: /);
    await ci.close();
    await other.close();
  });
});
