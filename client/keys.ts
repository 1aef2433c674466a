import { nameKey } from "../protocol/names.ts";
import { formatAddress, type ServerAddress } from "./hosts.ts";

/**
 * Where `chat join` keeps the keys of reserved names (PROTOCOL.md,
 * "Reserved names"): it sends the key of the name it joins as in
 * `hello.key`, and keeps the one a welcome brings, so the name stays the
 * user's without them doing anything.
 */
export interface NameKeys {
  /** Where the keys are kept, for messages ("~/.config/chat/keys.json"). */
  readonly where: string;
  /** The key kept for `name` on `server` (or, failing that, on another of the `--host` servers). */
  get(server: ServerAddress, name: string): string | undefined;
  /** Keeps a new key for `name` on `server`; the reason when it could not be written. */
  put(server: ServerAddress, name: string, key: string): Promise<string | null>;
}

/** `$XDG_CONFIG_HOME/chat/keys.json`, else `~/.config/chat/keys.json`; null without either. */
export function defaultKeysPath(env: Record<string, string | undefined>): string | null {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  if (xdg) return `${xdg.replace(/\/+$/, "")}/chat/keys.json`;
  const home = env.HOME?.trim();
  return home ? `${home.replace(/\/+$/, "")}/.config/chat/keys.json` : null;
}

/** `keys.json`: { "HOST:PORT": { "NAME KEY": "KEY" } }. */
type KeysJson = Record<string, Record<string, string>>;

function parse(text: string): KeysJson {
  const o = JSON.parse(text);
  if (typeof o !== "object" || o === null || Array.isArray(o)) return {};
  const out: KeysJson = {};
  for (const [server, names] of Object.entries(o)) {
    if (typeof names !== "object" || names === null) continue;
    out[server] = {};
    for (const [k, v] of Object.entries(names)) if (typeof v === "string") out[server][k] = v;
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : (err instanceof Error ? err.message : String(err)).replace(/\s*\(os error \d+\)$/, "");
}

/** Writes `text` to `path` readable by its owner only, replacing it whole (a crash leaves the old). */
async function writePrivate(path: string, text: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${Deno.pid}.tmp`;
  try {
    await Deno.writeTextFile(tmp, text, { mode: 0o600 });
    await Deno.chmod(tmp, 0o600); // the mode above is masked by the umask
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/**
 * The keys of every server and name, in one JSON file (mode 0600, its
 * folder 0700), read when `chat join` starts and read again before each
 * write, so two clients that run at once do not lose each other's keys.
 */
export class KeysFile implements NameKeys {
  readonly where: string;
  readonly #path: string;
  readonly #hosts: readonly ServerAddress[];
  #keys: KeysJson;

  private constructor(path: string, hosts: readonly ServerAddress[], keys: KeysJson) {
    this.#path = path;
    this.#hosts = hosts;
    this.#keys = keys;
    const home = Deno.env.get("HOME");
    this.where = home && path.startsWith(home + "/") ? `~${path.slice(home.length)}` : path;
  }

  /** Reads `path` (missing or unreadable: no keys yet; the reason is returned as a note). */
  static async open(
    path: string,
    hosts: readonly ServerAddress[],
  ): Promise<{ keys: KeysFile; note: string | null }> {
    const { keys, note } = await KeysFile.#read(path);
    return { keys: new KeysFile(path, hosts, keys), note };
  }

  static async #read(path: string): Promise<{ keys: KeysJson; note: string | null }> {
    try {
      return { keys: parse(await Deno.readTextFile(path)), note: null };
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return { keys: {}, note: null };
      return { keys: {}, note: `cannot read the name keys in ${path}: ${errorText(err)}` };
    }
  }

  get(server: ServerAddress, name: string): string | undefined {
    const k = nameKey(name);
    const here = this.#keys[formatAddress(server)]?.[k];
    if (here !== undefined) return here;
    // The same cluster under another of the --host addresses.
    for (const h of this.#hosts) {
      const there = this.#keys[formatAddress(h)]?.[k];
      if (there !== undefined) return there;
    }
    return undefined;
  }

  async put(server: ServerAddress, name: string, key: string): Promise<string | null> {
    const { keys, note } = await KeysFile.#read(this.#path);
    if (note) return note;
    (keys[formatAddress(server)] ??= {})[nameKey(name)] = key;
    this.#keys = keys;
    try {
      await writePrivate(this.#path, JSON.stringify(keys, null, 2) + "\n");
      return null;
    } catch (err) {
      return `cannot write ${this.#path}: ${errorText(err)}`;
    }
  }
}

/**
 * `--key-file FILE`: one key, for whatever name and server this run joins
 * (scripts, containers, another place than ~/.config). Read at the start;
 * a new key a welcome brings replaces it.
 */
export class SingleKeyFile implements NameKeys {
  readonly where: string;
  #key: string | undefined;

  private constructor(path: string, key: string | undefined) {
    this.where = path;
    this.#key = key;
  }

  /** Reads FILE's first line; a missing or empty file: no key yet. Throws when it cannot be read. */
  static async open(path: string): Promise<SingleKeyFile> {
    let key: string | undefined;
    try {
      key = (await Deno.readTextFile(path)).split(/\r?\n/, 1)[0].trim() || undefined;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        throw new Error(`--key-file ${path}: ${errorText(err)}`);
      }
    }
    return new SingleKeyFile(path, key);
  }

  get(): string | undefined {
    return this.#key;
  }

  async put(_server: ServerAddress, _name: string, key: string): Promise<string | null> {
    this.#key = key;
    try {
      await writePrivate(this.where, key + "\n");
      return null;
    } catch (err) {
      return `cannot write --key-file ${this.where}: ${errorText(err)}`;
    }
  }
}

/** No keys kept anywhere (no HOME, nor XDG_CONFIG_HOME). */
export const NO_KEYS: NameKeys = {
  where: "nowhere (set HOME or XDG_CONFIG_HOME, or give --key-file)",
  get: () => undefined,
  put: () =>
    Promise.resolve("no place to keep it: set HOME or XDG_CONFIG_HOME, or give --key-file"),
};
