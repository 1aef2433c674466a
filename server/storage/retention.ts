/** How long history is kept: by age, by count, both, or (both null) forever. */
export interface RetainPolicy {
  /** Messages older than this many milliseconds are deleted. */
  readonly maxAgeMs: number | null;
  /** Only the newest this many messages are kept. */
  readonly maxCount: number | null;
}

/** Keep everything. */
export const RETAIN_FOREVER: RetainPolicy = Object.freeze({ maxAgeMs: null, maxCount: null });

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `--retain`: an age (`30d`, `12h`, `90m`, `45s`), a count
 * (`100000`), both separated by a comma, or `forever`.
 * Throws a `SyntaxError` that says what is accepted.
 *
 * @example
 * parseRetain("30d,100000") // { maxAgeMs: 2592000000, maxCount: 100000 }
 */
export function parseRetain(raw: string): RetainPolicy {
  const text = raw.trim().toLowerCase();
  if (text === "forever" || text === "") return RETAIN_FOREVER;
  let maxAgeMs: number | null = null;
  let maxCount: number | null = null;
  for (const part of text.split(",").map((p) => p.trim())) {
    const age = /^(\d+)([smhd])$/.exec(part);
    if (age && maxAgeMs === null && Number(age[1]) > 0) {
      maxAgeMs = Number(age[1]) * UNIT_MS[age[2]];
    } else if (/^\d+$/.test(part) && maxCount === null && Number(part) > 0) {
      maxCount = Number(part);
    } else {
      throw new SyntaxError(
        `--retain must be an age like 30d, 12h or 90m, a message count like 100000, both (30d,100000) or forever, got "${raw}"`,
      );
    }
    if (!Number.isSafeInteger(maxAgeMs ?? 0) || !Number.isSafeInteger(maxCount ?? 0)) {
      throw new SyntaxError(`--retain is too large, got "${raw}"`);
    }
  }
  return Object.freeze({ maxAgeMs, maxCount });
}

/** Describes a policy for people: "30 days and 100000 messages". */
export function describeRetain(policy: RetainPolicy): string {
  const parts: string[] = [];
  if (policy.maxAgeMs !== null) {
    const ms = policy.maxAgeMs;
    const [n, unit] = ms % UNIT_MS.d === 0
      ? [ms / UNIT_MS.d, "day"]
      : ms % UNIT_MS.h === 0
      ? [ms / UNIT_MS.h, "hour"]
      : ms % UNIT_MS.m === 0
      ? [ms / UNIT_MS.m, "minute"]
      : [ms / UNIT_MS.s, "second"];
    parts.push(`${n} ${unit}${n === 1 ? "" : "s"}`);
  }
  if (policy.maxCount !== null) parts.push(`the newest ${policy.maxCount} messages`);
  return parts.length === 0 ? "forever" : parts.join(" and ");
}
