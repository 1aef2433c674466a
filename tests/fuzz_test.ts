import assert from "node:assert/strict";
import { runFuzz } from "./fuzz_run.ts";
import { formatFigures } from "./fuzz_report.ts";
import { FUZZ_HANDSHAKE_TIMEOUT, startFuzzServer } from "./fuzz_server.ts";

// A bounded fuzz run for CI: a new seed each run (printed first; FUZZ_SEED=S
// replays one), 28 s of batches on a 2-core box. Longer runs: deno task fuzz.
const SECONDS = Number(Deno.env.get("FUZZ_SECONDS") ?? 28);

Deno.test("thousands of hostile inputs on every transport: the server never fails, bystanders lose nothing", async () => {
  const pinned = Deno.env.get("FUZZ_SEED");
  const seed = pinned === undefined
    ? crypto.getRandomValues(new Uint32Array(1))[0] >>> 1
    : Number(pinned);
  const { server } = await startFuzzServer();
  let exited = false;
  server.exited.then(() => exited = true);
  const log: string[] = [];
  try {
    const figures = await runFuzz({
      tcpPort: server.port,
      webPort: server.webPort,
      seed,
      seconds: SECONDS,
      handshakeTimeout: FUZZ_HANDSHAKE_TIMEOUT,
      stderr: server.stderr,
      alive: () => !exited,
      log: (line) => {
        log.push(line);
        if (line.startsWith("fuzz seed")) console.log(line);
      },
    });
    console.log(formatFigures(figures).join("\n"));
    const replay = `replay: deno run -A scripts/fuzz.ts --seed=${seed} --from-batch ` +
      `${figures.violations[0]?.batch} --batches 1`;
    assert.deepEqual(
      figures.violations.map((v) => `batch ${v.batch} [${v.what}] ${v.detail}`),
      [],
      `${replay}\n${log.join("\n")}\n${
        figures.violations.flatMap((v) => v.culprits ?? []).join("\n")
      }`,
    );
    assert.ok(figures.casesTotal > 500, `only ${figures.casesTotal} cases in ${SECONDS} s`);
    assert.ok(figures.deliveriesChecked > 0, "no legitimate message was checked");
  } finally {
    const code = exited ? await server.exited : await server.stop();
    assert.equal(code, 0, `the server exited with ${code}`);
  }
});
