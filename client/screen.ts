import * as readline from "node:readline";
import process from "node:process";
import { stripVTControlCharacters } from "node:util";
import { displayWidth, fitCells } from "./width.ts";

/**
 * The terminal: a readline line editor at the bottom, and lines printed
 * above it without garbling what is half typed: the input is cleared,
 * the lines are written, and the prompt and partial input are redrawn
 * with the cursor where it was.
 */
export class Screen {
  readonly rl: readline.Interface;
  #asking = false;
  /** The status line, shown just above the input (transfers' progress), or null. */
  #status: string | null = null;
  /**
   * Lines entered (as readline echoed them) since the status line was
   * drawn: they sit between it and the input, and are redrawn above it.
   */
  #entered: string[] = [];
  /** Something else was written below the status line: it is drawn anew, not moved to. */
  #detached = false;
  #closed = false;

  /**
   * `secret`: while the line being typed matches it, what its second group
   * matched is shown as "*"s (e.g. the password of "/op PASSWORD").
   */
  constructor(completer: (line: string) => [string[], string], secret?: RegExp) {
    this.rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      completer: (line: string) => {
        const got = completer(line);
        // Several candidates: readline may list them below the input.
        if (got[0].length > 1 && this.#status !== null) this.#detached = true;
        return got;
      },
      historySize: 1000,
      removeHistoryDuplicates: true,
      tabSize: 4,
    });
    if (secret) this.#mask(secret);
    this.rl.on("close", () => this.#closed = true);
    // Before any other listener: the entered line is on the screen now.
    this.rl.on("line", (line: string) => {
      if (this.#status === null || this.#detached) return;
      const m = secret?.exec(line);
      const shown = m
        ? line.slice(0, m.index + m[1].length) + "*".repeat(displayWidth(m[2])) +
          line.slice(m.index + m[0].length)
        : line;
      this.#entered.push(stripVTControlCharacters(this.rl.getPrompt()) + shown);
    });
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

  /** Prints lines above the input line (and the status line); rings the bell when asked. */
  print(lines: string[], bell = false): void {
    if (lines.length === 0 && !bell) return;
    this.#draw(lines, bell, this.#status);
  }

  /** Rows `text` takes on the screen. */
  #rows(text: string): number {
    return Math.max(1, Math.ceil(displayWidth(text) / this.columns));
  }

  /**
   * Sets the status line (null: none), shown above the input, cut to one
   * row; lines printed later go above it.
   */
  setStatus(text: string | null): void {
    const line = text === null ? null : fitCells(text, this.columns - 1);
    if (line === this.#status) return;
    this.#draw([], false, line);
  }

  /** The status line now shown, or null. */
  get status(): string | null {
    return this.#status;
  }

  #draw(lines: string[], bell: boolean, status: string | null): void {
    const out = process.stdout;
    // The input may span several rows: go to its first row, and above it to
    // the status line (past the lines entered since), and clear to the end.
    let { rows } = this.rl.getCursorPos();
    let redraw: string[] = [];
    if (this.#status !== null && !this.#detached) {
      redraw = this.#entered;
      rows += 1 + redraw.reduce((n, l) => n + this.#rows(l), 0);
    }
    if (rows > 0) readline.moveCursor(out, 0, -rows);
    readline.cursorTo(out, 0);
    readline.clearScreenDown(out);
    out.write(
      [...redraw, ...lines, ...(status === null ? [] : [this.#paintStatus(status)])]
        .map((l) => l + "\n").join("") + (bell ? "\x07" : ""),
    );
    this.#status = status;
    this.#entered = [];
    this.#detached = false;
    if (!this.#closed) this.rl.prompt(true);
  }

  #paintStatus(status: string): string {
    // Reverse video, like a status bar (unless NO_COLOR).
    return Deno.env.get("NO_COLOR") ? status : `\x1b[7m${status}\x1b[0m`;
  }

  /**
   * Erases the line just entered (readline has echoed it and moved below
   * it), so that a message appears once: when the server acknowledges it.
   */
  eraseEntered(line: string): void {
    this.#entered.pop();
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
    // The answer is echoed below the status line, and is no entered line.
    if (this.#status !== null) this.#detached = true;
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
    if (this.#status !== null) this.setStatus(null);
    if (this.#closed) return;
    this.#closed = true;
    this.rl.close();
  }
}
