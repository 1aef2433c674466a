/**
 * The history database cannot be used. The message is one line that names
 * the path and says what to do, ready to show to the person who ran chat.
 */
export class StorageError extends Error {
  override name = "StorageError";
}

/** The text of an error thrown by `node:sqlite` or `Deno`, without noise. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // Deno appends ": os error N" and the call; the first clause is what matters.
  return text.replace(/ \(os error \d+\).*$/s, "").replace(/, (open|stat) '.*$/s, "")
    .replace(/\*\*\* in database main \*\*\*/g, "").replace(/\s+/g, " ").trim();
}
