import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { parseServeConfig } from "../server/config.ts";
import { joinJson, LineClient, startServer } from "./helpers.ts";
import { tempDir } from "./storage_helpers.ts";

Deno.test("messages survive a restart, replay in both modes and seq goes on", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    let server = await startServer(["--db", db], { lines: 2 });
    assertEquals(server.stdout[1], `history: ${db}, 0 messages`);
    const { client: alice } = await joinJson(server.port, "alice");
    const acks: number[] = [];
    for (const [i, text] of ["one", "two", "three"].entries()) {
      await alice.sendJson({ type: i === 2 ? "me" : "say", text, ref: `r${i}` });
      acks.push((await alice.event("ack")).seq as number);
    }
    assertEquals(acks, [1, 2, 3]);
    await alice.close();
    assertEquals(await server.stop(), 0);

    server = await startServer(["--db", db, "--history", "2"], { lines: 2 });
    try {
      assertEquals(server.stdout[1], `history: ${db}, 3 messages`);
      // Plain mode: the last --history messages between the markers, before the welcome.
      const carol = await LineClient.connect(server.port);
      await carol.line();
      await carol.send("carol");
      assertEquals(await carol.line(), "* Last 2 messages:");
      assertEquals(await carol.line(), "alice: two");
      assertEquals(await carol.line(), "* alice three");
      assertEquals(await carol.line(), "* End of history.");
      assertMatch(await carol.line(), /^\* Welcome, carol!/);

      // JSON mode: replay in the welcome, and `since` resumes across the restart.
      const { client: bob, welcome } = await joinJson(server.port, "bob");
      assertEquals((welcome.history as { seq: number }[]).map((m) => m.seq), [2, 3]);
      await bob.sendJson({ type: "say", text: "four", ref: "b1" });
      assertEquals(await bob.event("ack"), { type: "ack", room: "lobby", ref: "b1", seq: 4 });
      assertEquals(await carol.until((l) => l.startsWith("bob:")), "bob: four");
      const { client: dave, welcome: resumed } = await joinJson(server.port, "dave", { since: 1 });
      assertEquals(
        (resumed.history as { seq: number; text: string; action?: boolean }[]).map((m) => [
          m.seq,
          m.text,
          m.action ?? false,
        ]),
        [[2, "two", false], [3, "three", true], [4, "four", false]],
      );
      await Promise.all([carol.close(), bob.close(), dave.close()]);
    } finally {
      await server.stop();
    }

    // A third run still continues the sequence.
    server = await startServer(["--db", db], { lines: 2 });
    try {
      assertEquals(server.stdout[1], `history: ${db}, 4 messages`);
      const { client: erin } = await joinJson(server.port, "erin");
      await erin.sendJson({ type: "say", text: "five", ref: "e1" });
      assertEquals((await erin.event("ack")).seq, 5);
      await erin.close();
    } finally {
      await server.stop();
    }
  } finally {
    await dir.remove();
  }
});

Deno.test("--db :memory: keeps history only while the server runs", async () => {
  const dir = await tempDir();
  try {
    let server = await startServer(["--db", ":memory:"], { lines: 2, cwd: dir.path });
    assertEquals(server.stdout[1], "history: in memory only (--db :memory:), 0 messages");
    const { client } = await joinJson(server.port, "alice");
    await client.sendJson({ type: "say", text: "gone soon", ref: "1" });
    assertEquals((await client.event("ack")).seq, 1);
    const { client: bob, welcome } = await joinJson(server.port, "bob");
    assertEquals((welcome.history as unknown[]).length, 1);
    await Promise.all([client.close(), bob.close()]);
    await server.stop();
    server = await startServer(["--db", ":memory:"], { lines: 2, cwd: dir.path });
    assertEquals(server.stdout[1], "history: in memory only (--db :memory:), 0 messages");
    await server.stop();
    assertEquals([...Deno.readDirSync(dir.path)], []);
  } finally {
    await dir.remove();
  }
});

Deno.test("the default database is chat.db, CHAT_DB picks another, relative to the working directory", async () => {
  assertEquals(parseServeConfig([], {}).db, "chat.db");
  assertEquals(parseServeConfig([], { CHAT_DB: "x.db" }).db, "x.db");
  assertEquals(parseServeConfig(["--db", "y.db"], { CHAT_DB: "x.db" }).db, "y.db");
  const dir = await tempDir();
  try {
    const server = await startServer([], { lines: 2, cwd: dir.path, env: { CHAT_DB: "other.db" } });
    assertEquals(server.stdout[1], "history: other.db, 0 messages");
    await server.stop();
    assertEquals(Deno.statSync(`${dir.path}/other.db`).isFile, true);
  } finally {
    await dir.remove();
  }
});
