/** The longest name, in characters (code points). */
export const MAX_NAME_LENGTH = 32;

const NAME = /^[\p{L}\p{N}_.\-]{1,32}$/u;

/** Why a name cannot be used, or null when it is fine. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return "a name cannot be empty, choose one of 1-32 letters or digits";
  if ([...name].length > MAX_NAME_LENGTH) {
    return `the name is longer than ${MAX_NAME_LENGTH} characters, choose a shorter one`;
  }
  if (!NAME.test(name)) {
    return "a name may only contain letters, digits, _ - and . (no spaces), choose another";
  }
  return null;
}

/** The form in which names are stored and shown: NFC, surrounding spaces trimmed. */
export function normalizeName(name: string): string {
  return name.trim().normalize("NFC");
}

/** The key under which names are compared: case-insensitive. */
export function nameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}
