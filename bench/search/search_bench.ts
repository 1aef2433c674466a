/**
 * Search benchmark: what the full-text index (SQLite FTS5) costs and buys on
 * a big history, in one bounded run on this machine.
 *
 *   deno task bench:search [--quick] [--messages 1000000] [--queries 400]
 *                          [--rounds 3] [--seconds 3] [--out FILE] [--keep]
 *
 * 1. Builds a room of --messages messages (Zipf-distributed words over a
 *    4000-word vocabulary, deterministic) through SqliteHistory.append in
 *    batches of 10 000 into a database without the index, plus a quiet room
 *    with one message per 1000 of them and an empty room; a copy opened with
 *    search on builds the index in one pass. Both sizes are measured.
 * 2. Search latency (limit 20) for one- and two-word queries, through the
 *    API and through a real `chat serve` over TCP (JSON `search`), and
 *    one-word queries in the quiet room and in the empty one: the index
 *    does not know rooms, so those walk the big room's matches.
 * 3. Paging: JSON `history` {before, limit: 200} walking back from the
 *    newest message (and the same through the API).
 * 4. Insert cost: SqliteHistory.append at batch 1 and 100, and acked `say`s
 *    per second through `chat serve` and `chat serve --no-search`, in
 *    alternating rounds (the machine is shared).
 *
 * Every answer is checked (words present, right room, newest first, the
 * known result count; pages whole and in order); a problem makes the run
 * exit 1. --quick (20 000 messages, ~25 s) is what tests/bench_search_test.ts
 * runs; with at most 200 000 messages every search's answer is checked
 * against a brute-force scan too. Writes bench/results/search.json
 * (search_quick.json with --quick) unless --out says where.
 */
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { SqliteHistory } from "../../server/storage/sqlite_history.ts";
import { type Spread, spread } from "./checks.ts";
import { Corpus, queries, type Query } from "./corpus.ts";
import {
  appendRates,
  build,
  pageApi,
  type PagingRun,
  searchApi,
  type SearchRun,
} from "./store_phases.ts";
import { flood, type FloodRun, wirePhase } from "./wire_phases.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    messages: { type: "string" },
    queries: { type: "string" },
    rounds: { type: "string" },
    seconds: { type: "string" },
    out: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const QUICK = values.quick;
const num = (v: string | undefined, full: number, quick: number, max: number) =>
  Math.min(max, Math.max(1, Number(v ?? (QUICK ? quick : full))));
const MESSAGES = num(values.messages, 1_000_000, 20_000, 5_000_000);
const QUERIES = num(values.queries, 400, 60, 5000);
// Searches of a small room for a common word walk every match in the big
// room (up to ~1 s each at 1M messages), so fewer of them.
const QUIET_QUERIES = Math.max(10, Math.floor(QUERIES / 5));
const EMPTY_QUERIES = Math.max(10, Math.floor(QUERIES / 20));
const ROUNDS = num(values.rounds, 3, 1, 5);
const SECONDS = num(values.seconds, 3, 1, 30);
const LIMIT = 20;
const PAGE = 200;
const OUT = values.out ??
  new URL(`../results/search${QUICK ? "_quick" : ""}.json`, import.meta.url).pathname;

const problems: string[] = [];
const log = (s: string) => console.error(`  ${s}`);
const dir = await Deno.makeTempDir({ prefix: "chat_search_bench_" });
const plain = `${dir}/plain.db`;
const indexed = `${dir}/indexed.db`;
const t0 = performance.now();
// The machine may be shared: the load average says how busy it was meanwhile.
const loadStart = Deno.loadavg()[0];

const corpus = new Corpus({ side: { room: "quiet", every: 1000 }, keep: MESSAGES <= 200_000 });
// Texts posted over the socket and appended later: their own generator, so
// they do not change the stored corpus.
const poster = new Corpus({ seed: 2 });
const texts = Array.from({ length: 4096 }, () => poster.text());

