/**
 * `chat serve` with two bugs planted from outside the product code, for
 * tests/handler_failure_test.ts: a line containing "boom!" makes the
 * session's handler throw, and ending a member named "fragile…" (or a
 * connection that never joined, on its handshake timer) throws the first time;
 * with PLANT_SWEEP_BUG set, the periodic sweep for dead peers throws once. Arguments are those of `main.ts serve …`.
 */
import { Session } from "../server/core/session.ts";
import { runServe } from "../server/main.ts";
import { Hub } from "../server/transport/hub.ts";
import type { SplitLine } from "../protocol/line_splitter.ts";
import type { LeaveReason } from "../protocol/events.ts";

const handle = Session.prototype.handle;
Session.prototype.handle = function (this: Session, line: SplitLine) {
  if (typeof line === "string" && line.includes("boom!")) throw new Error("planted handler bug");
  return handle.call(this, line);
};
const end = Session.prototype.end;
const thrown = new WeakSet<Session>();
Session.prototype.end = function (this: Session, reason: LeaveReason) {
  const planted = this.name.startsWith("fragile") || (!this.joined && reason === "timeout");
  if (planted && !thrown.has(this)) {
    thrown.add(this);
    throw new Error("planted bug in end");
  }
  return end.call(this, reason);
};

// The periodic sweep for dead peers throws once: a bug no connection owns.
const sweep = Hub.prototype.sweep;
let swept = false;
Hub.prototype.sweep = function (this: Hub) {
  if (!swept && Deno.env.get("PLANT_SWEEP_BUG")) {
    swept = true;
    throw new Error("planted bug in the sweep");
  }
  return sweep.call(this);
};

const [command, ...rest] = Deno.args;
if (command !== "serve") throw new Error("usage: failing_server.ts serve FLAGS");
Deno.exit(await runServe(rest));
