// Where files live: a full disk, a cluster's shared --files-dir, and the
// one-time URLs' expiry (the store on a real temporary directory).
import assert from "node:assert/strict";
import { joinJson, type LineClient } from "./helpers.ts";
import { startWebServer } from "./web_helpers.ts";
import { startCluster } from "./cluster_helpers.ts";
import { mountTmpfs, umount } from "./storage_helpers.ts";
import { FileStore } from "../server/files/file_store.ts";
import { UPLOAD_TTL_MS, WebFiles } from "../server/files/web_files.ts";
import type { Member, Room } from "../server/core/room.ts";

async function grant(c: LineClient, name: string, size: number) {
  await c.sendJson({ type: "upload", name, size, ref: "u" });
  return JSON.parse(await c.until((l) => /"type":"(upload|error)"/.test(l)));
}

const canMount = await (async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_files_probe_" });
  const ok = await mountTmpfs(dir, "size=64k");
  if (ok) await umount(dir);
  await Deno.remove(dir).catch(() => {});
  return ok;
})();

Deno.test({
  name:
    "a full disk: the upload fails with 507 and a clear reason, nothing is left, the room carries on",
  ignore: !canMount,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat-files-full-" });
    assert.ok(await mountTmpfs(dir, "size=64k"));
    const s = await startWebServer(["--files-dir", dir]);
    try {
      const { client: bob } = await joinJson(s.port, "bob", { rooms: ["lobby"] });
      const g = await grant(bob, "big.bin", 200_000);
      assert.equal(g.type, "upload");
      const res = await fetch(g.url, { method: "PUT", body: new Uint8Array(200_000) });
      assert.equal(res.status, 507);
      assert.match(await res.text(), /could not store the file \(its disk may be full\)/);
      const left: string[] = [];
      for await (const e of Deno.readDir(dir)) left.push(e.name);
      assert.deepEqual(left, []);
      assert.ok(s.stderr.some((l) => /storing a file failed/.test(l)), "the failure is logged");
      await bob.sendJson({ type: "say", text: "still here", ref: "m" });
      assert.equal((await bob.event("ack")).ref, "m");
      const small = await grant(bob, "small.txt", 5);
      assert.equal((await fetch(small.url, { method: "PUT", body: "small" })).status, 201);
      await bob.close();
    } finally {
      await s.stop("SIGKILL");
      await umount(dir);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("cluster: with a shared --files-dir, a file shared on one node downloads from another", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-files-cluster-" });
  try {
    await using cluster = await startCluster(0);
    const args = ["--web-port", "0", "--files-dir", dir];
    const n1 = await cluster.add(args);
    const n2 = await cluster.add(args);
    const web = (n: { stdout: string[] }) =>
      n.stdout.find((l) => l.startsWith("chat web on "))!.slice("chat web on ".length);
    const { client: bob } = await joinJson(n1.port, "bob", { rooms: ["lobby"] });
    const { client: carol } = await joinJson(n2.port, "carol", { rooms: ["lobby"] });
    const g = await grant(bob, "shared.txt", 11);
    assert.equal((await fetch(g.url, { method: "PUT", body: "hello nodes" })).status, 201);
    const m = await carol.event("message", 10_000);
    const url = new URL((m.file as { url: string }).url);
    assert.equal(url.origin, web(n1));
    const other = await fetch(web(n2) + url.pathname);
    assert.equal(other.status, 200);
    assert.equal(await other.text(), "hello nodes");
    await bob.close();
    await carol.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("one-time upload URLs expire after 10 minutes and give their space back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-files-ttl-" });
  try {
    let now = 1_000_000;
    const clock = { now: () => now };
    const store = await FileStore.open(dir, { maxTotalBytes: 100, log: () => {} });
    const files = new WebFiles({
      store,
      maxFileSize: 100,
      baseUrl: "http://x",
      clock,
      log: () => {},
    });
    const member = { name: "bob" } as Member;
    const room = { name: "lobby" } as Room;
    const g = files.request(member, room, "a.bin", 80);
    assert.ok("url" in g);
    // The space is held while the URL is valid.
    assert.ok("code" in files.request(member, room, "b.bin", 30));
    now += UPLOAD_TTL_MS + 1;
    const id = g.url.split("/").pop()!;
    assert.equal(files.take(id), undefined, "expired");
    assert.ok("url" in files.request(member, room, "c.bin", 90), "its 80 bytes are free again");
    files.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