try {
  log(`building ${MESSAGES} messages in ${dir}`);
  const built = await build(corpus, MESSAGES, {
    plain,
    indexed,
    batch: 10_000,
    emptyRoom: "fresh",
  });
  log(
    `built in ${built.appendSeconds.toFixed(1)} s, indexed in ${built.rebuildSeconds.toFixed(1)} s`,
  );

  const sets: { name: string; room: string; queries: Query[] }[] = [
    { name: "1 word", room: corpus.room, queries: queries(corpus, 1, QUERIES, 11) },
    { name: "2 words", room: corpus.room, queries: queries(corpus, 2, QUERIES, 12) },
    { name: "1 word, quiet room", room: "quiet", queries: queries(corpus, 1, QUIET_QUERIES, 13) },
    { name: "1 word, empty room", room: "fresh", queries: queries(corpus, 1, EMPTY_QUERIES, 14) },
  ];
  // A draw of its own (seed 99), not the timed queries themselves.
  const warmup = queries(corpus, 1, 20, 99);
  const api: Record<string, SearchRun> = {};
  const history = SqliteHistory.open(indexed);
  let apiPaging: PagingRun;
  try {
    for (const q of warmup) await history.search([corpus.room], q.words, LIMIT);
    for (const set of sets) {
      api[set.name] = await searchApi(
        history,
        corpus,
        { ...set, limit: LIMIT, seconds: 20 },
        problems,
      );
      log(`api ${set.name}: p50 ${api[set.name].p50.toFixed(2)} ms`);
    }
    apiPaging = pageApi(
      history,
      { room: corpus.room, limit: PAGE, pages: 5000, seconds: 15 },
      problems,
    );
  } finally {
    history.close();
  }

  const wire = await wirePhase(indexed, corpus, {
    sets,
    warmup,
    limit: LIMIT,
    seconds: 25,
    pageLimit: PAGE,
    pages: 5000,
    pageSeconds: 30,
    lastSeq: MESSAGES,
  }, problems);
  log(`socket search and paging done (server started in ${wire.startSeconds.toFixed(1)} s)`);

  const appends = appendRates({ plain, indexed }, texts, {
    batches: [1, 100],
    rounds: ROUNDS,
    perRound: QUICK ? 5_000 : 100_000,
    seconds: QUICK ? 0.5 : 2,
  });
  log("append rates done");

  const floods: FloodRun[] = [];
  for (const [clients, window] of [[1, 256], [10, 32]]) {
    for (let r = 0; r < ROUNDS; r++) {
      // without, with; then with, without: a drift of the machine favours neither
      for (const search of r % 2 === 0 ? [false, true] : [true, false]) {
        const run = await flood(search ? indexed : plain, search, {
          clients,
          window,
          warmupSeconds: QUICK ? 0.3 : 1,
          seconds: SECONDS,
          maxPerClient: 2_000_000,
          texts,
        });
        if (run.errors > 0) problems.push(`flood ${clients} clients: ${run.errors} errors`);
        if (run.acked === 0) problems.push(`flood ${clients} clients, search ${search}: no acks`);
        floods.push(run);
        log(`${clients} × ${window}, search ${search}: ${Math.round(run.ackedPerSecond)} acked/s`);
      }
    }
  }

  const result = {
    bench: "search",
    date: new Date().toISOString(),
    quick: QUICK,
    machine: {
      cores: navigator.hardwareConcurrency,
      load1m: { start: loadStart, end: Deno.loadavg()[0] },
      deno: Deno.version.deno,
      sqlite: sqliteVersion(),
    },
    corpus: { vocabulary: corpus.words.length, limit: LIMIT, page: PAGE },
    build: built,
    search: { api, socket: wire.search },
    paging: { api: apiPaging, socket: wire.paging },
    serverStartSeconds: wire.startSeconds,
    append: appends,
    flood: summarizeFloods(floods),
    floods,
    rounds: ROUNDS,
    seconds: (performance.now() - t0) / 1000,
    problems,
  };
  await Deno.writeTextFile(OUT, JSON.stringify(result, null, 2) + "\n");
  printTables(result);
  console.log(`\nwritten to ${OUT}`);
} finally {
  if (values.keep) console.error(`kept ${dir}`);
  else await Deno.remove(dir, { recursive: true }).catch(() => {});
}
if (problems.length > 0) {
  console.error(
    `\n${problems.length} problems, the first ones:\n  ${problems.slice(0, 20).join("\n  ")}`,
  );
  Deno.exit(1);
}

