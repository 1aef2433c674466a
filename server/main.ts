import { UsageError, wantsHelp } from "../cli/flags.ts";
import { parseServeConfig, serveHelp } from "./config.ts";
import { serve, StartError } from "./serve.ts";

/** `chat serve ARGS`: returns the exit code. */
export async function runServe(args: string[]): Promise<number> {
  if (wantsHelp(args)) {
    console.log(serveHelp());
    return 0;
  }
  let config;
  try {
    config = parseServeConfig(args, Deno.env.toObject());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`chat serve: ${err.message}\nRun chat serve --help for every flag.`);
    return 2;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(sig, stop);
    } catch {
      // SIGTERM does not exist on Windows
    }
  }
  // SIGHUP re-reads the certificate and the password file (a renewal needs no restart).
  const reload = new EventTarget();
  try {
    Deno.addSignalListener("SIGHUP", () => reload.dispatchEvent(new Event("reload")));
  } catch {
    // no SIGHUP on Windows
  }
  try {
    await serve(config, { signal: controller.signal, reload });
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    console.error(`chat serve: ${err.message}`);
    return 1;
  }
  return 0;
}
