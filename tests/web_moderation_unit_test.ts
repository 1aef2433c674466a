import assert from "node:assert/strict";
import { moderationEvent } from "../protocol/moderation_commands.ts";
import { COMMANDS, parseInput } from "../web/input.ts";

// The page's moderation, without a browser: typed commands and the dialog's fields.

const send = (event: unknown) => ({ kind: "send", event });

Deno.test("operator commands typed in the page become their JSON events", () => {
  assert.deepEqual(parseInput("/op open sesame"), send({ type: "op", password: "open sesame" }));
  assert.deepEqual(
    parseInput("/kick bob  flooding", "dev"),
    send({ type: "kick", name: "bob", reason: "flooding" }),
  );
  assert.deepEqual(
    parseInput("/ban bob 12h spam, again"),
    send({ type: "ban", target: "bob", duration: "12h", reason: "spam, again" }),
  );
  assert.deepEqual(
    parseInput("/ban 10.0.0.0/8 open proxy"),
    send({ type: "ban", target: "10.0.0.0/8", reason: "open proxy" }),
  );
  assert.deepEqual(parseInput("/unban bob"), send({ type: "unban", target: "bob" }));
  assert.deepEqual(parseInput("/bans"), send({ type: "bans" }));
  assert.deepEqual(
    parseInput("/mute bob 90m"),
    send({ type: "mute", name: "bob", duration: "90m" }),
  );
  assert.deepEqual(parseInput("/unmute bob"), send({ type: "unmute", name: "bob" }));
  assert.deepEqual(parseInput("/lock", "dev"), send({ type: "lock", room: "dev", locked: true }));
  assert.deepEqual(parseInput("/unlock #ops"), send({ type: "lock", room: "ops", locked: false }));
  assert.deepEqual(parseInput("/unreserve bob"), send({ type: "unreserve", name: "bob" }));
  assert.deepEqual(
    parseInput("/unreserve bob  left the team"),
    send({ type: "unreserve", name: "bob", reason: "left the team" }),
  );
});

Deno.test("bad operator commands get what is wrong and the usage, and keep the text", () => {
  assert.deepEqual(parseInput("/op"), { kind: "error", message: "usage: /op PASSWORD" });
  assert.deepEqual(parseInput("/kick"), { kind: "error", message: "usage: /kick NAME [REASON]" });
  assert.deepEqual(parseInput("/ban bob 3 strikes"), {
    kind: "error",
    message:
      "DURATION is a number and s, m, h or d: 90m, 12h, 7d; usage: /ban NAME|ADDRESS|CIDR [DURATION] [REASON]",
  });
  assert.deepEqual(parseInput("/mute bob later"), {
    kind: "error",
    message: "DURATION is a number and s, m, h or d: 90m, 12h, 7d; usage: /mute NAME [DURATION]",
  });
  assert.deepEqual(parseInput("/lock"), {
    kind: "error",
    message: "you are in no room: /lock ROOM says which",
  });
  assert.deepEqual(parseInput("/unmute bob alice"), {
    kind: "error",
    message: "only one NAME please; usage: /unmute NAME",
  });
});

Deno.test("/help lists the operator commands under their own heading", () => {
  const at = COMMANDS.findIndex(([u, h]) => u === "Operators (after /op):" && h === "");
  assert.ok(at > COMMANDS.findIndex(([u]) => u === "/nick NAME"));
  const ops = COMMANDS.slice(at + 1).map(([u]) => u);
  assert.deepEqual(ops, [
    "/op PASSWORD",
    "/kick NAME [REASON]",
    "/ban NAME|ADDRESS|CIDR [DURATION] [REASON]",
    "/unban TARGET",
    "/bans",
    "/mute NAME [DURATION]",
    "/unmute NAME",
    "/lock [ROOM]",
    "/unlock [ROOM]",
    "/unreserve NAME [REASON]",
  ]);
});

Deno.test("the kick, ban and mute dialog's fields become the event; a bad duration is refused", () => {
  assert.deepEqual(moderationEvent("kick", "bob", { duration: "", reason: "  calm down " }), {
    type: "kick",
    name: "bob",
    reason: "calm down",
  });
  assert.deepEqual(moderationEvent("kick", "bob"), { type: "kick", name: "bob" });
  assert.deepEqual(moderationEvent("ban", "bob", { duration: " 7d ", reason: "spam\nand more" }), {
    type: "ban",
    target: "bob",
    duration: "7d",
    reason: "spam and more",
  });
  assert.deepEqual(moderationEvent("ban", "bob", { duration: "", reason: "" }), {
    type: "ban",
    target: "bob",
  });
  assert.deepEqual(moderationEvent("mute", "bob", { duration: "10m", reason: "ignored" }), {
    type: "mute",
    name: "bob",
    duration: "10m",
  });
  assert.equal(
    moderationEvent("ban", "bob", { duration: "a week" }),
    "DURATION is a number and s, m, h or d: 90m, 12h, 7d, or nothing",
  );
  assert.equal(typeof moderationEvent("mute", "bob", { duration: "2w" }), "string");
});
