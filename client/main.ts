import { UsageError, wantsHelp } from "../cli/flags.ts";
import { joinHelp, parseJoinConfig } from "./args.ts";
import { type JoinSecrets, loadJoinSecrets } from "./secrets.ts";

/** `chat join ARGS`: returns the exit code. */
export async function runJoin(args: string[]): Promise<number> {
  if (wantsHelp(args)) {
    console.log(joinHelp());
    return 0;
  }
  let config;
  try {
    config = parseJoinConfig(args, Deno.env.toObject());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`chat join: ${err.message}\nRun chat join --help for every flag.`);
    return 2;
  }
  let secrets: JoinSecrets;
  try {
    secrets = await loadJoinSecrets(config);
  } catch (err) {
    console.error(`chat join: ${err instanceof Error ? err.message : err}`);
    return 1;
  }
  if (config.send !== undefined) {
    if (config.name === "") {
      console.error(
        "chat join: --send needs --name, e.g. chat join --name ci --send report.pdf",
      );
      return 2;
    }
    const { runSendFile } = await import("./send_file.ts");
    return await runSendFile(config, secrets);
  }
  if (Deno.stdin.isTerminal()) {
    const { runTerminal } = await import("./terminal.ts");
    return await runTerminal(config, secrets);
  }
  if (config.name === "") {
    console.error(
      "chat join: --name is needed when stdin is not a terminal, e.g. echo hi | chat join --name ci",
    );
    return 2;
  }
  const { runPipe } = await import("./pipe.ts");
  return await runPipe(config, secrets);
}
