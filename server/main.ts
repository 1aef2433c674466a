import { UsageError, wantsHelp } from "../cli/flags.ts";
import {
  buildServeConfig,
  configPath,
  resolveServeSettings,
  SERVE_FLAGS,
  serveHelp,
} from "./config.ts";
import { readConfigFile } from "./config_file.ts";
import { exampleConfig, printConfig } from "./config_print.ts";
import type { LoadedConfig } from "./reload.ts";
import { serve, StartError } from "./serve.ts";

/**
 * Loads `chat serve`'s configuration: the flags, the environment and the
 * config file they name (`--config`, CHAT_CONFIG), in that order of
 * precedence. Throws {@linkcode UsageError} (a `ConfigFileError` for the
 * file) for anything invalid.
 */
export async function loadServeConfig(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<LoadedConfig> {
  const path = configPath(args, env);
  const file = path === null ? null : await readConfigFile(path, SERVE_FLAGS);
  const settings = resolveServeSettings(args, env, file);
  return { settings, config: buildServeConfig(settings) };
}

/** `chat serve ARGS`: returns the exit code. */
export async function runServe(args: string[]): Promise<number> {
  if (wantsHelp(args)) {
    console.log(serveHelp());
    return 0;
  }
  if (args.includes("--example-config")) {
    console.log(exampleConfig().trimEnd());
    return 0;
  }
  // The environment as it was at start: a reload re-reads the file, not it.
  const env = Deno.env.toObject();
  let loaded: LoadedConfig;
  try {
    loaded = await loadServeConfig(args, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`chat serve: ${err.message}\nRun chat serve --help for every flag.`);
    return 2;
  }
  if (args.includes("--print-config")) {
    console.log(printConfig(loaded.settings, loaded.config));
    return 0;
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
  // SIGHUP reloads the config file, the certificate and the password files.
  const reload = new EventTarget();
  try {
    Deno.addSignalListener("SIGHUP", () => reload.dispatchEvent(new Event("reload")));
  } catch {
    // no SIGHUP on Windows
  }
  try {
    await serve(loaded.config, {
      signal: controller.signal,
      reload,
      settings: loaded.settings,
      load: () => loadServeConfig(args, env),
    });
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    console.error(`chat serve: ${err.message}`);
    return 1;
  }
  return 0;
}
