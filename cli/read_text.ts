/**
 * Reads a text file named by a flag. Throws an `Error` whose message is one
 * line naming the flag, the file and what is wrong ("no such file",
 * "permission denied …"), for the server to print before it exits.
 */
export async function readFlagFile(flag: string, file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound
      ? "no such file"
      : err instanceof Deno.errors.PermissionDenied
      ? "permission denied (check the file's owner and mode)"
      : err instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : err instanceof Error
      ? err.message
      : String(err);
    throw new Error(`cannot read ${flag} ${file}: ${why}`);
  }
}
