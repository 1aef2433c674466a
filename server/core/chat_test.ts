import assert from "node:assert/strict";
import type { ServerEvent } from "../../protocol/events.ts";
import { FakeClock } from "./clock.ts";
import type { Frame, Mode } from "./frame.ts";
import { MemoryHistory } from "./history.ts";
import type { Peer } from "./peer.ts";
import { Chat } from "./chat.ts";
import { Session } from "./session.ts";

// The core without sockets: an in-memory peer records what each member is sent.
class MemoryPeer implements Peer {
  mode: Mode = "plain";
  readonly label = "memory";
  readonly address = "192.0.2.1";
  readonly frames: Frame[] = [];
  readonly tagged: boolean[] = [];
  closed = false;
  send(frame: Frame, tagged = false): void {
    this.frames.push(frame);
    this.tagged.push(tagged);
  }
  close(): void {
    this.closed = true;
  }
  events(): ServerEvent[] {
    return this.frames.map((f) => f.event);
  }
  plain(): string {
    return this.frames.map((f, i) =>
      new TextDecoder().decode(f.bytes(this.mode, this.tagged[i]) ?? new Uint8Array())
    ).join("");
  }
}

function setup(history = new MemoryHistory(50)) {
  const clock = new FakeClock();
  const chat = new Chat({ history, clock, version: "test" });
  const join = (name: string, line?: string) => {
    const peer = new MemoryPeer();
    const s = new Session(chat, peer, { maxLineBytes: 4096 });
    s.start();
    s.handle(line ?? name);
    return { s, peer };
  };
  return { chat, clock, join };
}

const tick = () => new Promise<void>((r) => queueMicrotask(r));

Deno.test("a broadcast is encoded once and the same bytes go to every member", async () => {
  const { join } = setup();
  const a = join("a");
  const members = ["b", "c", "d"].map((n) => join(n));
  a.s.handle("hello");
  await tick();
  const frames = members.map((m) => m.peer.frames.at(-1)!);
  assert.ok(frames.every((f) => f === frames[0]), "one frame object for all");
  assert.ok(frames.every((f) => f.plainLine === frames[0].plainLine), "one encoding for all");
});

Deno.test("messages posted in one turn are stored as one batch before anyone sees them", async () => {
  const batches: number[] = [];
  const history = new MemoryHistory(50);
  const append = history.append.bind(history);
  history.append = (b) => {
    batches.push(b.length);
    append(b);
  };
  const { join } = setup(history);
  const a = join("a");
  const b = join("b");
  for (let i = 0; i < 5; i++) a.s.handle(`m${i}`);
  assert.equal(b.peer.events().filter((e) => e.type === "message").length, 0);
  await tick();
  assert.deepEqual(batches, [5]);
  assert.equal(b.peer.events().filter((e) => e.type === "message").length, 5);
});

Deno.test("a failed store acks nothing and tells the sender; the room carries on", async () => {
  const history = new MemoryHistory(50);
  let fail = true;
  const append = history.append.bind(history);
  history.append = (b) => {
    if (fail) throw new Error("disk full");
    append(b);
  };
  const { join } = setup(history);
  const a = join("a", '{"type":"hello","name":"a"}');
  const b = join("b");
  a.s.handle('{"type":"say","text":"lost","ref":"1"}');
  await tick();
  const err = a.peer.events().at(-1)!;
  assert.deepEqual(err.type === "error" && [err.code, err.ref], ["server_error", "1"]);
  assert.equal(b.peer.events().filter((e) => e.type === "message").length, 0);
  fail = false;
  a.s.handle('{"type":"say","text":"kept","ref":"2"}');
  await tick();
  assert.deepEqual(a.peer.events().at(-1), { type: "ack", room: "lobby", ref: "2", seq: 1 });
});

Deno.test("a leave after a message is seen after it: one order for everything", async () => {
  const { join } = setup();
  const a = join("a");
  const b = join("b");
  a.s.handle("bye now");
  a.s.end("quit");
  await tick();
  const types = b.peer.events().map((e) => e.type).slice(-2);
  assert.deepEqual(types, ["message", "leave"]);
});

Deno.test("timestamps come from the injected clock", async () => {
  const { join, clock } = setup();
  const a = join("a");
  const b = join("b");
  clock.advance(90_000);
  a.s.handle("tick");
  await tick();
  const m = b.peer.events().at(-1)!;
  assert.equal(m.type === "message" && m.ts, "2026-01-01T00:01:30.000Z");
});
