import assert from "node:assert/strict";
import { compile } from "../scripts/compile.ts";

// deno compile downloads its runtime (denort) from dl.deno.land. Where that
// host cannot be reached (a sandbox without internet) this test is skipped,
// and says why; everywhere else it builds and runs the real executable.
async function runtimeReachable(): Promise<boolean> {
  try {
    await Deno.resolveDns("dl.deno.land", "A");
    const res = await fetch("https://dl.deno.land/", { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

const reachable = Deno.build.os === "linux" && Deno.build.arch === "x86_64" &&
  await runtimeReachable();
if (!reachable) {
  console.warn(
    "compile_test: skipped: deno compile needs to download its runtime from dl.deno.land, which this machine cannot reach",
  );
}

Deno.test({
  name:
    "the compiled executable serves a room and joins it (skipped without internet: deno compile downloads denort)",
  ignore: !reachable,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const bin = await compile("x86_64-unknown-linux-gnu", dir);
      const server = new Deno.Command(bin, {
        args: ["serve", "--host", "127.0.0.1", "--port", "0", "--db", ":memory:", "--no-web"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = server.stdout.getReader();
      let out = "";
      while (!out.includes("\n")) out += new TextDecoder().decode((await reader.read()).value);
      const port = /:(\d+)\n/.exec(out)![1];
      const join = await new Deno.Command(bin, {
        args: ["join", "--name", "ci", "--host", "127.0.0.1", "--port", port],
        stdin: "piped",
      }).spawn();
      const w = join.stdin.getWriter();
      await w.write(new TextEncoder().encode("hello from the binary\n"));
      await w.close();
      assert.equal((await join.status).code, 0);
      server.kill("SIGTERM");
      reader.releaseLock();
      await server.stdout.cancel();
      assert.equal((await server.status).code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
