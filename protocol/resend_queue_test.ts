import assert from "node:assert/strict";
import { ResendQueue, type RetryClock, type Sendable } from "./resend_queue.ts";

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A clock that only moves when told to. */
class FakeClock implements RetryClock {
  t = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.#timers.set(this.#next, { at: this.t + ms, fn });
    return this.#next++;
  }
  clearTimeout(id: unknown): void {
    this.#timers.delete(id as number);
  }
  /** Moves time on by `ms`, running the timers that fall due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    while (true) {
      const due = [...this.#timers].filter(([, t]) =>
        t.at <= end
      ).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
  get pending(): number {
    return this.#timers.size;
  }
}

function setup(connected = true) {
  const clock = new FakeClock();
  const sent: Sendable[][] = [];
  const state = { connected };
  const q = new ResendQueue({
    clock,
    jitter: 0,
    send: (evs) => {
      if (!state.connected) return false;
      sent.push(evs);
      return true;
    },
  });
  return { clock, sent, q, state };
}

Deno.test("every say and me gets a valid id and its own ref; a DM gets a ref only", () => {
  const { q } = setup();
  const a = q.add({ type: "say", text: "a", room: "dev" });
  const b = q.add({ type: "me", text: "b" });
  const d = q.add({ type: "dm", to: "alice", text: "psst" });
  assert.match(a.id!, ID);
  assert.match(b.id!, ID);
  assert.notEqual(a.id, b.id);
  assert.equal(d.id, undefined);
  assert.deepEqual([a.ref, b.ref, d.ref], ["c1", "c2", "c3"]);
  assert.equal(a.room, "dev");
  assert.equal(q.size, 3);
  assert.equal(q.settle(a.ref)?.text, "a");
  assert.equal(q.settle(a.ref), undefined);
  assert.equal(q.settleOldest(), b);
  assert.equal(q.size, 1);
});

Deno.test("server_error: the same message, same id, again after 0.5 s, 1 s, 2 s … up to 5 s", () => {
  const { clock, sent, q } = setup();
  const a = q.add({ type: "say", text: "a" });
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    assert.equal(q.failed(a.ref)?.kind, "retry");
    assert.equal(q.retrying, 1);
    const start = clock.t;
    const before = sent.length;
    while (sent.length === before) clock.advance(100);
    delays.push(clock.t - start);
    assert.deepEqual(sent.at(-1), [a], "the very same event: same id, same text");
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 5000, 5000]);
  assert.equal(q.settle(a.ref), a, "the ack of a retry settles it");
  assert.equal(q.retrying, 0);
  assert.equal(clock.pending, 0);
});

Deno.test("server_error for 2 minutes: the message is given up and removed", () => {
  const { clock, q } = setup();
  const a = q.add({ type: "me", text: "waves" });
  assert.equal(q.failed(a.ref)?.kind, "retry");
  clock.advance(119_000);
  assert.equal(q.failed(a.ref)?.kind, "retry");
  clock.advance(1_000);
  assert.deepEqual(q.failed(a.ref), { kind: "gave-up", event: a });
  assert.equal(q.size, 0);
  assert.equal(q.failed(a.ref), undefined, "not ours any more");
});

Deno.test("failed messages are retried together, in the order they were sent", () => {
  const { clock, sent, q } = setup();
  const a = q.add({ type: "say", text: "a" });
  const b = q.add({ type: "say", text: "b" });
  const c = q.add({ type: "say", text: "c" });
  q.settle(b.ref);
  q.failed(c.ref);
  q.failed(a.ref);
  clock.advance(500);
  assert.deepEqual(sent, [[a, c]]);
});

Deno.test("a DM or an unknown ref is not retried: the caller settles it as an error", () => {
  const { q } = setup();
  const d = q.add({ type: "dm", to: "alice", text: "psst" });
  assert.equal(q.failed(d.ref), undefined);
  assert.equal(q.failed("nope"), undefined);
  assert.equal(q.failed(undefined), undefined);
  assert.equal(q.size, 1);
});

Deno.test("after a reconnect everything waiting goes again in order, retries included", () => {
  const { clock, sent, q, state } = setup();
  const a = q.add({ type: "say", text: "a" });
  const b = q.add({ type: "say", text: "b" });
  const d = q.add({ type: "dm", to: "alice", text: "c" });
  q.failed(a.ref);
  state.connected = false;
  clock.advance(500); // the retry finds no connection: it waits for the reconnect
  assert.deepEqual(sent, []);
  state.connected = true;
  assert.deepEqual(q.resendAll(), [a, b, d]);
  assert.equal(clock.pending, 0);
  clock.advance(10_000);
  assert.deepEqual(sent, [], "nothing twice: the resend took the retry's place");
  assert.equal(q.retrying, 1, "a is still being retried until it is acked");
  q.clear();
  assert.equal(q.size, 0);
});

Deno.test("the resumed history shows which of ours arrived: one stored message for one of ours", () => {
  const { q } = setup();
  const a = q.add({ type: "say", text: "ok" });
  const b = q.add({ type: "say", text: "ok" });
  const c = q.add({ type: "me", text: "ok" });
  const d = q.add({ type: "say", text: "ok", room: "dev" });
  const ts = "2026-01-01T00:00:00Z";
  const arrived = q.arrived(
    [
      { type: "message", room: "lobby", seq: 7, ts, from: "Bob", text: "ok" },
      { type: "message", room: "lobby", seq: 8, ts, from: "alice", text: "ok" },
    ],
    "bob",
    "lobby",
  );
  assert.deepEqual(arrived, [a], "one stored 'ok' by bob in the lobby: the oldest of ours");
  assert.deepEqual(q.resendAll(), [b, c, d]);
});

Deno.test("while a message waits for its retry, later ones are held behind it and go with it, in order", () => {
  const { clock, sent, q } = setup();
  const a = q.add({ type: "say", text: "a" });
  assert.equal(q.held(a.ref), false);
  q.failed(a.ref);
  const b = q.add({ type: "say", text: "b" });
  const d = q.add({ type: "dm", to: "x", text: "dm" });
  assert.equal(q.held(b.ref), true, "b waits behind a");
  assert.equal(q.held(d.ref), false, "a DM is in no room's order");
  clock.advance(500);
  assert.deepEqual(sent.map((evs) => evs.map((e) => e.text)), [["a", "b"]]);
  q.settle(a.ref);
  q.settle(b.ref);
  const c = q.add({ type: "say", text: "c" });
  assert.equal(q.held(c.ref), false, "nothing waits: sent at once");
});
