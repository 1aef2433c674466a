/**
 * Turns one matrix of loadgen JSON lines (bench/run.sh) into the side-by-side
 * table and chat's goals, as markdown.
 *
 *   deno run -R -W bench/summarize.ts results.jsonl [MATRIX_ID] [OUT.md]
 *
 * Only figures of one matrix are compared: the machine is shared and noisy.
 */

import { FLOOR, scaleSection } from "./scale/scale_summary.ts";
import { f, k, mean } from "./format.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** One loadgen line (or a staller/note line) with its label split up. */
export interface Row extends Record<string, Json> {
  mid: string;
  peer: string;
  cell: string;
  rep: number;
}

const OUTBOX_KB = 1024; // chat's default --max-outbox

/** Parses JSON lines; lines that are not JSON are skipped. */
export function parseRows(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    try {
      const r = JSON.parse(line);
      const [mid, peer, cell, rep] = String(r.label ?? "").split("|");
      rows.push({ ...r, mid, peer, cell, rep: Number(rep) || 1 });
    } catch {
      // a torn line from an interrupted run
    }
  }
  return rows;
}

/** True when every expected delivery arrived, once, in order, intact. */
function clean(r: Row): boolean {
  return r.lost === 0 && r.duplicated === 0 && r.reordered === 0 && r.corrupt_lines === 0 &&
    !(r.misrouted > 0) && !r.stalled && !r.timed_out;
}

function status(r: Row | undefined): string {
  if (!r) return "–";
  const s = [
    r.lost > 0 && `${k(r.lost)} lost`,
    r.duplicated > 0 && `${r.duplicated} dup`,
    r.reordered > 0 && `${r.reordered} reord`,
    r.corrupt_lines > 0 && `${r.corrupt_lines} corrupt`,
    r.misrouted > 0 && `${r.misrouted} misrouted`,
    r.stalled && "stalled",
    r.timed_out && "timeout",
    r.join_wait_timed_out && "join-timeout",
    r.connect_failures > 0 && `${r.connect_failures} conn-fail`,
    r.disconnects > 0 && `${r.disconnects} disc`,
  ].filter(Boolean);
  return s.length ? s.join(", ") : "ok";
}

/** chat on its IRC port (`chat serve --irc-port`, bench/irc/start.sh), and the IRC servers it is held against. */
const IRC_PEER = "chat-irc";
const IRC_RIVALS = ["ngircd", "inspircd"];

/** status(), and the IRC numerics 4xx/5xx and ERROR lines the loadgen counted. */
function ircStatus(r: Row): string {
  const s = [
    status(r).replace("join-timeout", joinWait(r)),
    r.server_errors > 0 && `${r.server_errors} server errors`,
    r.registration_failures > 0 && `${r.registration_failures} not registered`,
  ].filter((x) => x && x !== "ok");
  return s.length ? s.join(", ") : "ok";
}

/**
 * A join wait that ran out: clients whose names (353 on joining, then JOINs)
 * never counted every client. The run still goes on, after the bound.
 */
function joinWait(r: Row): string {
  return r.join_wait_timed_out
    ? `join wait timed out (${r.join_incomplete ?? "?"} of ${r.clients} never saw every member)`
    : "";
}

/** clean(), and no error replies, refused connects or failed registrations. */
function ircClean(r: Row): boolean {
  return clean(r) && !(r.server_errors > 0) && !(r.connect_failures > 0) &&
    !(r.registration_failures > 0);
}

/** CPU-seconds the server spent per million deliveries. */
function cpuPerM(r: Row): number {
  return r.delivered > 0 ? r.server_cpu_s / (r.delivered / 1e6) : NaN;
}

/** Server CPU microseconds per message posted. */
function cpuPerMsg(r: Row): number {
  return r.sent > 0 ? r.server_cpu_s / r.sent * 1e6 : NaN;
}

/** (max − min) / mean: how far repeats of one cell lie apart. */
function spread(xs: number[]): number {
  const m = mean(xs);
  return xs.length > 1 && m ? (Math.max(...xs) - Math.min(...xs)) / m : 0;
}

/** 1000 clients entering rooms: everybody in, nothing refused or lost. */
function enterClean(r: Row): boolean {
  return r.entered === r.clients && r.enter_incomplete === 0 && r.join_errors === 0 &&
    r.connect_failures === 0 && r.registration_failures === 0 && r.rooms_short === 0 &&
    !r.stalled && !r.timed_out;
}

function enterStatus(r: Row): string {
  const s = [
    r.entered !== r.clients && `${r.entered}/${r.clients} in`,
    r.join_errors > 0 && `${r.join_errors} join errors`,
    r.connect_failures > 0 && `${r.connect_failures} conn-fail`,
    r.registration_failures > 0 && `${r.registration_failures} not registered`,
    r.rooms_short > 0 && `${r.rooms_short} rooms short`,
    r.stalled && "stalled",
    r.timed_out && "timeout",
  ].filter(Boolean);
  return s.length ? s.join(", ") : "ok";
}

