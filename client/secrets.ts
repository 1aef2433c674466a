import { readFlagFile } from "../cli/read_text.ts";
import type { JoinConfig } from "./args.ts";
import type { OpenOptions } from "./connection.ts";
import { KeysFile, type NameKeys, NO_KEYS, SingleKeyFile } from "./keys.ts";
import { systemRoots } from "./system_roots.ts";

/** What `chat join` reads before connecting: the CA to trust and the room password. */
export interface JoinSecrets {
  tls: OpenOptions["tls"];
  /** Undefined: not given; a terminal asks for it when the server needs one. */
  password: string | undefined;
  /** The keys of reserved names: keys.json, or --key-file. */
  keys: NameKeys;
  /** Said once before joining (keys.json could not be read), or null. */
  keysNote: string | null;
}

/**
 * Reads `--ca` and the system's root certificates (see system_roots.ts),
 * `--password-file` (or CHAT_PASSWORD) and the name keys
 * (`--key-file`, or keys.json). Throws an `Error`
 * whose message names the file and what is wrong with it.
 */
export async function loadJoinSecrets(config: JoinConfig): Promise<JoinSecrets> {
  let tls: OpenOptions["tls"];
  if (config.tls) {
    const caCerts: string[] = [];
    if (config.caFile !== null) {
      const pem = await readFlagFile("--ca", config.caFile);
      if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
        throw new Error(
          `--ca ${config.caFile} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`,
        );
      }
      caCerts.push(pem);
    }
    // Deno's built-in roots are Mozilla's; the system's (a company's own CA) are added.
    const system = await systemRoots();
    if (system) caCerts.push(system.pem);
    tls = { caCerts, withCa: config.caFile !== null };
  }
  let password: string | undefined;
  const source = config.password;
  if (source && "value" in source) password = source.value;
  else if (source) {
    password = (await readFlagFile("--password-file", source.file)).split(/\r?\n/, 1)[0];
    if (password === "") {
      throw new Error(
        `--password-file ${source.file} is empty: put the password on its first line`,
      );
    }
  }
  let keys: NameKeys = NO_KEYS;
  let keysNote: string | null = null;
  if (config.keyFile !== null) keys = await SingleKeyFile.open(config.keyFile);
  else if (config.keysPath !== null) {
    ({ keys, note: keysNote } = await KeysFile.open(config.keysPath, config.hosts));
  }
  return { tls, password, keys, keysNote };
}
