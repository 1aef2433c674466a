import type { ClientEvent } from "../../protocol/events.ts";
import { normalizeName } from "../../protocol/names.ts";
import { sanitize } from "../../protocol/sanitize.ts";
import type { CommandContext } from "./commands.ts";
import { Room } from "./room.ts";
import { unreserve } from "./reservation_commands.ts";
import { requestUpload } from "./file_commands.ts";
import { DEFAULT_RESULTS, reviseMessage, searchRooms, sendPage, sendResults } from "./revisions.ts";

/**
 * One JSON-mode event of a joined member, turned into what it asks for:
 * the JSON twin of the plain commands table. Names are cleaned like plain
 * lines; room names are checked, not cleaned (escapes get bad_room).
 */
export function handleJson(ctx: CommandContext, e: ClientEvent): void | Promise<void> {
  const chat = ctx.chat;
  const me = ctx.member;
  switch (e.type) {
    case "say":
    case "me":
      if (e.room !== undefined) me.roomAware = true;
      return ctx.say(e.text, e.type === "me", e.ref, e.room, e.id);
    case "dm": {
      const text = sanitize(e.text);
      if (text.trim() === "") {
        return ctx.refuse({ code: "bad_request", message: "the message is empty" }, e.ref);
      }
      return ctx.check(chat.dm(me, sanitize(e.to), text, e.ref), e.ref);
    }
    case "op":
      return ctx.op(e.password);
    case "kick":
      return ctx.check(chat.moderation.kick(me, sanitize(e.name), sanitize(e.reason ?? "")));
    case "ban":
      return ctx.check(
        chat.moderation.ban(me, sanitize(e.target), e.duration, sanitize(e.reason ?? "")),
      );
    case "unban":
      return ctx.check(chat.moderation.unban(me, sanitize(e.target)));
    case "bans": {
      const bans = chat.moderation.bans(me);
      return Array.isArray(bans) ? ctx.send({ type: "bans", bans }) : ctx.refuse(bans);
    }
    case "mute":
      return ctx.check(chat.moderation.mute(me, sanitize(e.name), e.duration));
    case "unmute":
      return ctx.check(chat.moderation.unmute(me, sanitize(e.name)));
    case "lock": {
      const room = ctx.room(e.room, me.current ?? chat.defaultRoom);
      if (room) ctx.check(chat.moderation.lock(me, room, e.locked));
      return;
    }
    case "nick":
      return ctx.rename(normalizeName(e.name));
    case "who": {
      const room = chat.whoRoom(me, e.room, chat.defaultRoom);
      if (!(room instanceof Room)) return ctx.refuse(room);
      const ops = room.ops();
      return ctx.send(
        ops.length > 0
          ? { type: "members", room: room.name, names: room.names(), ops }
          : { type: "members", room: room.name, names: room.names() },
      );
    }
    case "enter":
      me.roomAware = true;
      // Room names are checked, not cleaned, like names: escapes get bad_room.
      return ctx.enter(e.room, e.since);
    case "part":
      me.roomAware = true;
      return ctx.check(chat.part(me, e.room));
    case "rooms":
      me.roomAware = true;
      return ctx.send({ type: "rooms", rooms: chat.roomList() });
    case "topic": {
      me.roomAware = true;
      const room = ctx.room(e.room, null);
      if (room) ctx.check(chat.setTopic(me, room, sanitize(e.text).trim()));
      return;
    }
    case "ping":
      ctx.pinged();
      return ctx.send({ type: "pong" });
    case "bye":
      return ctx.quit();
    case "unreserve":
      return unreserve(ctx, sanitize(e.name), sanitize(e.reason ?? ""));
    case "upload":
      return requestUpload(ctx, e.name, e.size, e.room ?? chat.defaultRoom.name, e.ref);
    case "history": {
      const room = ctx.room(e.room, chat.defaultRoom, e.ref);
      return room ? sendPage(ctx, room, e.before, e.limit ?? 50, e.ref) : undefined;
    }
    case "search": {
      const room = e.room === undefined ? undefined : ctx.room(e.room, null, e.ref);
      if (room === null) return;
      return sendResults(ctx, searchRooms(me, room), e.query, e.limit ?? DEFAULT_RESULTS, e.ref);
    }
    case "edit":
    case "delete": {
      const room = ctx.room(e.room, chat.defaultRoom, e.ref);
      if (!room) return;
      return reviseMessage(
        ctx,
        room,
        e.seq,
        e.type === "edit" ? { kind: "edit", text: e.text } : { kind: "delete" },
        e.ref,
      );
    }
    case "hello":
      return ctx.refuse({
        code: "bad_request",
        message: `you have already joined as ${me.name}`,
      });
  }
}
