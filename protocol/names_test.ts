import assert from "node:assert/strict";
import { foldName, nameKey } from "./names.ts";

Deno.test("nameKey: case, width and look-alike letters make one name", () => {
  const same = (a: string, b: string) => assert.equal(nameKey(a), nameKey(b), `${a} / ${b}`);
  same("alice", "ALICE");
  same("alice", "\u0430lice"); // Cyrillic а
  same("ALICE", "\u0410LIC\u0415"); // Cyrillic А, Е
  same("bob", "\uff42ob"); // fullwidth b
  same("bob", "\u{1d41b}ob"); // mathematical bold b
  same("mike", "\uff4dike"); // fullwidth m: its prototype is rn, kept as m
  same("paypal", "\u0440\u0430ypal"); // Cyrillic р, а
  same("Émile", "e\u0301mile"); // NFC and NFD
});

Deno.test("nameKey: ASCII names keep their old key; distinct ones stay distinct", () => {
  for (const n of ["lobby", "Dev-Ops_1.0", "rnike", "b0b", "I1l"]) {
    assert.equal(nameKey(n), n.toLowerCase());
  }
  const differ = (a: string, b: string) =>
    assert.notEqual(nameKey(a), nameKey(b), `${a} / ${b} must stay two names`);
  differ("mike", "rnike");
  differ("bob0", "bobo");
  differ("al1ce", "alice");
  differ("emile", "émile");
  differ("борис", "boris");
});

Deno.test("foldName folds case only: it tells a look-alike from a case change", () => {
  assert.equal(foldName("Bob"), "bob");
  assert.notEqual(foldName("\u0430lice"), foldName("alice"));
});

Deno.test("nameKey is fast enough for every join: a non-ASCII name in microseconds, cached", () => {
  const t0 = performance.now();
  for (let i = 0; i < 20_000; i++) nameKey(`\u0430lice${i}`);
  const fresh = (performance.now() - t0) / 20_000;
  const t1 = performance.now();
  for (let i = 0; i < 200_000; i++) nameKey(`\u0430lice${i % 100}`);
  const cached = (performance.now() - t1) / 200_000;
  assert.ok(fresh < 0.05, `${fresh} ms per new name`);
  assert.ok(cached < 0.005, `${cached} ms per cached name`);
});
