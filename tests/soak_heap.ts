// The server's live heap, read through V8's inspector: a full GC first, so
// that what is left is what the server still holds (RSS also counts memory
// V8 and the allocator keep for reuse, which says nothing about a leak).
import type { ServerProcess } from "./helpers.ts";
import { waitFor } from "./helpers.ts";

/** The deno flag a server needs for {@linkcode HeapProbe}: an inspector on a free port. */
export const INSPECT_FLAG = "--inspect=127.0.0.1:0";

/** One inspector session with a server started with {@linkcode INSPECT_FLAG}. */
export class HeapProbe {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, (result: Record<string, unknown>) => void>();
  #id = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      this.#pending.get(m.id)?.(m.result ?? {});
      this.#pending.delete(m.id);
    };
  }

  /** Connects to the inspector the server announced on stderr. */
  static async open(server: ServerProcess): Promise<HeapProbe> {
    const find = () => server.stderr.map((l) => /Debugger listening on (ws:\S+)/.exec(l)?.[1]);
    await waitFor(() => find().some(Boolean), "the server's inspector address");
    const ws = new WebSocket(find().find(Boolean)!);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error("cannot connect to the server's inspector"));
    });
    return new HeapProbe(ws);
  }

  #call(method: string): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    const answer = new Promise<Record<string, unknown>>((r) => this.#pending.set(id, r));
    this.#ws.send(JSON.stringify({ id, method, params: {} }));
    const late = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer to ${method} in 10 s`)), 10_000);
      answer.finally(() => clearTimeout(t));
    });
    return Promise.race([answer, late]);
  }

  /** The server's live heap after a full GC, in kB. */
  async liveKb(): Promise<number> {
    await this.#call("HeapProfiler.collectGarbage");
    const usage = await this.#call("Runtime.getHeapUsage");
    return Math.round(Number(usage.usedSize) / 1024);
  }

  close(): void {
    this.#ws.close();
  }
}
