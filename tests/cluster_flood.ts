import assert from "node:assert/strict";
import { joinJson, type LineClient } from "./helpers.ts";

// What the cluster failure tests share: a flood a test can cut into, and
// the lobby's whole history with its checks.

export type Json = Record<string, unknown>;

/**
 * Posts one message (with an id) every 2 ms until `stop()`, and reads the
 * answers: acks and refusals by ref. A flood that a test can cut into.
 */
export function flood(c: LineClient, prefix: string, batch = 1) {
  const acked = new Set<string>();
  const refused = new Set<string>();
  let sent = 0, stopped = false;
  const sending = (async () => {
    while (!stopped) {
      let lines = "";
      for (let i = 0; i < batch; i++) {
        const k = sent++;
        lines += JSON.stringify({
          type: "say",
          text: `${prefix} ${k}`,
          ref: `${k}`,
          id: `${prefix}-${k}`,
        }) +
          "\n";
      }
      try {
        await c.sendRaw(lines);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const reading = (async () => {
    try {
      for (;;) {
        const e = await c.json(20000);
        if (e.type === "ack") acked.add(`${prefix} ${e.ref}`);
        if (e.type === "error" && e.code === "server_error") {
          assert.match(
            String(e.message),
            /unavailable for a moment, try again|earlier message of yours was not stored/,
          );
          refused.add(`${prefix} ${e.ref}`);
        }
        if (stopped && acked.size + refused.size >= sent) return;
      }
    } catch { /* the connection ended */ }
  })();
  return {
    acked,
    refused,
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      await sending;
      await reading;
    },
  };
}

/** Everything in the lobby's history, by a fresh client with since 0. */
export async function history(port: number, name: string): Promise<Json[]> {
  const { welcome, client } = await joinJson(port, name, { since: 0 });
  await client.close();
  return welcome.history as Json[];
}

export function assertGapless(h: Json[], what: string) {
  assert.deepEqual(h.map((m) => m.seq), h.map((_, i) => i + 1), `${what}: seqs 1..${h.length}`);
  const texts = h.map((m) => m.text);
  assert.equal(new Set(texts).size, texts.length, `${what}: no message twice`);
}
