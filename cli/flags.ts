// The flag tables of `chat serve` and `chat join`: one description per flag,
// from which both the parser and --help are made, so they cannot drift.
import { parseArgs } from "node:util";

/** One command-line flag. */
export interface FlagSpec {
  name: string;
  /** The value's placeholder, e.g. "PORT"; "" for a switch, which takes none. */
  arg: string;
  /** The default, as shown in --help. */
  default: string;
  /** The environment variable that may set it. */
  env?: string;
  /** May be given more than once: its value is then a list. */
  multiple?: boolean;
  /** The only values it takes (offered by shell completion). */
  choices?: readonly string[];
  /** A value to show in an example config where the default is not one (`6667` for "off"). */
  example?: string;
  /** Only on the command line: not a key of `chat serve --config`'s file. */
  cliOnly?: boolean;
  /** A change in the config file takes effect only after a restart (SIGHUP logs it). */
  restart?: boolean;
  help: string;
}

/** A bad command line: the message names the flag; exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** True when the arguments ask for help. */
export function wantsHelp(args: string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/**
 * Parses `args` strictly against `flags`: an unknown flag or a missing
 * value throws {@linkcode UsageError}.
 */
export function parseFlags(
  args: string[],
  flags: readonly FlagSpec[],
): Record<string, string | boolean | string[] | undefined> {
  const byName = new Map(flags.map((f) => [f.name, f]));
  try {
    return parseArgs({
      args: negativesJoined(args, byName),
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(
        flags.map((f) => [f.name, {
          type: f.arg === "" ? "boolean" as const : "string" as const,
          multiple: f.multiple ?? false,
        }]),
      ),
    }).values as Record<string, string | boolean | string[] | undefined>;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // "--port --tls": node's "argument is ambiguous" and its hints, said plainly;
    // "--port" last: "argument missing".
    const ambiguous = /^Option '--([\w-]+)' argument is ambiguous/.exec(message);
    const missing = /^Option '--([\w-]+) <value>' argument missing/.exec(message);
    const f = byName.get((ambiguous ?? missing)?.[1] ?? "");
    if (f) {
      const dash = ambiguous ? ` (one that starts with "-" as --${f.name}=VALUE)` : "";
      throw new UsageError(`--${f.name} needs a value: --${f.name} ${f.arg}${dash}`);
    }
    // node's hint about "--" is noise for a flag-only command line.
    throw new UsageError(message.replace(/\.\s+To specify.*$/s, "."));
  }
}

/**
 * `--max-per-ip -3` as `--max-per-ip=-3`: a negative number after a flag
 * that takes a value is that value (and is then refused by the flag's own
 * check, with its range), not a flag of its own.
 */
function negativesJoined(args: string[], flags: Map<string, FlagSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const f = args[i].startsWith("--") ? flags.get(args[i].slice(2)) : undefined;
    if (f && f.arg !== "" && /^-\d/.test(args[i + 1] ?? "")) {
      out.push(`${args[i]}=${args[++i]}`);
    } else out.push(args[i]);
  }
  return out;
}

/** What a --help page says besides the flags. */
export interface HelpPage {
  usage: string;
  about: string[];
  flags: readonly FlagSpec[];
  footer?: string[];
  examples: string[];
}

/** A --help page: usage, a description, every flag with its default, and examples. */
export function renderHelp(page: HelpPage): string {
  const rows = page.flags.map((f) => [`--${f.name}${f.arg ? ` ${f.arg}` : ""}`, f] as const);
  const width = Math.max(...rows.map(([u]) => u.length), "--help".length);
  return [
    `Usage: ${page.usage}`,
    "",
    ...page.about,
    "",
    "Flags:",
    ...rows.map(([u, f]) =>
      `  ${u.padEnd(width)}  ${f.help} (default ${f.default}${f.env ? `, env ${f.env}` : ""})`
    ),
    `  ${"--help".padEnd(width)}  show this help`,
    ...(page.footer ? ["", ...page.footer] : []),
    "",
    "Examples:",
    ...page.examples.map((e) => `  ${e}`),
  ].join("\n");
}
