/**
 * Fuzzes fresh `chat serve`s for N seconds each: first a plain one (TCP in
 * both modes, HTTP and WebSocket frames on the web port), then one with TLS
 * and a room password (the same line cases over TLS, and hostile bytes at
 * the TLS layer). Prints the seed, progress and the figures; exits 1 on any
 * violation, with the seed (and batch) to replay it.
 *
 *   deno run -A scripts/fuzz.ts --seconds 60 [--seed S] [--only plain|tls] [--from-batch B]
 *                               [--batches K] [--keep-going] [--concurrency C]
 */
import { parseArgs } from "node:util";
import { runFuzz } from "../tests/fuzz_run.ts";
import { formatFigures } from "../tests/fuzz_report.ts";
import { FUZZ_HANDSHAKE_TIMEOUT, startFuzzServer } from "../tests/fuzz_server.ts";
import { HAVE_OPENSSL, runTlsFuzz } from "../tests/fuzz_tls.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "60" },
    seed: { type: "string" },
    only: { type: "string" },
    "from-batch": { type: "string", default: "0" },
    batches: { type: "string" },
    "keep-going": { type: "boolean", default: false },
    concurrency: { type: "string", default: "6" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "usage: deno run -A scripts/fuzz.ts --seconds N [--seed S] [--only plain|tls] " +
      "[--from-batch B] [--batches K] [--keep-going] [--concurrency C]\n" +
      "--seconds is for each of the two servers (plain, then TLS with a password); " +
      "--from-batch, --batches, --keep-going and --concurrency are the plain run's",
  );
  Deno.exit(0);
}
const number = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) {
    console.error(`--${name} must be a number, not ${JSON.stringify(v)}`);
    Deno.exit(2);
  }
  return n;
};
if (values.only !== undefined && values.only !== "plain" && values.only !== "tls") {
  console.error(`--only is plain or tls, not ${JSON.stringify(values.only)}`);
  Deno.exit(2);
}
const seed = number("seed", values.seed) ?? (crypto.getRandomValues(new Uint32Array(1))[0] >>> 1);
if (values.only !== "tls") await fuzzPlain();
if (values.only !== "plain") await fuzzTls();

async function fuzzPlain(): Promise<void> {
  const { server, args } = await startFuzzServer();
  console.log(`server: chat serve ${args.join(" ")} (tcp ${server.port}, web ${server.webPort})`);
  let exited = false;
  server.exited.then(() => exited = true);
  const figures = await runFuzz({
    tcpPort: server.port,
    webPort: server.webPort,
    seed: seed | 0,
    seconds: number("seconds", values.seconds),
    firstBatch: number("from-batch", values["from-batch"]),
    batches: number("batches", values.batches),
    concurrency: number("concurrency", values.concurrency),
    keepGoing: values["keep-going"],
    handshakeTimeout: FUZZ_HANDSHAKE_TIMEOUT,
    stderr: server.stderr,
    alive: () => !exited,
    log: (line) => console.log(line),
  });
  const code = exited ? await server.exited : await server.stop();
  for (const line of formatFigures(figures)) console.log(line);
  if (figures.violations.length > 0) {
    const first = figures.violations[0];
    console.log(
      `FAILED: seed ${figures.seed}, batch ${first.batch}: replay with ` +
        `deno run -A scripts/fuzz.ts --only plain --seed=${figures.seed} ` +
        `--from-batch ${first.batch} --batches 1`,
    );
    for (const v of figures.violations) {
      console.log(`- batch ${v.batch} [${v.what}] ${v.detail}`);
      for (const c of v.culprits ?? []) console.log(`    alone: ${c}`);
    }
    Deno.exit(1);
  }
  if (code !== 0) {
    console.log(`the server exited with ${code} on SIGTERM`);
    Deno.exit(1);
  }
}

async function fuzzTls(): Promise<void> {
  if (!HAVE_OPENSSL) {
    console.log("SKIPPED the TLS fuzz: it needs openssl to make its certificates");
    return;
  }
  console.log("server: chat serve with --tls-cert, --tls-key and CHAT_PASSWORD");
  try {
    const f = await runTlsFuzz(number("seconds", values.seconds)!, seed | 0, console.log);
    console.log(`tls: ${f.cases} cases, ${f.legit} legitimate messages checked; no violations`);
  } catch (err) {
    console.log(`FAILED (tls): ${err instanceof Error ? err.message : err}`);
    console.log(`replay with deno run -A scripts/fuzz.ts --only tls --seed=${seed | 0}`);
    Deno.exit(1);
  }
}
