import assert from "node:assert/strict";
import type { ChatMessage } from "../../protocol/events.ts";
import { Frame, FrameRun, type Mode } from "./frame.ts";

const dec = new TextDecoder();
const text = (parts: Uint8Array[]) => parts.map((p) => dec.decode(p)).join("");

function batch(n: number): { frames: Frame[]; acks: Frame[] } {
  const msgs: ChatMessage[] = Array.from({ length: n }, (_, i) => ({
    type: "message",
    seq: i + 1,
    ts: "2026-11-25T00:00:00.000Z",
    from: `u${i % 3}`,
    text: `m${i} ünïcode`,
  }));
  return {
    frames: msgs.map((m) => new Frame(m)),
    acks: msgs.map((m) => new Frame({ type: "ack", ref: `r${m.seq}`, seq: m.seq })),
  };
}

Deno.test("a run's slices are the frames one by one, with acks in place of own lines", () => {
  for (const n of [1, 2, 7]) {
    const { frames, acks } = batch(n);
    const run = new FrameRun(frames);
    const owns: (number[] | undefined)[] = [undefined, [], [0], [n - 1], [...new Set([0, n - 1])]];
    if (n > 2) owns.push([1], [1, 2]);
    for (const mode of ["plain", "json"] as Mode[]) {
      for (const own of owns) {
        const expected = frames.map((f, i) => (own?.includes(i) ? acks[i] : f).bytes(mode))
          .filter((b): b is Uint8Array => b !== null);
        assert.equal(
          text(run.slices(mode, own, acks)),
          text(expected),
          `${mode} n=${n} own=${own}`,
        );
      }
    }
  }
});

Deno.test("a member who sent none of the run gets the one shared buffer", () => {
  const { frames, acks } = batch(5);
  const run = new FrameRun(frames);
  const a = run.slices("plain", undefined, acks);
  const b = run.slices("plain", undefined, acks);
  assert.equal(a.length, 1);
  assert.equal(a[0], b[0]);
});
