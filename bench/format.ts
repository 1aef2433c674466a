// Number formats the bench's summaries share (summarize.ts and its sections).

/** "4.12M", "49.5k", "812"; "–" for nothing. */
export const k = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x)
    ? "–"
    : x >= 1e6
    ? (x / 1e6).toFixed(2) + "M"
    : x >= 1e3
    ? (x / 1e3).toFixed(1) + "k"
    : String(Math.round(x));

/** `d` decimals; "–" for nothing or a negative (not measured). */
export const f = (x: number | undefined, d = 2): string =>
  x === undefined || x === null || !Number.isFinite(x) || x < 0 ? "–" : x.toFixed(d);

/** The mean, or undefined for none. */
export const mean = (xs: number[]): number | undefined =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
