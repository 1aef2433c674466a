// `chat serve --print-config` and `--example-config`: both written from the
// flag table, so neither can drift from what the server accepts.
import type { FlagSpec } from "../cli/flags.ts";
import { tomlKinds } from "./config_file.ts";
import type { ServeConfig, ServeSettings, Source } from "./config.ts";
import { SERVE_FLAGS } from "./serve_flags.ts";

/** The flags that are keys of the config file. */
export const FILE_KEYS: readonly FlagSpec[] = SERVE_FLAGS.filter((f) => !f.cliOnly);

/**
 * A flag's string value as a TOML value of its key's type; null when it is
 * not one (a default such as "off" for a port).
 */
export function tomlValue(flag: FlagSpec, raw: string): string | null {
  const kinds = tomlKinds(flag);
  if (kinds.includes("boolean")) return raw === "on" ? "true" : raw === "off" ? "false" : null;
  if (kinds.includes("integer") && /^\d+$/.test(raw)) return raw;
  if (kinds.includes("number") && /^\d+\.\d+$/.test(raw)) return raw;
  if (kinds.includes("string")) return JSON.stringify(raw);
  return null;
}

/** Credentials in a URL (`redis://user:pass@host`) shown as `***`. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

function from(name: string, source: Source): string {
  switch (source.kind) {
    case "flag":
      return `--${name}`;
    case "env":
      return `env ${source.name}`;
    case "file":
      return `${source.path}:${source.line}`;
    case "default":
      return "default";
  }
}

function secret(what: string, source: ServeConfig["password"], env: string): string {
  if (source === null) return `# ${what}: none`;
  return "file" in source
    ? `# ${what} = "***"  (read from ${source.file})`
    : `# ${what} = "***"  (from env ${env})`;
}

/**
 * The effective configuration as a TOML file: every key with its value and
 * where it came from, defaults as comments. Passwords are never shown, nor credentials in the Redis URL.
 */
export function printConfig(settings: ServeSettings, config: ServeConfig): string {
  const out = [
    "# chat serve: the effective configuration (flag > env > file > default)",
    `# config file: ${settings.file?.path ?? "none"}`,
    "",
  ];
  const lines = FILE_KEYS.map((f) => {
    const s = settings.values.get(f.name)!;
    const raw = f.name === "redis" ? maskUrl(s.raw) : s.raw;
    const value = tomlValue(f, raw);
    // Defaults are comments: written out, a default would count as given
    // (--redis refuses a --db that was given).
    const text = value === null || s.source.kind === "default"
      ? `# ${f.name} = ${value ?? raw}`
      : `${f.name} = ${value}`;
    return [text, from(f.name, s.source)] as const;
  });
  const width = Math.max(...lines.map(([t]) => t.length));
  for (const [text, source] of lines) out.push(`${text.padEnd(width)}  # ${source}`);
  out.push(
    "",
    secret("room password", config.password, "CHAT_PASSWORD"),
    secret("operator password", config.opPassword, "CHAT_OP_PASSWORD"),
  );
  return out.join("\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * An annotated config file with every key commented out at its default (or
 * an example value where the default is none), generated from the flag table.
 */
export function exampleConfig(): string {
  const out = [
    "# chat serve --config FILE (or env CHAT_CONFIG=FILE): one key per flag of",
    "# `chat serve`, with the same name. A flag or its environment variable wins",
    "# over this file; the file wins over the default. Uncomment what you change.",
    "#",
    "# SIGHUP (systemctl reload chat) reads this file again: most keys change at",
    "# once, for connections made from then on, and nobody is dropped; keys marked",
    "# [restart] are logged as needing a restart. A file that fails to load is",
    "# logged and the configuration before it kept. The room and operator",
    "# passwords are read from the files named here (or env CHAT_PASSWORD,",
    "# CHAT_OP_PASSWORD), never written in this file.",
  ];
  for (const f of FILE_KEYS) {
    const notes = [
      `default ${f.default}`,
      ...(f.env ? [`env ${f.env}`] : []),
      ...(f.choices ? [`one of ${f.choices.join(", ")}`] : []),
    ];
    out.push(
      "",
      ...wrap(`${f.help} (${notes.join("; ")})${f.restart ? " [restart]" : ""}`, 76)
        .map((l) => `# ${l}`),
    );
    const value = tomlValue(f, f.example ?? f.default) ?? tomlValue(f, f.example ?? "") ??
      JSON.stringify(f.example ?? f.default);
    out.push(`# ${f.name} = ${value}`);
  }
  return out.join("\n") + "\n";
}
