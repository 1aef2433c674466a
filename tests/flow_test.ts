import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient, withServer } from "./helpers.ts";

function rssKb(pid: number, field = "VmRSS"): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]);
}

Deno.test("a stalled reader is dropped as slow while another floods 120 MB; nobody else waits or loses", async () => {
  await withServer(["--rate-limit", "0", "--max-outbox", "1m"], async ({ port, child, stderr }) => {
    const { client: watcher } = await joinJson(port, "watcher");
    // The staller joins, then never reads again.
    const staller = await Deno.connect({ hostname: "127.0.0.1", port });
    await staller.write(new TextEncoder().encode('{"type":"hello","name":"staller"}\n'));
    await watcher.event("join");
    const flooder = await joinPlain(port, "flooder");
    await watcher.event("join");
    const before = rssKb(child.pid);
    const lines = 240_000;
    const perChunk = 500;
    const body = "z".repeat(500);
    let got = 0;
    let slowLeave: Record<string, unknown> | undefined;
    // Closed loop, like the load generator: the flooder keeps at most two
    // chunks (~0.5 MB) ahead of the watcher, so the watcher is never the slow one.
    const sending = (async () => {
      for (let i = 0; i < lines; i += perChunk) {
        let chunk = "";
        for (let k = i; k < i + perChunk; k++) chunk += `${k} ${body}\n`;
        while (got < i - perChunk) await new Promise((r) => setTimeout(r, 1));
        await flooder.sendRaw(chunk);
      }
    })();
    while (got < lines) {
      const e = await watcher.json(20000);
      if (e.type === "message") {
        assert.equal(e.text, `${got} ${body}`);
        got++;
      } else if (e.type === "leave") slowLeave = e;
    }
    await sending;
    assert.equal(got, lines);
    assert.deepEqual([slowLeave?.name, slowLeave?.reason], ["staller", "slow"]);
    const grown = rssKb(child.pid, "VmHWM") - before;
    // 120 MB went through; an unbounded outbox for the staller alone would hold most of it.
    assert.ok(grown < 80 * 1024, `server memory grew by ${grown} kB`);
    assert.ok(stderr.some((l) => /staller left \(slow\)/.test(l)), "the drop is logged");
    staller.close();
    await watcher.close();
    await flooder.close();
  });
});

Deno.test("flood control: a 200-line paste is relayed whole, in order, paced; others unaffected", async () => {
  await withServer(["--rate-limit", "100:20"], async ({ port }) => {
    const { client: watcher } = await joinJson(port, "watcher");
    const paster = await joinPlain(port, "paster");
    const other = await joinPlain(port, "other");
    await watcher.event("join");
    await watcher.event("join");
    let paste = "";
    for (let i = 0; i < 200; i++) paste += `pasted ${i}\n`;
    const start = Date.now();
    await paster.sendRaw(paste);
    assert.match(await paster.until((l) => l.startsWith("!")), /^! rate_limited: /);
    await other.send("I am not slowed");
    let pasted = 0;
    let otherAt = -1;
    while (pasted < 200) {
      const e = await watcher.event("message", 10000);
      if (e.from === "other") otherAt = pasted;
      else assert.equal(e.text, `pasted ${pasted++}`);
    }
    const elapsed = Date.now() - start;
    // 20 at once, then 100/s: the last line cannot come before ~1.8 s.
    assert.ok(elapsed >= 1500, `paced: took ${elapsed} ms`);
    assert.ok(
      otherAt >= 0 && otherAt < 150,
      `the other member's line went through during the paste (at ${otherAt})`,
    );
    // Told once, not once per line.
    assert.equal(paster.buffered.filter((l) => l.startsWith("! rate_limited")).length, 0);
    for (const c of [watcher, paster, other]) await c.close();
  });
});

Deno.test("SIGTERM: everyone gets the shutdown notice, queued output is flushed, exit 0", async () => {
  await withServer([], async (server) => {
    const plain = await joinPlain(server.port, "plain");
    const { client: json } = await joinJson(server.port, "json");
    await plain.line(); // json joined
    await json.sendJson({ type: "say", text: "last words", ref: "l" });
    await json.event("ack");
    const code = await server.stop("SIGTERM");
    assert.equal(code, 0);
    assert.equal(await plain.line(), "json: last words");
    assert.match(await plain.line(), /^\* server is shutting down/);
    const e = await json.event("shutdown");
    assert.match(String(e.message), /shutting down/);
    await plain.closed();
    await json.closed();
    assert.ok(server.stdout[0].startsWith("chat listening on tcp://127.0.0.1:"));
  });
});

Deno.test("SIGINT shuts down the same way; a half-joined connection is closed too", async () => {
  await withServer([], async (server) => {
    const member = await joinPlain(server.port, "member");
    const pending = await LineClient.connect(server.port);
    await pending.line();
    assert.equal(await server.stop("SIGINT"), 0);
    assert.match(await member.line(), /shutting down/);
    await member.closed();
    await pending.closed();
    assert.ok(pending.eof);
    assert.match(pending.buffered.join("\n"), /shutting down/);
  });
});
