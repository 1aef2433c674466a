/**
 * Starts a `chat serve` the way the fuzzer wants it: web side on, no flood
 * control (hostile floods would only slow the run), a short handshake
 * timeout (so stalled handshakes are seen to be closed), and, when the
 * server has them, no per-address limits (every fuzz connection comes from
 * 127.0.0.1).
 */
import { startWebServer, type WebServerProcess } from "./web_helpers.ts";
import { REPO_ROOT } from "./helpers.ts";

/** The handshake timeout the fuzz server runs with, in seconds. */
export const FUZZ_HANDSHAKE_TIMEOUT = 2;

/** True when `chat serve --help` lists `flag`. */
export async function serveHasFlag(flag: string): Promise<boolean> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}main.ts`, "serve", "--help"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).includes(flag);
}

/** A server for fuzzing, and the arguments it was started with. */
export async function startFuzzServer(): Promise<{ server: WebServerProcess; args: string[] }> {
  const args = ["--rate-limit", "0", "--handshake-timeout", String(FUZZ_HANDSHAKE_TIMEOUT)];
  const limits = await Promise.all([
    serveHasFlag("--max-per-ip"),
    serveHasFlag("--max-pending-per-ip"),
  ]);
  if (limits[0]) args.push("--max-per-ip", "0");
  if (limits[1]) args.push("--max-pending-per-ip", "0");
  return { server: await startWebServer(args), args };
}
