import assert from "node:assert/strict";
import { MsgIds } from "./msgid.ts";

Deno.test("msgids: ROOM/SEQ/EPOCH, read back; another epoch's or a malformed id names nothing", () => {
  const ids = new MsgIds();
  ids.epoch = "1F2E3D4C-5b6a-4c3d-9e8f-0a1b2c3d4e5f";
  assert.equal(ids.of("dev", 34), "dev/34/1f2e3d4c");
  assert.deepEqual(ids.parse("dev/34/1f2e3d4c"), { room: "dev", seq: 34 });
  // Room names may have dots and letters of any script, never a slash.
  assert.deepEqual(ids.parse(ids.of("ops.é", 1)), { room: "ops.é", seq: 1 });
  for (
    const bad of ["dev/34/00000000", "dev/34", "dev/x/1f2e3d4c", "/34/1f2e3d4c", "a/b/34/1f2e3d4c"]
  ) {
    assert.equal(ids.parse(bad), null, bad);
  }
  // A history that started over (SQLite's epoch is 32 hex digits) makes other ids.
  const next = new MsgIds();
  next.epoch = "9a8b7c6d5e4f30211203a4b5c6d7e8f9";
  assert.equal(next.parse("dev/34/1f2e3d4c"), null);
  assert.equal(next.of("dev", 34), "dev/34/9a8b7c6d");
});
