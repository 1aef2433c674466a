/**
 * Fuzzes a fresh `chat serve` for N seconds: prints the seed, progress and
 * the figures; exits 1 on any violation, with the seed and the batch to
 * replay it.
 *
 *   deno run -A scripts/fuzz.ts --seconds 60 [--seed S] [--from-batch B] [--batches K]
 *                               [--keep-going] [--concurrency C]
 */
import { parseArgs } from "node:util";
import { runFuzz } from "../tests/fuzz_run.ts";
import { formatFigures } from "../tests/fuzz_report.ts";
import { FUZZ_HANDSHAKE_TIMEOUT, startFuzzServer } from "../tests/fuzz_server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "60" },
    seed: { type: "string" },
    "from-batch": { type: "string", default: "0" },
    batches: { type: "string" },
    "keep-going": { type: "boolean", default: false },
    concurrency: { type: "string", default: "6" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "usage: deno run -A scripts/fuzz.ts --seconds N [--seed S] [--from-batch B] [--batches K] " +
      "[--keep-going] [--concurrency C]",
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
const seed = number("seed", values.seed) ?? (crypto.getRandomValues(new Uint32Array(1))[0] >>> 1);
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
      `deno run -A scripts/fuzz.ts --seed=${figures.seed} --from-batch ${first.batch} --batches 1`,
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
