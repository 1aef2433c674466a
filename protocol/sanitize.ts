// Whole escape sequences go, not just their ESC byte: removing only the ESC
// would leave debris such as "[31m" in the text.
const ESCAPE_SEQUENCES = new RegExp(
  [
    "\\x1b\\[[0-?]*[ -/]*[@-~]?", // CSI
    "\\x9b[0-?]*[ -/]*[@-~]?", // C1 CSI
    "(?:\\x1b[\\]PX^_]|[\\x90\\x98\\x9d\\x9e\\x9f])[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)", // OSC, DCS, SOS, PM, APC (terminated; unterminated ones lose their introducer below)
    "\\x1b[ -/]*[0-~]?", // other ESC sequences
  ].join("|"),
  "g",
);
// C0 except TAB, DEL and C1: matching control characters is the point here.
// deno-lint-ignore no-control-regex
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
// deno-lint-ignore no-control-regex
const ANY_CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/**
 * Removes control characters and terminal escape sequences from text that
 * came from a client, and replaces lone surrogates with U+FFFD, so that
 * nobody can move another user's cursor or recolour their terminal.
 *
 * @example
 * sanitize("\x1b[31mred\x1b[0m") // "red"
 */
export function sanitize(text: string): string {
  // The common case (clean text) costs one regex test.
  if (ANY_CONTROL.test(text)) {
    text = text.replace(ESCAPE_SEQUENCES, "").replace(CONTROLS, "");
  }
  return text.isWellFormed() ? text : text.toWellFormed();
}
