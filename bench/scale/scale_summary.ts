/**
 * The scale section of bench/summarize.ts: issue 14's cells (one room of
 * thousands, bench/scale/scale_cells.sh) against the peers of the same run,
 * with each of the issue's goals met or missed.
 *
 * Rows: `stormN` and `heldN` come from crowd (bench/scale/crowd.c),
 * `idle1000`, `rate5` and `window` from the rig's loadgen.
 */
import type { Row } from "../summarize.ts";
import { f, k, mean } from "../format.ts";

/** The rig's bare C relay: the lower bound of relaying, not a peer to beat. */
export const FLOOR = "ideal-c";
/** chat on its IRC port: chat again, not a peer. */
const IRC_PEER = "chat-irc";

const GOAL_KB_PER_CLIENT = 20;
const GOAL_STORM_PEAK_KB = 1024 * 1024;
const GOAL_HELD_P99_MS = 250;
const GOAL_TAIL_MS = 0.3;
const GOAL_CPU_RATIO = 1.5;
const STORM_GOAL_N = 10000;
const HELD_GOAL_N = 15000;

const yes = (b: boolean | undefined): string => b === undefined ? "n/a" : b ? "met" : "**missed**";
/** "15 000": a count of clients as the issue writes it. */
const n0 = (x: number): string =>
  x < 10000 ? String(x) : String(x).replace(/\B(?=(\d{3})+$)/g, " ");
const mb = (kb: number | undefined): string => kb === undefined || kb < 0 ? "–" : f(kb / 1024, 0);

/** CPU-seconds the server spent per million deliveries. */
function cpuPerM(r: Row): number {
  return r.delivered > 0 ? r.server_cpu_s / (r.delivered / 1e6) : NaN;
}

/** Everyone in, every view and member list right, nobody dropped. */
function stormClean(r: Row): boolean {
  return crowdStatus(r) === "ok";
}

/** What went wrong in a crowd cell (storm or held), or "ok". */
export function crowdStatus(r: Row): string {
  const s = [
    r.welcomed !== r.clients && `${r.welcomed}/${r.clients} welcomed`,
    r.connect_failures > 0 && `${r.connect_failures} conn-fail`,
    r.registration_failures > 0 && `${r.registration_failures} not registered`,
    r.settle_timed_out && "settle timed out",
    r.presence_checked && r.views_short > 0 && `${r.views_short} views short`,
    r.presence_checked && r.views_over > 0 && `${r.views_over} views over`,
    r.presence_dups > 0 && `${r.presence_dups} presence dups`,
    r.presence_bad > 0 && `${r.presence_bad} presence bad`,
    r.presence_checked && r.who_ok !== r.who_asked && `/who ${r.who_ok}/${r.who_asked} right`,
    r.disconnects_setup > 0 && `${r.disconnects_setup} closed while joining`,
    r.disconnects > 0 && `${r.disconnects} closed while held`,
    r.slow_drops_logged > 0 && `${r.slow_drops_logged} dropped as slow`,
    r.lost > 0 && `${k(r.lost)} lost`,
    r.duplicated > 0 && `${r.duplicated} dup`,
    r.reordered > 0 && `${r.reordered} reord`,
    r.corrupt_lines > 0 && `${r.corrupt_lines} corrupt`,
    r.stalled && "stalled",
    r.timed_out && "timeout",
  ].filter(Boolean);
  return s.length ? s.join(", ") : "ok";
}

