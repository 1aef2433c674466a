import assert from "node:assert/strict";
import { NameKeys } from "../web/name_keys.ts";

/** A Storage in memory, as the page's localStorage. */
class MemoryStorage implements Storage {
  #m = new Map<string, string>();
  fail = false;
  get length(): number {
    return this.#m.size;
  }
  clear(): void {
    this.#m.clear();
  }
  getItem(k: string): string | null {
    return this.#m.get(k) ?? null;
  }
  key(i: number): string | null {
    return [...this.#m.keys()][i] ?? null;
  }
  removeItem(k: string): void {
    this.#m.delete(k);
  }
  setItem(k: string, v: string): void {
    if (this.fail) throw new DOMException("full", "QuotaExceededError");
    this.#m.set(k, v);
  }
}

Deno.test("the page keeps a key per server and name in localStorage, for any case of the name", () => {
  const storage = new MemoryStorage();
  const keys = new NameKeys(storage);
  assert.equal(keys.get("chat.example.org:8081", "bob"), undefined);
  keys.put("chat.example.org:8081", "Bob", "k1");
  keys.put("127.0.0.1:8081", "bob", "k2");
  assert.equal(
    new NameKeys(storage).get("chat.example.org:8081", "BOB"),
    "k1",
    "a reload keeps it",
  );
  assert.equal(keys.get("127.0.0.1:8081", "bob"), "k2", "another server, another key");
  assert.deepEqual(JSON.parse(storage.getItem("chat.keys")!), {
    "chat.example.org:8081": { bob: "k1" },
    "127.0.0.1:8081": { bob: "k2" },
  });
});

Deno.test("without a usable localStorage the page still keeps the key for its reconnects", () => {
  const storage = new MemoryStorage();
  storage.fail = true;
  const keys = new NameKeys(storage);
  keys.put("h:1", "bob", "k");
  assert.equal(keys.get("h:1", "bob"), "k");
  const none = new NameKeys(undefined);
  none.put("h:1", "bob", "k");
  assert.equal(none.get("h:1", "bob"), "k");
  storage.setItem = () => {};
  storage.fail = false;
  assert.equal(new NameKeys(storage).get("h:1", "bob"), undefined, "nothing was stored");
});
