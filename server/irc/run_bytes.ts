import type { FrameEncoder, FrameRun, Joined } from "../core/frame.ts";

/** A run's bytes in one IRC encoding (null: not every frame is a room message). */
interface Cached {
  run: FrameRun;
  joined: Joined | null;
}

/** The last run joined, per encoder: a run goes to every member of its room in one pass. */
const last = new WeakMap<FrameEncoder, Cached>();

/**
 * Every frame's IRC bytes of `run` back to back, and the offset each one ends
 * at, made once per run and encoder (not once per member and frame); null
 * when a frame is not a room message (shared alike, see IrcPeer).
 */
export function runBytes(run: FrameRun, encoder: FrameEncoder): Joined | null {
  const hit = last.get(encoder);
  if (hit !== undefined && hit.run === run) return hit.joined;
  const joined = join(run, encoder);
  last.set(encoder, { run, joined });
  return joined;
}

function join(run: FrameRun, encoder: FrameEncoder): Joined | null {
  const parts: (Uint8Array | null)[] = [];
  const ends: number[] = [];
  let total = 0;
  for (const f of run.frames) {
    const e = f.event;
    if (e.type !== "message" || e.room === undefined) return null;
    const b = f.encoded(encoder);
    parts.push(b);
    total += b ? b.length : 0;
    ends.push(total);
  }
  if (parts.length === 1) return { bytes: parts[0] ?? new Uint8Array(0), ends };
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const b of parts) {
    if (!b) continue;
    bytes.set(b, off);
    off += b.length;
  }
  return { bytes, ends };
}