/** The cells of issue 14 in matrix rows `R`, as markdown lines (none when the run has none). */
export function scaleSection(R: Row[]): string[] {
  const out: string[] = [];
  const p = (s = "") => out.push(s);
  const peers = [...new Set(R.map((r) => r.peer))];
  const get = (peer: string, pred: (r: Row) => boolean) =>
    R.filter((r) => r.peer === peer && pred(r));
  const crowd = (peer: string, kind: string) =>
    get(peer, (r) => r.crowd !== undefined && r.cell.startsWith(kind))[0];
  const storms = R.filter((r) => r.crowd !== undefined && r.cell.startsWith("storm"));
  const helds = R.filter((r) => r.crowd !== undefined && r.cell.startsWith("held"));
  const notes = R.filter((r) => r.mode === "note" && /^(held|storm)/.test(r.cell));
  const win = (peer: string, n: number) =>
    get(peer, (r) => r.cell === "window" && r.clients === n && r.delivered > 0);
  const hasFloor = win(FLOOR, 100).length > 0 && win("chat", 100).length > 0;
  const rate5 = R.filter((r) => r.cell === "rate5" && r.loadgen);
  if (!storms.length && !helds.length && !hasFloor && !rate5.length) return out;
  const tree = R.find((r) => r.cell === "tree" && r.mode === "note");

  p();
  p("### One room of thousands (issue 14)");
  p();
  p(
    "Each cell on a fresh server of this run. `stormN` and `heldN` are `bench/scale/crowd`: N clients join one room at 1000/s, every client keeps its own view of the room by name (plain: the welcome's count and names, then each join line or a big room's summary line with its count; IRC: NAMES then JOIN/PART/QUIT) and 3 of them check `/who` (`NAMES`) against everybody; held 5 s, then the RSS: (RSS after the hold − RSS before) / joined, as loadgen's `--idle` computes it. In `heldN`, 100 clients spread over the room then post 5 msg/s each for 10 s and **all N** time and check every message (the text carries its scheduled send time: open loop). The box has 2 cores shared with the load generator and with other engineers' tests: figures are noisy (`box %`).",
  );
  if (tree) {
    p();
    p(
      `Measured: commit \`${tree.commit}\`${
        tree.loadavg ? ` (load average ${tree.loadavg} at the start)` : ""
      }${
        tree.changed
          ? `, with uncommitted changes in ${
            tree.changed.split(" ").map((x: string) => `\`${x}\``).join(", ")
          } (the shared checkout's working tree at the time)`
          : ""
      }.`,
    );
  }

  // ---- chat against ideal-c: CPU per delivery, closed loop ----
  if (hasFloor) {
    p();
    p(`#### Close to the limit: chat ÷ ${FLOOR} (closed loop, window 8, same run)`);
    p();
    p(
      `| N | chat d/s | ${FLOOR} d/s | chat CPU-s per M deliveries | ${FLOOR} CPU-s per M | chat ÷ ${FLOOR} (CPU per delivery) | ≤ ${GOAL_CPU_RATIO}× |`,
    );
    p("|---:|---:|---:|---:|---:|---:|---|");
    for (const n of [100, 500]) {
      const c = win("chat", n), i = win(FLOOR, n);
      if (!c.length || !i.length) continue;
      const cc = mean(c.map(cpuPerM))!, ic = mean(i.map(cpuPerM))!;
      const reps = (rs: Row[]) => rs.length > 1 ? ` (mean of ${rs.length})` : "";
      p(
        `| ${n} | ${k(mean(c.map((r) => r.deliveries_per_s)))}${reps(c)} | ${
          k(mean(i.map((r) => r.deliveries_per_s)))
        }${reps(i)} | ${f(cc, 3)} | ${f(ic, 3)} | ${f(cc / ic, 2)}× | ${
          yes(cc / ic <= GOAL_CPU_RATIO)
        } |`,
      );
    }
  }

  // ---- the low-rate tail ----
  if (rate5.length) {
    p();
    p("#### Low-rate tail: 100 clients × 5 msg/s for 10 s (`rate5`), every server");
    p();
    p("| server | p50 ms | p99 ms | p99.9 ms | max ms | server CPU % | box % | status |");
    p("|---|---:|---:|---:|---:|---:|---:|---|");
    for (const r of rate5) {
      const bad = r.lost > 0 || r.duplicated > 0 || r.reordered > 0 || r.stalled || r.timed_out;
      p(
        `| ${r.peer} | ${f(r.latency_ms.p50, 3)} | ${f(r.latency_ms.p99, 3)} | ${
          f(r.latency_ms.p999, 3)
        } | ${f(r.latency_ms.max, 2)} | ${f(r.server_cpu_pct, 0)} | ${f(r.box_busy_pct, 0)} | ${
          bad ? `${k(r.lost)} lost, ${r.duplicated} dup, ${r.reordered} reord` : "ok"
        } |`,
      );
    }
  }

  // ---- idle memory ----
  // servers with a room to be idle in (the relays have none to speak of)
  const roomPeers = ["chat", IRC_PEER, "ngircd", "inspircd"].filter((x) =>
    get(x, (r) => r.cell === "idle1000").length || crowd(x, "storm") || crowd(x, "held")
  );
  /**
   * kB per client of an idle sample and its caveat: valid when every client
   * was in at the end (a join wait that ran out only means the loadgen never
   * counted everybody's joins: chat's big-room summary lines are not its
   * join lines).
   */
  const memOf = (r: Row | undefined) => {
    if (!r) return { text: "–", note: "", ok: undefined as boolean | undefined };
    const n = r.clients;
    const got = r.crowd !== undefined ? r.welcomed : n - (r.registration_failures ?? 0);
    const inAll = got === n && r.open_at_end === n;
    const v = r.server_rss_kb_per_client;
    const note = !inAll
      ? ` (only ${got} of ${n} in${
        r.settle_timeout_s ? ` ${r.settle_timeout_s} s after the last connect` : ""
      }: did not hold ${n0(n)})`
      : r.join_wait_timed_out
      ? ` (loadgen's join wait ran out: ${r.join_incomplete} never counted everybody)`
      : "";
    return { text: f(v, 1), note, ok: inAll ? v <= GOAL_KB_PER_CLIENT : false };
  };
  if (roomPeers.length) {
    const sN = storms[0]?.clients ?? STORM_GOAL_N, hN = helds[0]?.clients ?? HELD_GOAL_N;
    p();
    p(`#### Idle memory: kB of server RSS per joined client (goal ≤ ${GOAL_KB_PER_CLIENT})`);
    p();
    p(
      `| server | 1000 (\`idle1000\`, loadgen, 200 connects/s) | ${
        n0(sN)
      } (after \`storm${sN}\`) | ${
        n0(hN)
      } (\`held${hN}\` before posting) | ≤ ${GOAL_KB_PER_CLIENT} kB at all three |`,
    );
    p("|---|---:|---:|---:|---|");
    for (const peer of roomPeers) {
      const cells = [
        memOf(get(peer, (r) => r.cell === "idle1000")[0]),
        memOf(crowd(peer, "storm")),
        memOf(crowd(peer, "held")),
      ];
      const skipped = notes.find((r) => r.peer === peer && r.cell.startsWith("held"));
      if (skipped && !crowd(peer, "held")) {
        cells[2] = { text: "", note: `not run: ${skipped.note}`, ok: undefined };
      }
      const known = cells.filter((c) => c.ok !== undefined);
      p(
        `| ${peer} | ${cells.map((c) => c.text + c.note).join(" | ")} | ${
          known.length ? yes(known.every((c) => c.ok)) : "n/a"
        } |`,
      );
    }
  }

  // ---- the join storm ----
  if (storms.length) {
    p();
    p("#### Join storm: N clients joining one room at 1000/s");
    p();
    p(
      "| server | N | welcomed | all in and every view complete after s | welcome p50 / p99 ms | views complete | /who right | presence lines (summaries) | dropped (slow) | server CPU s | peak RSS MB | RSS after MB | status |",
    );
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const r of storms) {
      p(
        `| ${r.peer} | ${r.clients} | ${r.welcomed} | ${f(r.settle_s, 1)}${
          r.settle_timed_out ? " (timed out)" : ""
        } | ${f(r.welcome_ms?.p50, 0)} / ${f(r.welcome_ms?.p99, 0)} | ${
          r.presence_checked ? r.views_complete : "–"
        } | ${r.presence_checked ? `${r.who_ok}/${r.who_asked}` : "–"} | ${
          r.presence_summaries > 0 ? k(r.presence_summaries) : "0"
        } | ${r.slow_drops_logged ?? "–"} | ${f(r.server_cpu_s_storm)} | ${mb(r.server_hwm_kb)} | ${
          mb(r.server_rss_kb_held)
        } | ${crowdStatus(r)} |`,
      );
    }
  }

  // ---- held load ----
  if (helds.length || notes.length) {
    p();
    p("#### Held load: N connected, S of them posting 5 msg/s each, latency to all N");
    p();
    p(
      "| server | N | posters × M | delivered / expected | p50 ms | p99 ms | p99.9 ms | max ms | posters' p99 | readers' p99 | server CPU s (%) | RSS before posting / peak MB | crowd CPU % | box % | status |",
    );
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const r of helds) {
      p(
        `| ${r.peer} | ${r.clients} | ${r.posters_active} × ${r.messages_per_client} | ${
          k(r.delivered)
        } / ${k(r.expected_deliveries)} | ${f(r.latency_ms?.p50, 1)} | ${
          f(r.latency_ms?.p99, 1)
        } | ${f(r.latency_ms?.p999, 1)} | ${f(r.latency_ms?.max, 1)} | ${
          f(r.poster_latency_ms?.p99, 1)
        } | ${f(r.reader_latency_ms?.p99, 1)} | ${f(r.server_cpu_s)} (${
          f(r.server_cpu_pct, 0)
        }%) | ${mb(r.server_rss_kb_held)} / ${mb(r.server_hwm_kb)} | ${f(r.loadgen_cpu_pct, 0)} | ${
          f(r.box_busy_pct, 0)
        } | ${crowdStatus(r)} |`,
      );
    }
    for (const r of notes.filter((x) => x.cell.startsWith("held"))) {
      p(`| ${r.peer} | – | – | not run: ${r.note} | | | | | | | | | | | |`);
    }
  }

  goals();
  return out;

  /** Issue 14's goals for chat, each against its cell of this run. */
  function goals() {
    const rivals = peers.filter((x) => x !== "chat" && x !== IRC_PEER && x !== FLOOR);
    const rows: string[] = [];
    const row = (goal: string, target: string, measured: string, met: string) =>
      rows.push(`| ${goal} | ${target} | ${measured} | ${met} |`);
    const size = (r: Row, want: number) =>
      r.clients === want ? "" : ` (N=${n0(r.clients)} here, not ${n0(want)})`;
    const i1 = memOf(get("chat", (r) => r.cell === "idle1000")[0]);
    const st = crowd("chat", "storm"), he = crowd("chat", "held");
    const mem = [
      ["1000", i1],
      [st ? n0(st.clients) : "storm", memOf(st)],
      [he ? n0(he.clients) : "held", memOf(he)],
    ] as const;
    if (mem.some(([, m]) => m.ok !== undefined)) {
      row(
        "idle memory at 1000, 10 000, 15 000 joined",
        `≤ ${GOAL_KB_PER_CLIENT} kB per client`,
        mem.filter(([, m]) => m.ok !== undefined).map(([n, m]) => `${n}: ${m.text} kB${m.note}`)
          .join("; "),
        yes(mem.every(([, m]) => m.ok !== false)),
      );
    }
    if (st) {
      row(
        `join storm: ${n0(STORM_GOAL_N)} into one room at 1000/s${size(st, STORM_GOAL_N)}`,
        "all welcomed, every view of presence right, nobody dropped as slow, peak RSS ≤ 1 GiB",
        `${st.welcomed}/${st.clients} welcomed, ${st.views_complete} views complete, /who ${st.who_ok}/${st.who_asked}, ${
          st.slow_drops_logged ?? "?"
        } dropped as slow, peak ${mb(st.server_hwm_kb)} MB; ${crowdStatus(st)}`,
        yes(stormClean(st) && st.server_hwm_kb <= GOAL_STORM_PEAK_KB),
      );
    }
    if (he) {
      // the floor of the same run: what the box and crowd allow at this load
      const fl = crowd(FLOOR, "held");
      const floor = fl
        ? ` (${FLOOR}, the floor, same cell: p99 ${f(fl.latency_ms?.p99, 1)} ms, ${
          k(fl.delivered)
        }/${k(fl.expected_deliveries)})`
        : "";
      const ok = stormClean(he) && he.delivered === he.expected_deliveries &&
        he.latency_ms.p99 <= GOAL_HELD_P99_MS;
      row(
        `held: ${n0(HELD_GOAL_N)} connected, 100 posting 5 msg/s${size(he, HELD_GOAL_N)}`,
        `p99 to all ≤ ${GOAL_HELD_P99_MS} ms, nothing lost`,
        `p99 ${f(he.latency_ms.p99, 1)} ms, p99.9 ${f(he.latency_ms.p999, 1)} ms${floor}; ${
          k(he.delivered)
        }/${k(he.expected_deliveries)} delivered; server CPU ${f(he.server_cpu_pct, 0)}%, RSS ${
          mb(he.server_rss_kb_held)
        } → peak ${mb(he.server_hwm_kb)} MB; ${crowdStatus(he)}`,
        yes(ok),
      );
    }
    const cr = rate5.find((r) => r.peer === "chat");
    if (cr) {
      const best = rate5.filter((r) => rivals.includes(r.peer))
        .sort((a, b) => a.latency_ms.p99 - b.latency_ms.p99)[0];
      const fl = rate5.find((r) => r.peer === FLOOR);
      row(
        "low-rate tail: 100 × 5 msg/s",
        `p99 ≤ best peer's + ${GOAL_TAIL_MS} ms${
          best ? ` (${best.peer} ${f(best.latency_ms.p99, 3)} + ${GOAL_TAIL_MS})` : ""
        }; p99.9 reported`,
        `p99 ${f(cr.latency_ms.p99, 3)} ms, p99.9 ${f(cr.latency_ms.p999, 3)} ms${
          fl ? ` (${FLOOR}: ${f(fl.latency_ms.p99, 3)} / ${f(fl.latency_ms.p999, 3)})` : ""
        }`,
        yes(
          best
            ? cr.latency_ms.p99 <= best.latency_ms.p99 + GOAL_TAIL_MS && cr.lost === 0
            : undefined,
        ),
      );
    }
    for (const n of [100, 500]) {
      const c = win("chat", n), i = win(FLOOR, n);
      if (!c.length || !i.length) continue;
      const ratio = mean(c.map(cpuPerM))! / mean(i.map(cpuPerM))!;
      row(
        `CPU per delivery, N=${n}`,
        `≤ ${GOAL_CPU_RATIO}× ${FLOOR}'s`,
        `${f(ratio, 2)}× (${f(mean(c.map(cpuPerM)), 3)} vs ${
          f(mean(i.map(cpuPerM)), 3)
        } CPU-s per M)`,
        yes(ratio <= GOAL_CPU_RATIO),
      );
    }
    if (!rows.length) return;
    p();
    p("#### Issue 14's goals (chat)");
    p();
    p("| goal | target | measured | met |");
    p("|---|---|---|---|");
    out.push(...rows);
  }
}
