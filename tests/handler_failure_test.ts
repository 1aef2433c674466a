// A bug in a handler drops that one connection with an ERROR line and
// nothing else: the process stays up and every other client carries on.
// The bugs are planted from outside the product code (failing_server.ts
// patches Session), on a real server over real sockets.
import assert from "node:assert/strict";
import { joinJson, LineClient, type ServerProcess, waitFor } from "./helpers.ts";
import { startWebServer, WsClient } from "./web_helpers.ts";

const SCRIPT = new URL("./failing_server.ts", import.meta.url).pathname;

function errors(server: ServerProcess): string[] {
  return server.stderr.filter((l) => / ERROR /.test(l));
}

/** Both kinds of bystander, joined; each checks the room still works for it. */
async function bystanders(server: { port: number; http: string }) {
  const tcp = (await joinJson(server.port, "tcpwatcher")).client;
  const ws = (await WsClient.join(server.http, "wswatcher", { reserve: false })).client;
  return {
    tcp,
    ws,
    /** Both see `name` leave, then a message from each reaches the other. */
    async sawLeaveAndStillChat(name: string) {
      await tcp.until((l) => l.includes(`"leave"`) && l.includes(`"${name}"`));
      const left = await ws.event("leave");
      assert.equal(left.name, name);
      await tcp.sendJson({ type: "say", text: "from tcp" });
      assert.equal((await ws.event("message")).text, "from tcp");
      ws.send({ type: "say", text: "from ws" });
      const m = JSON.parse(await tcp.until((l) => l.includes(`"from ws"`)));
      assert.equal(m.from, "wswatcher");
    },
    async close() {
      await tcp.close();
      await ws.close();
    },
  };
}

async function withFailingServer(
  fn: (s: ServerProcess & { http: string }) => Promise<void>,
  env: Record<string, string> = {},
) {
  const server = await startWebServer(["--handshake-timeout", "1"], { script: SCRIPT, env });
  try {
    await fn(server);
    // Still the same process, and a newcomer is served.
    const alive = await Promise.race([server.exited, new Promise((r) => setTimeout(r, 100, "up"))]);
    assert.equal(alive, "up", `server exited: ${server.stderr.join("\n")}`);
    const late = await joinJson(server.port, "latecomer");
    await late.client.close();
  } finally {
    await server.stop("SIGKILL");
  }
}

Deno.test("TCP: a line whose handler throws drops that connection with one ERROR line", async () => {
  await withFailingServer(async (server) => {
    const room = await bystanders(server);
    const { client: victim } = await joinJson(server.port, "victim");
    await victim.sendJson({ type: "say", text: "boom!" });
    await victim.closed(3000);
    assert.equal(victim.eof, true);
    await waitFor(() => errors(server).length > 0, "the ERROR line");
    const [line, ...more] = errors(server);
    assert.deepEqual(more, []);
    assert.match(
      line,
      /ERROR BUG: tcp 127\.0\.0\.1:\d+ dropped, its handler failed: Error: planted/,
    );
    assert.match(server.stderr.join("\n"), /at Session\.handle/, "the stack is logged");
    await room.sawLeaveAndStillChat("victim");
    // The name was let go.
    (await joinJson(server.port, "victim")).client.close();
    await room.close();
  });
});

Deno.test("WebSocket: a frame whose handler throws drops that socket with one ERROR line", async () => {
  await withFailingServer(async (server) => {
    const room = await bystanders(server);
    const { client: victim } = await WsClient.join(server.http, "victim", { reserve: false });
    victim.send({ type: "say", text: "boom!" });
    // Frames after the failure are not left queued on a live socket.
    victim.send({ type: "say", text: "after the bug" });
    await Promise.race([victim.closedPromise, new Promise((r) => setTimeout(r, 3000))]);
    assert.equal(victim.closed, true, "the victim's socket was dropped");
    await waitFor(() => errors(server).length > 0, "the ERROR line");
    const [line, ...more] = errors(server);
    assert.deepEqual(more, []);
    assert.match(
      line,
      /ERROR BUG: ws 127\.0\.0\.1:\d+ dropped, its handler failed: Error: planted/,
    );
    await room.sawLeaveAndStillChat("victim");
    assert.equal(room.tcp.buffered.some((l) => l.includes("after the bug")), false);
    (await WsClient.join(server.http, "victim", { reserve: false })).client.close();
    await room.close();
  });
});

Deno.test("a throw while ending a member, on either port, is logged and the server carries on", async () => {
  await withFailingServer(async (server) => {
    const room = await bystanders(server);
    // WebSocket: the end runs from the socket's close event.
    const { client: ws } = await WsClient.join(server.http, "fragile-ws", { reserve: false });
    await ws.close();
    await waitFor(() => errors(server).length >= 1, "the WebSocket's ERROR line");
    assert.match(errors(server)[0], /BUG: ws .* dropped, its handler failed: Error: planted bug/);
    await room.sawLeaveAndStillChat("fragile-ws");
    // TCP: the end runs after the read loop.
    const { client: tcp } = await joinJson(server.port, "fragile-tcp");
    await tcp.close();
    await waitFor(() => errors(server).length >= 2, "the TCP ERROR line");
    assert.match(errors(server)[1], /BUG: ending tcp .* failed: Error: planted bug in end/);
    await room.sawLeaveAndStillChat("fragile-tcp");
    // A timer: the handshake deadline ends a client that never joined.
    const idle = await LineClient.connect(server.port);
    await waitFor(() => errors(server).length >= 3, "the timer's ERROR line", 4000);
    assert.match(errors(server)[2], /BUG: tcp .* dropped, ending it failed: Error: planted bug/);
    await idle.closed(3000);
    assert.equal(idle.eof, true, "the idle connection was closed");
    assert.equal(errors(server).length, 3);
    await room.close();
  });
});

Deno.test("a throw on a path no connection owns (a timer) is logged by the last resort; the server carries on", async () => {
  await withFailingServer(async (server) => {
    const room = await bystanders(server);
    // The sweep runs every 5 s.
    await waitFor(() => errors(server).length > 0, "the sweep's ERROR line", 8000);
    const [line, ...more] = errors(server);
    assert.deepEqual(more, []);
    assert.match(line, /ERROR BUG: uncaught error: Error: planted bug in the sweep/);
    assert.match(server.stderr.join("\n"), /at Hub\.sweep/, "the stack is logged");
    await room.tcp.sendJson({ type: "say", text: "after the sweep" });
    assert.equal((await room.ws.event("message")).text, "after the sweep");
    await room.close();
  }, { PLANT_SWEEP_BUG: "1" });
});