/** The markdown summary of matrix `mid`. */
export function summarize(all: Row[], mid: string): string {
  const R = all.filter((r) => r.mid === mid && r.cell !== "calibrate");
  const peers = [...new Set(R.map((r) => r.peer))];
  const get = (peer: string, cell: string, pred: (r: Row) => boolean = () => true) =>
    R.filter((r) => r.peer === peer && r.cell === cell && pred(r));
  const win = (peer: string, n: number) => get(peer, "window", (r) => r.clients === n);
  const winRate = (peer: string, n: number) => {
    const rs = win(peer, n);
    return rs.length ? mean(rs.map((r) => r.deliveries_per_s)) : undefined;
  };
  const winCpu = (peer: string, n: number) => mean(win(peer, n).map(cpuPerM));
  const out: string[] = [];
  const p = (s = "") => out.push(s);
  /** kB of server RSS per idle client in cell `c`, with what makes it no full sample. */
  const idleOf = (peer: string, c: string) => {
    const r = get(peer, c)[0];
    if (!r) return "–";
    if (r.registration_failures > 0) {
      return `${f(r.server_rss_kb_per_client, 1)} (${r.registration_failures} not registered)`;
    }
    return r.open_at_end === r.clients
      ? f(r.server_rss_kb_per_client, 1)
      : `${f(r.server_rss_kb_per_client, 1)} (${r.open_at_end}/${r.clients} open)`;
  };

  const any = R.find((r) => r.loadgen);
  p(`<!-- generated by bench/summarize.ts, matrix ${mid} -->`);
  p(`Matrix \`${mid}\` (loadgen ${
    any?.loadgen ?? "?"
  }). Every figure below comes from this one run.`);
  p();
  p("### Side by side");
  p();
  p(
    "| server | N=10 d/s | N=50 d/s | N=100 d/s | N=500 d/s | N=1000 d/s | CPU-s per M deliveries (N=100) | 5 msg/s p99 ms | p99.9 ms | idle 1000 kB/client | idle 5000 kB/client | 1000 connects at once | stalled reader: others keep | 200 B texts d/s |",
  );
  p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|");
  for (const peer of peers) {
    const cellN = (n: number) => {
      const rs = win(peer, n);
      if (!rs.length) return "–";
      const bad = rs.find((r) => !clean(r));
      return k(winRate(peer, n)) + (bad ? ` (${status(bad)})` : "");
    };
    const rate = get(peer, "rate5")[0];
    const idle = (c: string) => idleOf(peer, c);
    const burst = get(peer, "burst1000")[0];
    const burstS = burst
      ? `${
        f(burst.connect_s + burst.join_s, 2)
      } s, ${burst.clients_active}/${burst.clients} in, ${burst.connect_failures} refused`
      : "–";
    const st = stallOf(peer);
    const pay = get(peer, "payload200")[0];
    p(
      `| ${peer} | ${cellN(10)} | ${cellN(50)} | ${cellN(100)} | ${cellN(500)} | ${cellN(1000)} | ${
        f(winCpu(peer, 100), 3)
      } | ${f(rate?.latency_ms?.p99, 3)} | ${f(rate?.latency_ms?.p999, 3)} | ${
        idle("idle1000")
      } | ${idle("idle5000")} | ${burstS} | ${st ? st.text : "–"} | ${
        pay ? k(pay.deliveries_per_s) : "–"
      } |`,
    );
  }

  function stallOf(peer: string) {
    const base = get(peer, "stall-base");
    const with_ = get(peer, "stall");
    if (!base.length || !with_.length) return undefined;
    const info = get(peer, "stall-info");
    const thr = (mean(with_.map((r) => r.deliveries_per_s)) ?? 0) /
      (mean(base.map((r) => r.deliveries_per_s)) ?? 1);
    const p99b = mean(base.map((r) => r.latency_ms.p99)) ?? NaN;
    const p99s = mean(with_.map((r) => r.latency_ms.p99)) ?? NaN;
    // peak RSS with the staller minus the paired run without it, per rep
    const deltas = with_.map((r) =>
      r.server_hwm_kb - (base.find((b) => b.rep === r.rep) ?? base[0]).server_hwm_kb
    );
    const hwmDelta = Math.min(...deltas);
    // how much the peak moves between identical runs: the N=100 window repeats
    const reps = win(peer, 100).map((r) => r.server_hwm_kb);
    const noise = reps.length > 1 ? Math.max(...reps) - Math.min(...reps) : 0;
    const dropped = info.some((i) => i.staller?.dropped);
    const slow = info.some((i) => i.left_slow === true);
    const lost = with_.reduce((a, r) => a + r.lost, 0);
    const text = `${f(100 * thr, 0)}% d/s, p99 ${f(p99s, 1)} vs ${f(p99b, 1)} ms${
      lost ? `, ${k(lost)} lost` : ""
    }, staller ${dropped ? "dropped" : "kept"}${slow ? " (slow)" : ""}`;
    return { thr, p99b, p99s, hwmDelta, deltas, noise, dropped, slow, lost, text, with_, base };
  }

  // ---- chat's goals ----
  if (peers.includes("chat")) {
    // chat's IRC port is chat, not a peer: it has its own section (ircSection);
    // ideal-c is the floor of relaying, held against chat in scaleSection
    const others = peers.filter((x) => x !== "chat" && x !== IRC_PEER && x !== FLOOR);
    p();
    p("### Goals (chat against the best peer of the same run)");
    p();
    p("| goal | target | measured | met |");
    p("|---|---|---|---|");
    const yes = (b: boolean | undefined) => b === undefined ? "n/a" : b ? "yes" : "**no**";

    // N=100: throughput and CPU per delivery
    const best100 = others.map((x) => ({ x, v: winRate(x, 100) ?? 0 })).sort((a, b) =>
      b.v - a.v
    )[0];
    const c100 = winRate("chat", 100);
    if (best100 && c100 !== undefined) {
      const bc = winCpu(best100.x, 100)!;
      const cc = winCpu("chat", 100)!;
      p(
        `| N=100 closed loop: deliveries/s | ≥ best peer (${best100.x}, ${k(best100.v)}) | ${
          k(c100)
        } (${f(c100 / best100.v, 2)}×) | ${yes(c100 >= best100.v)} |`,
      );
      p(
        `| N=100: server CPU-s per M deliveries | ≤ ½ of ${best100.x}'s ${f(bc, 3)} = ${
          f(bc / 2, 3)
        } | ${f(cc, 3)} (${f(cc / bc, 2)}× ${best100.x}'s) | ${yes(cc <= bc / 2)} |`,
      );
    }
    for (const n of [500, 1000]) {
      const c = win("chat", n);
      if (!c.length) continue;
      const done = others.filter((x) => win(x, n).length && win(x, n).every(clean));
      const best = done.map((x) => ({ x, v: winRate(x, n)! })).sort((a, b) => b.v - a.v)[0];
      const cv = winRate("chat", n)!;
      const lossless = c.every((r) => r.lost === 0 && clean(r));
      p(
        `| N=${n} closed loop | ≥ 1.5× best peer that completes${
          best ? ` (${best.x}, ${k(best.v)})` : " (none completes)"
        }, zero loss | ${k(cv)}${best ? ` (${f(cv / best.v, 2)}×)` : ""}, ${status(c[0])} | ${
          yes(lossless && (!best || cv >= 1.5 * best.v))
        } |`,
      );
    }
    const cr = get("chat", "rate5")[0];
    if (cr) {
      const best = others.map((x) => get(x, "rate5")[0]).filter(Boolean)
        .sort((a, b) => a.latency_ms.p99 - b.latency_ms.p99)[0];
      const target = best ? best.latency_ms.p99 + 0.3 : undefined;
      p(
        `| 100 × 5 msg/s: p99 latency | ≤ best peer p99${
          best ? ` (${best.peer}, ${f(best.latency_ms.p99, 3)} ms)` : ""
        } + 0.3 ms | p99 ${f(cr.latency_ms.p99, 3)} ms, p99.9 ${f(cr.latency_ms.p999, 3)} ms, ${
          status(cr)
        } | ${yes(target === undefined ? undefined : cr.latency_ms.p99 <= target && clean(cr))} |`,
      );
    }
    for (const c of ["idle1000", "idle5000"]) {
      const r = get("chat", c)[0];
      if (!r) continue;
      p(
        // A figure sampled before everyone was welcomed counts fewer members than it divides by.
        `| ${c}: memory | ≤ 20 kB per client | ${
          f(r.server_rss_kb_per_client, 2)
        } kB (${r.open_at_end}/${r.clients} open, RSS ${k(r.server_rss_kb_end)} kB${
          r.registration_failures > 0 || r.join_wait_timed_out
            ? `; ${r.registration_failures} not registered within the join wait: not a valid sample`
            : ""
        }) | ${
          yes(
            r.server_rss_kb_per_client <= 20 && r.open_at_end === r.clients &&
              !(r.registration_failures > 0) && !r.join_wait_timed_out,
          )
        } |`,
      );
    }
    const b = get("chat", "burst1000")[0];
    if (b) {
      const t = b.connect_s + b.join_s;
      p(
        `| 1000 connects at once | all joined within 2 s, none refused | ${
          f(t, 2)
        } s, ${b.clients_active} joined, ${b.connect_failures} refused, ${b.registration_failures} not registered | ${
          yes(t <= 2 && b.clients_active === b.clients && b.connect_failures === 0)
        } |`,
      );
    }
    const s = stallOf("chat");
    if (s) {
      p(
        `| one stalled reader among 100 | others keep ≥ 90% d/s and p99 | ${
          f(100 * s.thr, 0)
        }% d/s; p99 ${f(s.p99s, 2)} ms vs ${f(s.p99b, 2)} ms without${
          s.lost ? `; ${k(s.lost)} lost` : ""
        } | ${yes(s.thr >= 0.9 && s.p99s <= s.p99b / 0.9 && s.lost === 0)} |`,
      );
      p(
        `| stalled reader: memory, drop | extra peak RSS ≤ the outbox (${OUTBOX_KB} kB) + run-to-run noise; dropped as \`slow\` | extra peak RSS ${
          s.deltas.map((d: number) => `${d >= 0 ? "+" : "−"}${f(Math.abs(d) / 1024, 1)} MB`).join(
            ", ",
          )
        } against the paired runs without it (the N=100 repeats differ by ${
          f(s.noise / 1024, 1)
        } MB); ${s.slow ? "left (slow)" : "not dropped"} | ${
          yes(s.slow && s.hwmDelta <= OUTBOX_KB + s.noise)
        } |`,
      );
    }
    const mem = get("chat", "db-memory");
    const disk = get("chat", "db-default");
    if (mem.length && disk.length) {
      const vm = mean(mem.map((r) => r.deliveries_per_s))!;
      const vd = mean(disk.map((r) => r.deliveries_per_s))!;
      p(
        `| persistent history (default) vs \`--db :memory:\`, N=100 | ≥ 0.8× | ${k(vd)} vs ${
          k(vm)
        } d/s (${f(vd / vm, 2)}×), ${status(disk.find((r) => !clean(r)) ?? disk[0])} | ${
          yes(vd >= 0.8 * vm && disk.every(clean))
        } |`,
      );
    } else if (get("chat", "db-skipped").length) {
      p("| persistent history vs `--db :memory:` | ≥ 0.8× | skipped: `chat serve` has no `--db` | n/a |");
    }
    const tls = tlsOf();
    if (tls) {
      p(
        `| TLS N=100: deliveries/s | ≥ 0.7× plain (same run, paired) | ${k(tls.vt)} vs ${
          k(tls.vb)
        } d/s (${f(tls.ratio, 2)}×; pairs ${tls.pairs.map((x) => `${f(x, 2)}×`).join(", ")}), ${
          status(tls.bad ?? tls.tls[0])
        }; loadgen CPU ${f(tls.lgt, 0)}% vs ${f(tls.lgb, 0)}% | ${
          yes(tls.ratio >= 0.7 && !tls.bad)
        } |`,
      );
    } else if (get("chat", "tls").length || get("chat", "tls-base").length) {
      p("| TLS N=100: deliveries/s | ≥ 0.7× plain (same run, paired) | one side has no result (see the logs) | **no** |");
    } else {
      const note = get("chat", "tls-skipped")[0];
      if (note) {
        p(`| TLS N=100: deliveries/s | ≥ 0.7× plain (same run, paired) | skipped: ${note.note} | n/a |`);
      }
    }
    roomGoals(yes);
  }
  ircSection();

  /** chat's rooms (bench/rooms/roomload), each goal against a cell of the same run. */
  function roomGoals(yes: (b: boolean | undefined) => string) {
    const skipped = get("chat", "rooms-skipped")[0];
    if (skipped) {
      p(`| rooms (100 × 10, one member in 100 rooms, 1000 × 10 joins) | see below | skipped: ${skipped.note} | n/a |`);
      return;
    }
    const base = get("chat", "rooms-base");
    const rooms = get("chat", "rooms100x10");
    const reader = get("chat", "rooms-reader");
    const d = (rs: Row[]) => mean(rs.map((r) => r.deliveries_per_s))!;
    const pairs = (a: Row[], b: Row[], val: (r: Row) => number) =>
      a.map((x) => {
        const y = b.find((r) => r.rep === x.rep);
        return y ? val(x) / val(y) : NaN;
      });
    const reps = Math.max(rooms.length, reader.length);
    if (rooms.length && base.length) {
      const ratio = d(rooms) / d(base);
      const pr = pairs(rooms, base, (r) => r.deliveries_per_s);
      const bad = [...rooms, ...base].find((r) => !clean(r));
      p(
        `| 100 rooms × 10 members, all posting: deliveries/s | ≥ 0.9× one room of 100 (same driver, same run, paired) | ${
          k(d(rooms))
        } vs ${k(d(base))} d/s (${f(ratio, 2)}×; pairs ${
          pr.map((x) => `${f(x, 2)}×`).join(", ")
        }); server CPU-s per M deliveries ${f(mean(rooms.map(cpuPerM)), 3)} vs ${
          f(mean(base.map(cpuPerM)), 3)
        }, per message ${f(mean(rooms.map(cpuPerMsg)), 1)} vs ${
          f(mean(base.map(cpuPerMsg)), 1)
        } µs; ${status(bad ?? rooms[0])} | ${yes(ratio >= 0.9 && !bad)} |`,
      );
    }
    if (rooms.length && reader.length) {
      // noise: how far the repeats of each cell lie apart in this run (at
      // least 5%); with one repeat there is no measure of it, so 10% is assumed
      const cw = mean(reader.map(cpuPerM))!, co = mean(rooms.map(cpuPerM))!;
      const tol = reps > 1
        ? Math.max(spread(rooms.map(cpuPerM)), spread(reader.map(cpuPerM)), 0.05)
        : 0.10;
      const tolWhy = reps > 1 ? `run-to-run spread of ${reps} repeats` : "1 repeat: 10% assumed";
      const mw = mean(reader.map(cpuPerMsg))!, mo = mean(rooms.map(cpuPerMsg))!;
      const k1 = rooms[0].members_per_room - 1;
      const bad = [...rooms, ...reader].find((r) => !clean(r));
      p(
        `| one member in 100 rooms: server CPU per delivery | ≤ the same 100 × 10 without it, within noise (${
          f(100 * tol, 0)
        }%: ${tolWhy}) | ${f(cw, 3)} vs ${f(co, 3)} CPU-s per M deliveries (${
          f(cw / co, 2)
        }×); per message ${f(mw, 1)} vs ${f(mo, 1)} µs: the reader's delivery adds ${
          mw - mo < 0 ? "−" + f(mo - mw, 2) : f(mw - mo, 2)
        } µs, a member's costs ≤ ${f(mo / k1, 2)} µs (${f(mo, 1)} / ${k1}); ${k(d(reader))} vs ${
          k(d(rooms))
        } d/s; ${status(bad ?? reader[0])} | ${yes(cw <= co * (1 + tol) && !bad)} |`,
      );
      // latency: the reader against the posting members of the same runs
      const rl = (q: string) => mean(reader.map((r) => r.reader_latency_ms?.[q]))!;
      const ml = (q: string) => mean(reader.map((r) => r.member_latency_ms?.[q]))!;
      const lag = (field: string, q: string) => mean(reader.map((r) => r[field]?.[q] ?? NaN));
      const p99s = [...rooms, ...reader].map((r) => r.member_latency_ms?.p99 ?? NaN);
      const tolL = reps > 1
        ? Math.max(
          spread(rooms.map((r) => r.member_latency_ms.p99)),
          spread(reader.map((r) => r.member_latency_ms.p99)),
          0.10,
        )
        : 0.10;
      p(
        `| one member in 100 rooms: its latency | p50 and p99 ≤ the members' of the same runs, within noise (${
          f(100 * tolL, 0)
        }%: ${
          reps > 1
            ? "spread of the members' p99 between repeats, at least 10%"
            : "1 repeat: 10% assumed"
        }) | reader p50 ${f(rl("p50"), 2)} / p99 ${f(rl("p99"), 1)} ms vs members ${
          f(ml("p50"), 2)
        } / ${f(ml("p99"), 1)} ms (${f(rl("p50") / ml("p50"), 2)}×, ${
          f(rl("p99") / ml("p99"), 2)
        }×); members' p99 over all room runs ${f(Math.min(...p99s), 1)}–${
          f(Math.max(...p99s), 1)
        } ms; fan-out lag (after the message's first receipt) p50 / p99: reader ${
          f(lag("reader_lag_ms", "p50"), 2)
        } / ${f(lag("reader_lag_ms", "p99"), 2)} ms, members ${
          f(lag("member_lag_ms", "p50"), 2)
        } / ${f(lag("member_lag_ms", "p99"), 2)} ms | ${
          yes(rl("p50") <= ml("p50") * (1 + tolL) && rl("p99") <= ml("p99") * (1 + tolL) && !bad)
        } |`,
      );
    }
    const ent = get("chat", "rooms-enter1000");
    if (ent.length) {
      const worst = ent.reduce((a, b) => b.enter_s > a.enter_s ? b : a);
      const bad = ent.find((r) => !enterClean(r));
      p(
        `| 1000 members entering 10 rooms each at once | every \`* Now in\` answer within 3 s of the joins, no failures | ${
          ent.map((r) => `${f(r.enter_s, 2)} s`).join(", ")
        } (${
          f(worst.total_s, 2)
        } s from the first connect); ${worst.joins_answered}/${worst.joins_sent} answered, ${
          enterStatus(bad ?? worst)
        }; server peak RSS ${f(Math.max(...ent.map((r) => r.server_hwm_kb)) / 1024, 0)} MB | ${
          yes(ent.every((r) => r.enter_s <= 3) && !bad)
        } |`,
      );
    }
  }

  /**
   * chat's IRC port (`chat-irc`) against ngIRCd and InspIRCd, all driven by
   * `loadgen --proto irc`: the IRC cells side by side, and the goal: at least
   * the best of the two on deliveries/s and on CPU per delivery.
   */
  function ircSection() {
    if (!peers.includes(IRC_PEER)) return;
    const servers = [IRC_PEER, ...IRC_RIVALS.filter((x) => peers.includes(x))];
    const rivals = servers.slice(1);
    const cells = (peer: string) => [...win(peer, 100), ...win(peer, 1000), ...get(peer, "rate5")];
    p();
    p("### IRC: chat's IRC port vs ngIRCd and InspIRCd");
    p();
    p(
      "The same loadgen on the same protocol (`--proto irc`: `NICK`/`USER`, `JOIN #bench` after `001`, `PRIVMSG #bench`), each cell on a fresh server of this run. `chat-irc` is `chat serve --irc-port` with the chat peer's flags and default storage (`chat.db`, history 50), its plain TCP port elsewhere. CPU-s per M deliveries = server CPU µs per delivery.",
    );
    p();
    p(
      "| server | N=100 d/s | CPU-s per M deliveries (N=100) | N=1000 d/s | CPU-s per M deliveries (N=1000) | 5 msg/s p50 / p99 / p99.9 ms | idle 1000 kB/client | idle 5000 kB/client | status |",
    );
    p("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    const idle = (peer: string, c: string) => {
      const r = get(peer, c)[0];
      return idleOf(peer, c) +
        (r?.join_wait_timed_out && !(r.registration_failures > 0)
          ? ` (${r.join_incomplete} of ${r.clients} never saw every member)`
          : "");
    };
    for (const peer of servers) {
      const rate = get(peer, "rate5")[0];
      const bad = cells(peer).find((r) => !ircClean(r) || r.join_wait_timed_out);
      p(
        `| ${peer} | ${k(winRate(peer, 100))} | ${f(winCpu(peer, 100), 3)} | ${
          k(winRate(peer, 1000))
        } | ${f(winCpu(peer, 1000), 3)} | ${
          rate
            ? `${f(rate.latency_ms.p50, 2)} / ${f(rate.latency_ms.p99, 3)} / ${
              f(rate.latency_ms.p999, 3)
            }`
            : "–"
        } | ${idle(peer, "idle1000")} | ${idle(peer, "idle5000")} | ${
          cells(peer).length
            ? (bad ? `${bad.cell} N=${bad.clients}: ${ircStatus(bad)}` : "ok")
            : "–"
        } |`,
      );
    }
    p();
    p("| goal | target | measured | met |");
    p("|---|---|---|---|");
    const yes = (b: boolean | undefined) => b === undefined ? "n/a" : b ? "yes" : "**no**";
    for (const n of [100, 1000]) {
      const mine = win(IRC_PEER, n);
      if (!mine.length) continue;
      const ok = mine.every(ircClean);
      const done = rivals.filter((x) => win(x, n).length && win(x, n).every(ircClean));
      const left = rivals.filter((x) => win(x, n).length && !done.includes(x));
      const why = left.length ? `; ${left.join(", ")} did not complete` : "";
      const none = rivals.length ? " (none of the two completes)" : " (no IRC peer in this run)";
      const bestRate = done.map((x) => ({ x, v: winRate(x, n)! })).sort((a, b) => b.v - a.v)[0];
      const bestCpu = done.map((x) => ({ x, v: winCpu(x, n)! })).sort((a, b) => a.v - b.v)[0];
      const v = winRate(IRC_PEER, n)!, c = winCpu(IRC_PEER, n)!;
      const reps = mine.length > 1 ? `mean of ${mine.length}` : "";
      const paren = (...xs: string[]) => {
        const t = xs.filter(Boolean).join(", ");
        return t ? ` (${t})` : "";
      };
      const st = ircStatus(mine.find((r) => !ircClean(r)) ?? mine[0]);
      p(
        `| IRC N=${n} closed loop: deliveries/s | ≥ the best of ngIRCd and InspIRCd${
          bestRate ? ` (${bestRate.x}, ${k(bestRate.v)})` : none
        }${why}, zero loss | ${k(v)}${
          paren(reps, bestRate ? `${f(v / bestRate.v, 2)}×` : "")
        }, ${st} | ${yes(bestRate ? ok && v >= bestRate.v : rivals.length ? ok : undefined)} |`,
      );
      p(
        `| IRC N=${n}: server CPU-s per M deliveries | ≤ the best of ngIRCd and InspIRCd${
          bestCpu ? ` (${bestCpu.x}, ${f(bestCpu.v, 3)})` : none
        }${why} | ${f(c, 3)}${
          paren(reps, bestCpu ? `${f(c / bestCpu.v, 2)}× ${bestCpu.x}'s` : "")
        } | ${yes(bestCpu ? ok && c <= bestCpu.v : rivals.length ? ok : undefined)} |`,
      );
    }
    // The join wait ran out for some cells: their clients' member lists were never whole.
    const short = R.filter((r) => servers.includes(r.peer) && r.join_wait_timed_out);
    if (short.length) {
      p();
      p(
        `Join waits that ran out (30 s; the run went on after them, so deliveries/s still count, but these clients' names, from \`353\` on joining plus later \`JOIN\`s, never listed every client): ${
          short.map((r) => `${r.peer} ${r.cell} N=${r.clients}: ${r.join_incomplete} short`).join(
            "; ",
          )
        }.`,
      );
    }
  }

  /** chat over TLS (`tls`) against plain TCP (`tls-base`), paired by rep. */
  function tlsOf() {
    const tls = get("chat", "tls");
    const base = get("chat", "tls-base");
    if (!tls.length || !base.length) return undefined;
    const d = (rs: Row[]) => mean(rs.map((r) => r.deliveries_per_s))!;
    const vt = d(tls), vb = d(base);
    const pairs = tls.map((t) => {
      const b = base.find((r) => r.rep === t.rep);
      return b ? t.deliveries_per_s / b.deliveries_per_s : NaN;
    });
    return {
      tls,
      vt,
      vb,
      ratio: vt / vb,
      pairs,
      bad: [...tls, ...base].find((r) => !clean(r) || r.connect_failures > 0),
      lgt: mean(tls.map((r) => r.loadgen_cpu_pct)),
      lgb: mean(base.map((r) => r.loadgen_cpu_pct)),
    };
  }

  // ---- every cell, for the record ----
  p();
  p("### Every cell");
  p();
  p(
    "| server | cell | rep | N | M | delivered / expected | deliveries/s | p50 ms | p99 ms | p99.9 ms | server CPU s | server CPU % | loadgen CPU % | box % (of 200) | server peak RSS MB | status |",
  );
  p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const peer of peers) {
    for (const r of R.filter((r) => r.peer === peer && r.loadgen && r.mode !== "idle")) {
      p(
        `| ${peer} | ${r.cell} | ${r.rep} | ${r.clients} | ${r.messages_per_client} | ${
          k(r.delivered)
        } / ${k(r.expected_deliveries)} | ${k(r.deliveries_per_s)} | ${f(r.latency_ms.p50)} | ${
          f(r.latency_ms.p99)
        } | ${f(r.latency_ms.p999)} | ${f(r.server_cpu_s)} | ${f(r.server_cpu_pct, 0)} | ${
          f(r.loadgen_cpu_pct, 0)
        } | ${f(r.box_busy_pct, 0)} | ${f(r.server_hwm_kb / 1024, 0)} | ${status(r)} |`,
      );
    }
  }
  roomTables();
  out.push(...clusterSection(R));
  out.push(...scaleSection(R));
  return out.join("\n") + "\n";

  /** chat's rooms cells (roomload), posting and entering. */
  function roomTables() {
    const post = R.filter((r) =>
      r.peer === "chat" && r.roomload && r.mode === "rooms" && !isClusterCell(r.cell)
    );
    const ent = R.filter((r) => r.peer === "chat" && r.roomload && r.mode === "enter");
    if (!post.length && !ent.length) return;
    p();
    p("### Rooms (chat, `bench/rooms/roomload`)");
    if (post.length) {
      p();
      p(
        "| cell | rep | rooms × members + readers | M | delivered / expected | deliveries/s | CPU-s per M deliveries | CPU µs per message | p50 ms | p99 ms | reader p50 ms | reader p99 ms | server CPU % | roomload CPU % | box % (of 200) | server peak RSS MB | status |",
      );
      p("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
      for (const r of post) {
        p(
          `| ${r.cell} | ${r.rep} | ${r.rooms} × ${r.members_per_room} + ${r.extra_readers} | ${r.messages_per_client} | ${
            k(r.delivered)
          } / ${k(r.expected_deliveries)} | ${k(r.deliveries_per_s)} | ${f(cpuPerM(r), 3)} | ${
            f(cpuPerMsg(r), 1)
          } | ${f(r.member_latency_ms?.p50)} | ${f(r.member_latency_ms?.p99)} | ${
            f(r.reader_latency_ms?.p50)
          } | ${f(r.reader_latency_ms?.p99)} | ${f(r.server_cpu_pct, 0)} | ${
            f(r.loadgen_cpu_pct, 0)
          } | ${f(r.box_busy_pct, 0)} | ${f(r.server_hwm_kb / 1024, 0)} | ${status(r)} |`,
        );
      }
      p();
      p(
        "p50/p99 are the posting members' deliveries; reader columns the member in all rooms. A message leaves a sender's window of 8 once every other member of its room (and the reader) has it.",
      );
    }
    if (ent.length) {
      p();
      p(
        "| cell | rep | clients | rooms | joins each | members per room | all in after the joins s | per client p50 / p99 ms | connect + register s | all in from the first connect s | server CPU s | server peak RSS MB | status |",
      );
      p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
      for (const r of ent) {
        p(
          `| ${r.cell} | ${r.rep} | ${r.clients} | ${r.rooms} | ${r.joins_per_client} | ${r.members_per_room} | ${
            f(r.enter_s, 3)
          } | ${f(r.enter_ms?.p50, 0)} / ${f(r.enter_ms?.p99, 0)} | ${
            f(r.connect_s + r.join_s, 2)
          } | ${f(r.total_s, 2)} | ${f(r.server_cpu_s)} | ${f(r.server_hwm_kb / 1024, 0)} | ${
            enterStatus(r)
          } |`,
        );
      }
    }
  }
}

/** The cells of bench/cluster/cluster_cells.sh (their own table, not the rooms one). */
function isClusterCell(cell: string): boolean {
  return cell.startsWith("cluster") || cell.startsWith("acked");
}

/** status(), plus what only cluster cells have: the nodes' logs, the acks, the seqs. */
function clusterStatus(r: Row): string {
  const s = [
    r.node_log_errors > 0 && `${r.node_log_errors} log errors`,
    r.node_log_warnings > 0 && `${r.node_log_warnings} log warnings`,
    r.acks_lost > 0 && `${k(r.acks_lost)} not acked`,
    r.bad_acks > 0 && `${r.bad_acks} bad acks`,
    r.seq_breaks > 0 && `${r.seq_breaks} seq breaks`,
    r.seq_mismatch > 0 && `${r.seq_mismatch} seq mismatches`,
    r.server_errors > 0 && `${r.server_errors} errors`,
  ].filter(Boolean);
  const base = status(r);
  return s.length ? (base === "ok" ? "" : base + ", ") + s.join(", ") : base;
}

/** True when a cluster cell is clean: status() and the extra checks. */
function clusterClean(r: Row): boolean {
  return clusterStatus(r) === "ok";
}

/**
 * The cluster section: one room of 100 over 1, 2 and 3 nodes on one Redis
 * against the single node with SQLite of the same run (paired by rep), and
 * acked (stored) messages/s at 1 and 50 senders.
 */
export function clusterSection(R: Row[]): string[] {
  const out: string[] = [];
  const p = (s = "") => out.push(s);
  const chat = R.filter((r) => r.peer === "chat");
  const skipped = chat.find((r) => r.cell === "cluster-skipped");
  const cells = chat.filter((r) => r.roomload && isClusterCell(r.cell));
  if (!cells.length && !skipped) return out;
  p();
  p("### Cluster (chat, `chat serve --redis`, `bench/cluster/`)");
  p();
  if (!cells.length) {
    p(`Skipped: ${skipped!.note}.`);
    return out;
  }
  p(
    "One box: the nodes, Redis and roomload share its 2 cores, so more nodes cannot be faster here; the figures are what the cluster costs, not how it scales out. Redis: one fresh `redis-server` per cell, AOF with `appendfsync always`.",
  );
  const of = (cell: string) => cells.filter((r) => r.cell === cell);
  const dps = (rs: Row[]) => mean(rs.map((r) => r.deliveries_per_s));
  const sqlite = of("cluster-sqlite");
  const rooms = [
    { cell: "cluster-sqlite", what: "1 node, SQLite (`--db`, the default)" },
    { cell: "cluster1", what: "1 node on Redis" },
    { cell: "cluster2", what: "2 nodes on Redis" },
    { cell: "cluster3", what: "3 nodes on Redis" },
  ].filter((x) => of(x.cell).length);
  if (rooms.length) {
    const m = of(rooms[0].cell)[0];
    p();
    p(
      `1 room × ${m.members_per_room} members, all posting (window ${m.window}, ${m.payload_bytes}-byte texts), clients spread round robin over the nodes; means of the repeats, pairs by repeat.`,
    );
    p();
    p(
      "| setup | reps | deliveries/s | × 1 node with SQLite | nodes' CPU-s per M deliveries | nodes' CPU % | Redis CPU s (%) | p50 / p99 ms | nodes' peak RSS MB | status |",
    );
    p("|---|---:|---:|---|---:|---:|---:|---:|---:|---|");
    for (const { cell, what } of rooms) {
      const rs = of(cell);
      const v = dps(rs)!, b = dps(sqlite);
      const pairs = rs.map((r) => {
        const y = sqlite.find((q) => q.rep === r.rep);
        return y ? r.deliveries_per_s / y.deliveries_per_s : NaN;
      });
      const ratio = cell === "cluster-sqlite" || b === undefined
        ? "1"
        : `${f(v / b, 2)}× (pairs ${pairs.map((x) => `${f(x, 2)}×`).join(", ")})`;
      const redis = rs[0].redis_cpu_s === undefined
        ? "–"
        : `${f(mean(rs.map((r) => r.redis_cpu_s)))} (${
          f(mean(rs.map((r) => r.redis_cpu_pct)), 0)
        }%)`;
      const bad = rs.find((r) => !clusterClean(r));
      p(
        `| ${what} | ${rs.length} | ${k(v)} | ${ratio} | ${f(mean(rs.map(cpuPerM)), 3)} | ${
          f(mean(rs.map((r) => r.server_cpu_pct)), 0)
        } | ${redis} | ${f(mean(rs.map((r) => r.latency_ms.p50)))} / ${
          f(mean(rs.map((r) => r.latency_ms.p99)))
        } | ${f(mean(rs.map((r) => r.server_hwm_kb / 1024)), 0)} | ${
          bad ? clusterStatus(bad) : "ok"
        } |`,
      );
    }
  }
  const acked = [of("acked1"), of("acked50")].filter((rs) => rs.length);
  if (acked.length) {
    p();
    p(
      "Acked messages/s: S senders in JSON mode in one room of one node on Redis, one message in flight each (the next goes when the `ack` is back: the message is in Redis, fsynced); each `say` carries an id. The ack latency is send → ack.",
    );
    p();
    p(
      "| senders | reps | acked messages/s | ack p50 / p99 / p99.9 ms | node CPU µs per message | Redis CPU µs per message (%) | deliveries to the other senders | status |",
    );
    p("|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const rs of acked) {
      const lat = (q: string) => f(mean(rs.map((r) => r.ack_latency_ms?.[q])));
      const per = (field: string) =>
        mean(rs.map((r) => r.acks > 0 ? r[field] / r.acks * 1e6 : NaN));
      const bad = rs.find((r) => !clusterClean(r));
      p(
        `| ${rs[0].senders} | ${rs.length} | ${k(mean(rs.map((r) => r.acked_per_s)))} | ${
          lat("p50")
        } / ${lat("p99")} / ${lat("p999")} | ${f(per("server_cpu_s"), 0)} | ${
          f(per("redis_cpu_s"), 0)
        } (${f(mean(rs.map((r) => r.redis_cpu_pct)), 0)}%) | ${
          rs[0].expected_deliveries ? k(mean(rs.map((r) => r.delivered))) : "none (alone)"
        } | ${bad ? clusterStatus(bad) : "ok"} |`,
      );
    }
  }
  p();
  p(
    "| cell | rep | nodes | M | delivered / expected | deliveries/s | acked/s | p50 ms | p99 ms | nodes' CPU s (each) | Redis CPU s | roomload CPU % | box % (of 200) | nodes' peak RSS MB | status |",
  );
  p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|");
  for (const r of cells) {
    const lat = r.mode === "acked" ? r.ack_latency_ms : r.latency_ms;
    const each = Array.isArray(r.server_cpu_s_each)
      ? ` (${r.server_cpu_s_each.map((x: number) => f(x)).join(" + ")})`
      : "";
    p(
      `| ${r.cell} | ${r.rep} | ${r.nodes ?? 1} | ${r.messages_per_client} | ${k(r.delivered)} / ${
        k(r.expected_deliveries)
      } | ${k(r.deliveries_per_s)} | ${r.mode === "acked" ? k(r.acked_per_s) : "–"} | ${
        f(lat?.p50)
      } | ${f(lat?.p99)} | ${f(r.server_cpu_s)}${each} | ${f(r.redis_cpu_s)} | ${
        f(r.loadgen_cpu_pct, 0)
      } | ${f(r.box_busy_pct, 0)} | ${f(r.server_hwm_kb / 1024, 0)} | ${clusterStatus(r)} |`,
    );
  }
  p();
  p(
    "Acked cells: p50/p99 are the ack latency. `nodes' CPU` and peak RSS are summed over the nodes; Redis CPU is redis-server's own, over the same run phase. A node's WARN/ERROR log lines show in the status.",
  );
  return out;
}

if (import.meta.main) {
  const [file = "bench/results/results.jsonl", midArg, outFile] = Deno.args;
  const rows = parseRows(await Deno.readTextFile(file));
  const mids = [...new Set(rows.map((r) => r.mid).filter((m) => m?.startsWith("m")))].sort();
  const mid = midArg ?? mids.at(-1);
  if (!mid) {
    console.error(`summarize: no matrix in ${file}; run bench/run.sh first`);
    Deno.exit(1);
  }
  const md = summarize(rows, mid);
  if (outFile) await Deno.writeTextFile(outFile, md);
  else console.log(md);
}
