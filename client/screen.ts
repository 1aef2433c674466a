import * as readline from "node:readline";
import process from "node:process";
import { stripVTControlCharacters } from "node:util";
import { displayWidth } from "./width.ts";

/**
 * The terminal: a readline line editor at the bottom, and lines printed
 * above it without garbling what is half typed: the input is cleared,
 * the lines are written, and the prompt and partial input are redrawn
 * with the cursor where it was.
 */
export class Screen {
  readonly rl: readline.Interface;
  #asking = false;

  /**
   * `secret`: while the line being typed matches it, what its second group
   * matched is shown as "*"s (e.g. the password of "/op PASSWORD").
   */
  constructor(completer: (line: string) => [string[], string], secret?: RegExp) {
    this.rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      completer,
      historySize: 1000,
      removeHistoryDuplicates: true,
      tabSize: 4,
    });
    if (secret) this.#mask(secret);
  }

  /** Shows the secret part of a matching line as "*"s, one per cell, as it is typed or redrawn. */
  #mask(secret: RegExp): void {
    // readline echoes through this method: a character typed at the end of
    // the line is written alone, anything else redraws prompt and line.
    const rl = this.rl as unknown as { _writeToOutput(s: string): void; line: string };
    const echo = rl._writeToOutput;
    const stars = (t: string) => "*".repeat(displayWidth(t));
    rl._writeToOutput = (s: string) => {
      const m = secret.exec(rl.line);
      if (!m) return echo.call(rl, s);
      const open = m.index + m[1].length;
      const line = rl.line.slice(0, open) + stars(m[2]) + rl.line.slice(open + m[2].length);
      const prompt = this.rl.getPrompt();
      if (s === prompt + rl.line) return echo.call(rl, prompt + line);
      if (s.length > 0 && rl.line.endsWith(s)) {
        const at = rl.line.length - s.length;
        const shown = at >= open ? stars(s) : s.slice(0, open - at) + stars(s.slice(open - at));
        return echo.call(rl, shown);
      }
      echo.call(rl, s);
    };
  }

  /** The terminal width in cells. */
  get columns(): number {
    return process.stdout.columns || 80;
  }

  /** Sets the prompt, and shows it unless a question is being asked. */
  setPrompt(prompt: string): void {
    this.rl.setPrompt(prompt);
    if (!this.#asking) this.rl.prompt(true);
  }

  /** Prints lines above the input line; rings the bell when asked. */
  print(lines: string[], bell = false): void {
    if (lines.length === 0 && !bell) return;
    const out = process.stdout;
    // The input may span several rows: go to its first row, clear to the end.
    const { rows } = this.rl.getCursorPos();
    if (rows > 0) readline.moveCursor(out, 0, -rows);
    readline.cursorTo(out, 0);
    readline.clearScreenDown(out);
    out.write(lines.map((l) => l + "\n").join("") + (bell ? "\x07" : ""));
    this.rl.prompt(true);
  }

  /**
   * Erases the line just entered (readline has echoed it and moved below
   * it), so that a message appears once: when the server acknowledges it.
   */
  eraseEntered(line: string): void {
    const cells = displayWidth(stripVTControlCharacters(this.rl.getPrompt()) + line);
    const rows = Math.max(1, Math.ceil(cells / this.columns));
    readline.moveCursor(process.stdout, 0, -rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
  }

  /** Drops the line just entered from the history Up recalls (it held a secret). */
  forget(line: string): void {
    const rl = this.rl as unknown as { history: string[] };
    if (rl.history[0] === line) rl.history.shift();
  }

  /** Asks a question on the input line; resolves with the answer (null on Ctrl-C/Ctrl-D). */
  ask(query: string): Promise<string | null> {
    const { promise, resolve } = Promise.withResolvers<string | null>();
    this.#asking = true;
    const onClose = () => resolve(null);
    const onSigint = () => resolve(null);
    this.rl.once("close", onClose);
    this.rl.once("SIGINT", onSigint);
    this.rl.question(query, (answer) => resolve(answer));
    return promise.finally(() => {
      this.#asking = false;
      this.rl.off("close", onClose);
      this.rl.off("SIGINT", onSigint);
    });
  }

  /**
   * Asks for a secret: like {@linkcode ask}, but what is typed is not shown
   * (nor kept in the history Up recalls).
   */
  async askSecret(query: string): Promise<string | null> {
    // readline echoes through this method; muting it hides the keystrokes.
    const rl = this.rl as unknown as { _writeToOutput(s: string): void; history: string[] };
    const echo = rl._writeToOutput;
    rl._writeToOutput = (s: string) => {
      // A redraw shows the question without what was typed; Enter moves on.
      if (s.startsWith(query)) echo.call(rl, query);
      else if (/[\r\n]/.test(s)) echo.call(rl, "\r\n");
    };
    try {
      const answer = await this.ask(query);
      if (answer !== null && rl.history[0] === answer) rl.history.shift();
      return answer;
    } finally {
      rl._writeToOutput = echo;
    }
  }

  /** Stops the line editor and gives the terminal back; safe to call twice. */
  close(): void {
    this.rl.close();
  }
}