function sqliteVersion(): string {
  const db = new DatabaseSync(":memory:");
  try {
    return (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  } finally {
    db.close();
  }
}

/** Per clients × window: acked/s over the rounds, without and with the index. */
function summarizeFloods(runs: FloodRun[]) {
  const keys = [...new Set(runs.map((r) => `${r.clients}×${r.window}`))];
  return keys.map((k) => {
    const of = (search: boolean) =>
      spread(
        runs.filter((r) => `${r.clients}×${r.window}` === k && r.search === search)
          .map((r) => r.ackedPerSecond),
      );
    const [clients, window] = k.split("×").map(Number);
    return { clients, window, without: of(false), with: of(true) };
  });
}

// deno-lint-ignore no-explicit-any
function printTables(r: any): void {
  const int = (n: number) => Math.round(n).toLocaleString("en-US");
  const ms = (n: number) => Number.isNaN(n) ? "–" : n < 10 ? n.toFixed(2) : n.toFixed(0);
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const pct = (a: number, b: number) => `${Math.round((a / b) * 100)} %`;
  const b = r.build;
  console.log(
    `\nsearch bench ${r.date.slice(0, 10)}: ${int(b.messages)} messages in one room (+ ${
      int(b.sideMessages)
    } in a quiet room, and an empty room), ${r.corpus.vocabulary}-word Zipf vocabulary, limit ${r.corpus.limit}; ${r.machine.cores} cores, Deno ${r.machine.deno}, SQLite ${r.machine.sqlite}\n`,
  );
  console.log(
    "| search | path | queries | results/query | p50 ms | p99 ms | max ms | p50 / p99 common | p50 / p99 rare | bystander's ack p99 / max ms |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const name of Object.keys(r.search.api)) {
    for (const path of ["api", "socket"]) {
      const s = r.search[path][name];
      const by = s.bystander ? `${ms(s.bystander.p99)} / ${ms(s.bystander.max)}` : "";
      console.log(
        `| ${name} | ${path} | ${s.count} | ${s.results.toFixed(1)} | ${ms(s.p50)} | ${
          ms(s.p99)
        } | ${ms(s.max)} | ${ms(s.common.p50)} / ${ms(s.common.p99)} | ${ms(s.rare.p50)} / ${
          ms(s.rare.p99)
        } | ${by} |`,
      );
    }
  }
  console.log(
    "\n(common: the query's rarest word is among the 100 commonest; rare: not among the 1000 commonest;" +
      " bystander: another member posting every 20 ms in its own room meanwhile)\n",
  );
  console.log(
    `| paging back, ${r.corpus.page} per page | pages | messages | p50 ms | p99 ms | max ms |`,
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const path of ["api", "socket"]) {
    const p = r.paging[path];
    console.log(
      `| ${path} | ${p.count} | ${int(p.messages)}${p.reachedStart ? " (all)" : ""} | ${
        ms(p.p50)
      } | ${ms(p.p99)} | ${ms(p.max)} |`,
    );
  }
  console.log(
    `\n| insert (median of ${r.rounds} rounds, min–max) | without index | with index | with / without |`,
  );
  console.log("| --- | ---: | ---: | ---: |");
  const cell = (x: Spread) => `${int(x.median)} (${int(x.min)}–${int(x.max)})`;
  const rows: [string, { without: Spread; with: Spread }][] = [
    ...r.append.map((a: { batch: number }) => [`SqliteHistory.append, batch ${a.batch}, msg/s`, a]),
    ...r.flood.map((f: { clients: number; window: number }) => [
      `chat serve, ${f.clients} client${
        f.clients > 1 ? "s" : ""
      } × ${f.window} in flight, acked msg/s`,
      f,
    ]),
  ];
  for (const [what, x] of rows) {
    console.log(
      `| ${what} | ${cell(x.without)} | ${cell(x.with)} | ${
        pct(x.with.median, x.without.median)
      } |`,
    );
  }
  console.log(
    `| building: append (batch ${b.batch}), then indexed in the server's steps, s (msg/s) | ${
      b.appendSeconds.toFixed(1)
    } | + ${b.rebuildSeconds.toFixed(1)} (${
      int((b.messages + b.sideMessages) / b.rebuildSeconds)
    }) | |`,
  );
  const n = b.messages + b.sideMessages;
  console.log(
    `| database size, MB (bytes/message) | ${mb(b.bytesWithout)} (${int(b.bytesWithout / n)}) | ${
      mb(b.bytesWith)
    } (${int(b.bytesWith / n)}) | ${pct(b.bytesWith, b.bytesWithout)} |`,
  );
  const load = r.machine.load1m;
  console.log(
    `\nload average (1 min) ${load.start.toFixed(1)} at the start, ${
      load.end.toFixed(1)
    } at the end; chat serve started on the indexed database in ${
      r.serverStartSeconds.toFixed(1)
    } s; whole run ${r.seconds.toFixed(0)} s`,
  );
}
