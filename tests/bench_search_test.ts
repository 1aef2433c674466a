import assert from "node:assert/strict";
import type { StoredMessage } from "../server/core/history.ts";
import { checkPage, checkResults, newestWith } from "../bench/search/checks.ts";
import { Corpus, queries } from "../bench/search/corpus.ts";

const BENCH = new URL("../bench/search/search_bench.ts", import.meta.url).pathname;

const message = (seq: number, text: string, room = "lobby"): StoredMessage => ({
  type: "message",
  room,
  seq,
  ts: "2026-01-01T00:00:00.000Z",
  from: "a",
  text,
});

Deno.test("the search checks catch a missing word, a wrong room, the wrong order and a short answer", () => {
  const ok = [message(9, "deploy on friday"), message(4, "friday deploy")];
  assert.deepEqual(
    checkResults(["deploy", "friday"], ok, { room: "lobby", limit: 20, expected: 2 }),
    [],
  );
  const bad = [message(4, "friday"), message(9, "deploy friday", "dev")];
  const problems = checkResults(["deploy", "friday"], bad, {
    room: "lobby",
    limit: 20,
    expected: 3,
  });
  assert.equal(problems.length, 4, problems.join("\n"));
  // A word inside another word is not the word: search matches whole words.
  assert.equal(
    checkResults(["deploy"], [message(1, "redeploy")], { room: "lobby", limit: 20 }).length,
    1,
  );
  assert.deepEqual(newestWith(["a b", "b", "a c", "a b c"], ["a", "b"], 20), [4, 1]);
  const seqs = checkResults(["a"], [message(3, "a c")], { room: "lobby", limit: 20, seqs: [4, 3] });
  assert.equal(seqs.length, 1);
});

Deno.test("the paging check catches a short page, a gap and a wrong more", () => {
  const page = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => message(from + i, "x"));
  assert.deepEqual(checkPage(page(801, 1000), { before: 1001, limit: 200, more: true }), []);
  assert.deepEqual(checkPage(page(1, 150), { before: 151, limit: 200, more: false }), []);
  assert.ok(checkPage(page(802, 1000), { before: 1001, limit: 200, more: true }).length > 0);
  const gap = page(801, 1000).filter((m) => m.seq !== 900);
  assert.ok(checkPage(gap, { before: 1001, limit: 200, more: true }).length > 0);
  assert.ok(checkPage(page(1, 150), { before: 151, limit: 200, more: true }).length > 0);
});

Deno.test("the corpus is the same on every run and has common and rare words", () => {
  const a = new Corpus({ side: { room: "quiet", every: 100 } });
  const b = new Corpus({ side: { room: "quiet", every: 100 } });
  const batch = a.next(5000);
  assert.deepEqual(batch, b.next(5000));
  assert.equal(batch.length, 5050);
  // Zipf: the commonest word is in most messages, most of the vocabulary in few.
  assert.ok(a.messagesWith[0] > 2500, `${a.messagesWith[0]}`);
  assert.ok(a.messagesWith[3000] < 10, `${a.messagesWith[3000]}`);
  const qs = queries(a, 2, 100, 1);
  assert.ok(qs.some((q) => q.rarest < 10) && qs.some((q) => q.rarest > 500));
});

Deno.test("bench:search --quick runs, every answer checks out, and the figures are sane", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench_search_test_" });
  try {
    const out = `${dir}/search.json`;
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", BENCH, "--quick", "--out", out],
      stdin: "null",
    }).output();
    const text = new TextDecoder();
    // The bench exits 1 when any answer was wrong (a missing word, a page out of order…).
    assert.equal(run.code, 0, text.decode(run.stderr).slice(-3000));
    assert.match(text.decode(run.stdout), /\| 1 word \| socket \|/);
    const r = JSON.parse(await Deno.readTextFile(out));
    assert.deepEqual(r.problems, []);
    assert.equal(r.build.messages, 20_000);
    assert.ok(r.build.bytesWith > r.build.bytesWithout, "the index takes room");
    for (const path of ["api", "socket"]) {
      for (const name of ["1 word", "2 words", "1 word, quiet room", "1 word, empty room"]) {
        const s = r.search[path][name];
        assert.ok(s.count >= 10, `${path} ${name}: ${s.count} queries`);
        assert.ok(s.p50 > 0 && s.p50 <= s.p99 && s.p99 <= s.max, `${path} ${name}`);
        assert.ok(s.p99 < 5000, `${path} ${name}: p99 ${s.p99} ms`);
      }
      // Common words are in many of 20 000 messages: a full page of results.
      assert.ok(r.search[path]["1 word"].results > 15);
      assert.equal(r.search[path]["1 word, empty room"].results, 0);
      const p = r.paging[path];
      assert.equal(p.messages, 20_000, `${path}: the walk back saw every message`);
      assert.equal(p.count, 100);
      assert.ok(p.reachedStart);
    }
    for (const a of r.append) assert.ok(a.with.min > 0 && a.without.min > 0, JSON.stringify(a));
    assert.equal(r.flood.length, 2);
    for (const f of r.flood) assert.ok(f.with.min > 100 && f.without.min > 100, JSON.stringify(f));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
