/**
 * How the fuzzer judges and tells: which log lines are errors, how a
 * bystander's messages differ from what was sent, how a case and the
 * figures are printed, and the bounded waits it uses.
 */
import type { FuzzFigures } from "./fuzz_run.ts";
import type { FuzzCase } from "./fuzz_cases.ts";

/** Waits `ms`. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True when `p` settles within `ms` (its timer is cleared either way). */
export async function settled(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((r) => timer = setTimeout(() => r(false), ms));
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

const LOG_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z (\w+)\s/;

/**
 * The server's stderr lines from `from` on that tell of a failure: an ERROR
 * log line (with the stack lines after it), or outside the log format,
 * anything Deno prints for an uncaught error (`error: Uncaught …`). Log lines
 * of other levels never count, whatever names or texts they quote.
 *
 * @example
 * errorLines(["2026-01-01T00:00:00.000Z ERROR web request failed"], 0) // one entry
 */
export function errorLines(lines: readonly string[], from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < lines.length; i++) {
    const m = LOG_LINE.exec(lines[i]);
    if (m ? m[1] !== "ERROR" : !/Uncaught|\berror:/i.test(lines[i])) continue;
    let entry = lines[i];
    for (let j = i + 1; j < lines.length && j <= i + 3 && !LOG_LINE.test(lines[j]); j++) {
      entry += "\n" + lines[j];
    }
    out.push(entry);
  }
  return out;
}

/**
 * How the legitimate messages a bystander saw differ from those sent, in ack
 * order: the first one lost, duplicated, out of place or with another seq
 * than its ack's; null when they are the same.
 */
export function compare(
  seen: readonly { text: string; seq?: number }[],
  sent: readonly { text: string; seq: number }[],
): { what: string; detail: string } | null {
  const texts = seen.map((s) => s.text);
  for (let i = 0; i < Math.max(seen.length, sent.length); i++) {
    const got = seen[i], due = sent[i];
    if (got && due && got.text === due.text) {
      if (got.seq !== undefined && got.seq !== due.seq) {
        return {
          what: "seq",
          detail: `"${due.text}" came with seq ${got.seq}, acked as ${due.seq}`,
        };
      }
      continue;
    }
    const times = got ? texts.filter((t) => t === got.text).length : 0;
    if (times > 1) return { what: "duplicated", detail: `"${got.text}" arrived ${times} times` };
    if (!got || !texts.includes(due.text)) {
      return {
        what: "lost",
        detail: `"${due.text}" never arrived (${seen.length} of ${sent.length} did)`,
      };
    }
    // A text seen but not yet acked when the check ran cannot be judged yet.
    if (!due) return null;
    return { what: "reordered", detail: `"${got.text}" arrived where "${due.text}" was due` };
  }
  return null;
}

/** Bytes as text: printable ASCII as is, everything else as \xNN; long ones cut. */
export function escapeBytes(b: Uint8Array, most = 240): string {
  let s = "";
  for (const x of b.subarray(0, most)) {
    s += x >= 0x20 && x < 0x7f && x !== 0x5c
      ? String.fromCharCode(x)
      : x === 0x5c
      ? "\\\\"
      : x === 10
      ? "\\n"
      : `\\x${x.toString(16).padStart(2, "0")}`;
  }
  return b.length > most ? `${s}… (${b.length} bytes)` : s;
}

/** One line that says what a case sends, enough to replay it by hand. */
export function describeCase(item: { target: { name: string }; c: FuzzCase }): string {
  const { target, c } = item;
  const writes = c.steps.flatMap((s) => s.op === "write" ? [s.bytes] : []);
  const all = new Uint8Array(writes.reduce((n, w) => n + w.length, 0));
  writes.reduce((off, w) => (all.set(w, off), off + w.length), 0);
  return `${target.name}/${c.kind} (prelude ${c.prelude}, ${writes.length} writes, ` +
    `end ${c.end}): "${escapeBytes(all)}"`;
}

/** The figures of a run as lines for a terminal. */
export function formatFigures(f: FuzzFigures): string[] {
  const kinds = Object.entries(f.cases).sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`);
  const lines = [
    `seed ${f.seed}: ${f.batches} batches in ${f.seconds.toFixed(1)} s`,
    `${f.casesTotal} cases on ${f.connections} connections, ` +
    `${(f.bytesSent / 1e6).toFixed(1)} MB of hostile bytes`,
    `${f.legitSent} legitimate messages, ${f.deliveriesChecked} deliveries checked, ` +
    `${f.seqChecked} seqs checked by JSON bystanders`,
  ];
  for (let i = 0; i < kinds.length; i += 6) lines.push("  " + kinds.slice(i, i + 6).join(", "));
  lines.push(
    f.violations.length === 0
      ? "no violations"
      : `${f.violations.length} violations, first in batch ${f.violations[0].batch}`,
  );
  return lines;
}
