/**
 * Summarises a V8 .cpuprofile (from `deno run --cpu-prof`) as the top
 * functions by self time, and by total (inclusive) time.
 *
 *   deno run -R bench/profile_summary.ts FILE.cpuprofile [TOP]
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One row of the summary: a function and the time spent in it. */
export interface Row {
  name: string;
  selfMs: number;
  totalMs: number;
}

function short(url: string): string {
  const i = url.indexOf("/main/");
  if (i >= 0) return url.slice(i + 6);
  return url.replace(/^file:\/\//, "").replace(/^ext:/, "ext:");
}

function keyOf(f: CallFrame): string {
  const name = f.functionName || "(anonymous)";
  if (!f.url) return name;
  return `${name} ${short(f.url)}:${f.lineNumber + 1}`;
}

/** Self and inclusive time per function, heaviest self time first. */
export function summarize(profile: Profile): { rows: Row[]; totalMs: number } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const id = profile.samples[i];
    totalUs += dt;
    const node = byId.get(id);
    if (!node) continue;
    const k = keyOf(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + dt);
    // inclusive: each function once per sample, however deep the recursion
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = keyOf(byId.get(cur)!.callFrame);
      if (seen.has(ck)) continue;
      seen.add(ck);
      total.set(ck, (total.get(ck) ?? 0) + dt);
    }
  }
  const rows = [...self.entries()].map(([name, us]) => ({
    name,
    selfMs: us / 1000,
    totalMs: (total.get(name) ?? us) / 1000,
  }));
  rows.sort((a, b) => b.selfMs - a.selfMs);
  return { rows, totalMs: totalUs / 1000 };
}

if (import.meta.main) {
  const [file, topArg] = Deno.args;
  if (!file) {
    console.error("usage: profile_summary.ts FILE.cpuprofile [TOP]");
    Deno.exit(2);
  }
  const top = Number(topArg ?? 20);
  const { rows, totalMs } = summarize(JSON.parse(await Deno.readTextFile(file)));
  const pct = (ms: number) => (100 * ms / totalMs).toFixed(1);
  console.log(`profile ${file}: ${(totalMs / 1000).toFixed(2)} s sampled\n`);
  console.log("| self % | self ms | total % | function |");
  console.log("|---:|---:|---:|---|");
  for (const r of rows.slice(0, top)) {
    console.log(
      `| ${pct(r.selfMs)} | ${r.selfMs.toFixed(0)} | ${pct(r.totalMs)} | \`${r.name}\` |`,
    );
  }
}
