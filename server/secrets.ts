import type { ServeConfig } from "./config.ts";
import { readFlagFile } from "../cli/read_text.ts";

/** A secret that cannot be read; the message names its source. */
export class SecretError extends Error {
  override name = "SecretError";
}

/**
 * Reads a password from its source: the file's first line (so an editor's
 * trailing newline does not become part of it), or the environment's value.
 * Throws {@linkcode SecretError} naming the file and what is wrong.
 */
export async function readPassword(
  source: NonNullable<ServeConfig["password"]>,
  flag = "--password-file",
): Promise<string> {
  if ("value" in source) return source.value;
  let text: string;
  try {
    text = await readFlagFile(flag, source.file);
  } catch (err) {
    throw new SecretError((err as Error).message);
  }
  const password = text.split(/\r?\n/, 1)[0];
  if (password === "") {
    throw new SecretError(`${flag} ${source.file} is empty: put the password on its first line`);
  }
  return password;
}
