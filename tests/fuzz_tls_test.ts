// The fuzzer's cases over TLS to a password-protected server, and hostile
// bytes at the TLS layer (see fuzz_tls.ts), for 10 s in CI: a new seed each
// run, printed; FUZZ_SEED=S replays one, FUZZ_TLS_SECONDS=N runs longer (or
// deno task fuzz --only tls --seconds N --seed=S).
import assert from "node:assert/strict";
import { HAVE_OPENSSL, runTlsFuzz } from "./fuzz_tls.ts";

const SECONDS = Number(Deno.env.get("FUZZ_TLS_SECONDS") ?? 10);

Deno.test({
  name:
    "hostile inputs over TLS and at the TLS layer, with a room password: nothing fails, nothing is lost",
  ignore: !HAVE_OPENSSL,
  async fn() {
    const seed = Number(
      Deno.env.get("FUZZ_SEED") ?? (crypto.getRandomValues(new Uint32Array(1))[0] >>> 1),
    );
    const f = await runTlsFuzz(SECONDS, seed, (line) => console.log(line));
    assert.ok(f.cases > 100 && f.legit > 0, `${f.cases} cases, ${f.legit} messages`);
  },
});
