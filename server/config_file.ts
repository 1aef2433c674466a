// `chat serve --config FILE`: a TOML file with one key per flag of the flag
// table, checked against it (unknown keys, wrong types) before any value is
// used. Values become the same strings a flag would give, so one set of
// validators serves flags, environment and file alike.
import { parse, TomlError } from "smol-toml";
import { type FlagSpec, UsageError } from "../cli/flags.ts";
import { readFlagFile } from "../cli/read_text.ts";

/** A bad config file: the message starts with `FILE:LINE:` and names the key. Exit 2. */
export class ConfigFileError extends UsageError {
  override name = "ConfigFileError";
}

/** One key of a config file, as the string a flag would have given. */
export interface FileValue {
  readonly raw: string;
  /** 1-based line of the key in the file. */
  readonly line: number;
}

/** A parsed config file. */
export interface ConfigFile {
  readonly path: string;
  readonly values: ReadonlyMap<string, FileValue>;
}

/** The TOML types a key accepts. */
export type TomlKind = "boolean" | "integer" | "number" | "string" | "list";

/**
 * What a flag's key may hold, from its placeholder: switches are booleans,
 * ports and counts integers, sizes and durations a number or a string with
 * a unit ("64k", "500ms"), address lists a string or a list of strings.
 */
export function tomlKinds(flag: FlagSpec): readonly TomlKind[] {
  switch (flag.arg) {
    case "":
      return ["boolean"];
    case "PORT":
    case "N":
      return ["integer"];
    case "BYTES":
      return ["integer", "string"];
    case "SECONDS":
    case "RATE[:BURST]":
      return ["integer", "number", "string"];
    case "CIDR[,CIDR]":
      return ["string", "list"];
    case "AGE,COUNT":
      return ["string", "integer"];
    default:
      return ["string"];
  }
}

const KIND_TEXT: Record<TomlKind, string> = {
  boolean: "true or false",
  integer: "a whole number",
  number: "a number",
  string: 'a quoted string ("…")',
  list: 'a list of strings (["…", "…"])',
};

function kindOf(value: unknown): TomlKind | "date" | "table" | "other" {
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number" || typeof value === "bigint") {
    return Number.isInteger(Number(value)) && !String(value).includes(".") ? "integer" : "number";
  }
  if (typeof value === "string") return "string";
  if (Array.isArray(value)) return "list";
  if (value instanceof Date) return "date";
  if (value !== null && typeof value === "object") return "table";
  return "other";
}

const WHAT: Record<string, string> = {
  boolean: "a boolean",
  integer: "a whole number",
  number: "a number",
  string: "a string",
  list: "a list",
  date: "a date",
  table: "a table",
  other: "something else",
};

/** The value as the flag's string, or null when its type is wrong. */
function asRaw(value: unknown, kinds: readonly TomlKind[]): string | null {
  const kind = kindOf(value);
  if (kind === "integer" && (kinds.includes("integer") || kinds.includes("number"))) {
    return String(value);
  }
  if (kind === "number" && kinds.includes("number")) return String(value);
  if (kind === "boolean" && kinds.includes("boolean")) return value ? "on" : "off";
  if (kind === "string" && kinds.includes("string")) return value as string;
  if (kind === "list" && kinds.includes("list")) {
    const items = value as unknown[];
    return items.every((v) => typeof v === "string") ? items.join(",") : null;
  }
  return null;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The 1-based line where top-level `key` is set (or its table opened); 1 if not found. */
function lineOf(lines: readonly string[], key: string): number {
  const k = escapeRe(key);
  const re = new RegExp(
    `^\\s*(?:\\[+\\s*)?(?:${k}|"${k}"|'${k}')\\s*(?:[=.\\]]|$)`,
  );
  const i = lines.findIndex((l) => re.test(l));
  return i < 0 ? 1 : i + 1;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * Parses the text of a config file against `flags`. Throws
 * {@linkcode ConfigFileError} ("chat.toml:3: unknown key "prot"; did you
 * mean "port"?") for a syntax error, an unknown key or a wrong type.
 *
 * @example
 * parseConfigFile("chat.toml", "port = 9000\n", SERVE_FLAGS).values.get("port")
 * // { raw: "9000", line: 1 }
 */
export function parseConfigFile(
  path: string,
  text: string,
  flags: readonly FlagSpec[],
): ConfigFile {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const why = err.message.split("\n", 1)[0].replace(/^Invalid TOML document: /, "");
      throw new ConfigFileError(`${path}:${err.line}:${err.column}: ${why}`);
    }
    throw err;
  }
  const lines = text.split(/\r?\n/);
  const keys = flags.filter((f) => !f.cliOnly);
  const values = new Map<string, FileValue>();
  for (const [key, value] of Object.entries(doc)) {
    const line = lineOf(lines, key);
    const flag = keys.find((f) => f.name === key);
    if (!flag) {
      const near = keys.map((f) => [distance(key, f.name), f.name] as const)
        .sort((a, b) => a[0] - b[0])[0];
      const hint = near && near[0] <= 2 ? `; did you mean "${near[1]}"?` : "";
      const cli = flags.some((f) => f.name === key && f.cliOnly)
        ? `; --${key} is only a command-line flag`
        : hint || "; chat serve --example-config lists every key";
      throw new ConfigFileError(`${path}:${line}: unknown key "${key}"${cli}`);
    }
    const kinds = tomlKinds(flag);
    const raw = asRaw(value, kinds);
    if (raw === null) {
      const want = kinds.map((k) => KIND_TEXT[k]).join(" or ");
      throw new ConfigFileError(
        `${path}:${line}: ${key} must be ${want}, got ${WHAT[kindOf(value)]}`,
      );
    }
    values.set(key, Object.freeze({ raw, line }));
  }
  return Object.freeze({ path, values });
}

/** Reads and parses a config file; a file that cannot be read is a {@linkcode ConfigFileError}. */
export async function readConfigFile(
  path: string,
  flags: readonly FlagSpec[],
): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFlagFile("--config", path);
  } catch (err) {
    throw new ConfigFileError((err as Error).message);
  }
  return parseConfigFile(path, text, flags);
}
