import { nameKey } from "../protocol/names.ts";

/** Where the page keeps the keys of reserved names: { "HOST:PORT": { "name": "KEY" } }. */
const STORAGE_KEY = "chat.keys";

type Keys = Record<string, Record<string, string>>;

function load(storage: Storage | undefined): Keys {
  try {
    const o = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "{}");
    return typeof o === "object" && o !== null && !Array.isArray(o) ? o : {};
  } catch {
    return {};
  }
}

function local(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage refused (a privacy setting): keys live as long as the page
  }
}

/**
 * The keys of reserved names (PROTOCOL.md, "Reserved names") by server and
 * name, in localStorage: the hello of a name sends its key, a welcome's new
 * key is kept, so the name stays the user's in this browser.
 */
export class NameKeys {
  readonly #storage: Storage | undefined;
  /** For when localStorage cannot be written: this page's lifetime. */
  readonly #memory: Keys = {};

  constructor(storage: Storage | undefined = local()) {
    this.#storage = storage;
  }

  /** The key kept for `name` on `server` ("host:port"), if any. */
  get(server: string, name: string): string | undefined {
    const k = nameKey(name);
    return load(this.#storage)[server]?.[k] ?? this.#memory[server]?.[k];
  }

  /** Keeps the key a welcome brought. */
  put(server: string, name: string, key: string): void {
    (this.#memory[server] ??= {})[nameKey(name)] = key;
    const keys = load(this.#storage);
    (keys[server] ??= {})[nameKey(name)] = key;
    try {
      this.#storage?.setItem(STORAGE_KEY, JSON.stringify(keys));
    } catch {
      // full or refused: the memory copy serves this page's reconnects
    }
  }
}
