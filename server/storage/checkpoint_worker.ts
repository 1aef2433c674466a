// Runs in a Worker beside the server: copies the WAL into the database file
// (a checkpoint, with its fsyncs) on its own thread, so the event loop that
// serves the room never stalls on the disk. See checkpointer.ts.
import { DatabaseSync } from "node:sqlite";

interface Start {
  type: "start";
  path: string;
  intervalMs: number;
}

const scope = self as unknown as Worker;
let db: DatabaseSync | null = null;
let timer: ReturnType<typeof setInterval> | undefined;

scope.onmessage = (e: MessageEvent<Start | { type: "stop" }>) => {
  if (e.data.type === "start") {
    db = new DatabaseSync(e.data.path);
    const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    timer = setInterval(() => {
      try {
        checkpoint.get();
      } catch {
        // Busy or briefly locked: the next tick tries again.
      }
    }, e.data.intervalMs);
    scope.postMessage({ type: "started" });
  } else {
    clearInterval(timer);
    db?.close();
    db = null;
    scope.postMessage({ type: "stopped" });
  }
};
