// A line-oriented child process (ncat --ssl, openssl s_client): write lines
// to its stdin, read its stdout line by line, with timeouts.
import { LineSplitter, TOO_LONG } from "../protocol/line_splitter.ts";

const encoder = new TextEncoder();

/** A running command whose stdout is read as lines. */
export class LineProcess {
  readonly child: Deno.ChildProcess;
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #done: Promise<unknown>;

  constructor(cmd: string, args: string[]) {
    this.child = new Deno.Command(cmd, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.child.stdin.getWriter();
    const pump = async (s: ReadableStream<Uint8Array>, out: string[]) => {
      const split = new LineSplitter(1 << 20);
      for await (const chunk of s) {
        for (const l of split.push(chunk)) if (l !== TOO_LONG) out.push(l);
      }
    };
    this.#done = Promise.all([
      pump(this.child.stdout, this.lines),
      pump(this.child.stderr, this.stderr),
    ]);
  }

  /** Writes a line (adds "\n"). */
  async send(line: string): Promise<void> {
    await this.#writer.write(encoder.encode(line + "\n"));
  }

  /** Waits until a stdout line matches; returns it. */
  async until(match: (l: string) => boolean, what: string, timeoutMs = 8000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const hit = this.lines.find(match);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) {
        throw new Error(
          `timed out waiting for ${what}; stdout: ${this.lines.join(" | ")}; stderr: ${
            this.stderr.join(" | ")
          }`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Ends the process and waits for it. */
  async stop(): Promise<void> {
    await this.#writer.close().catch(() => {});
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.child.status;
    await this.#done;
  }
}

/** True when `cmd` runs (`cmd --version` or `-h`-style probe given in `args`). */
export function have(cmd: string, args: string[] = ["--version"]): boolean {
  try {
    new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}
