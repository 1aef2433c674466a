import type { ServerEvent } from "../../protocol/events.ts";
import type { Chat } from "./chat.ts";
import { Frame } from "./frame.ts";
import type { Member, Room } from "./room.ts";

/**
 * Sends an event once to every member of any of `rooms` (a client that
 * knows nothing of rooms gets `notice` as a notice instead: an event type
 * it never asked for would not do); returns who was told.
 */
export function tell(
  chat: Chat,
  rooms: readonly Room[],
  event: ServerEvent,
  notice: string,
): Set<Member> {
  chat.settle();
  const frame = new Frame(event);
  const plain = new Frame({ type: "notice", text: notice });
  const told = new Set<Member>();
  for (const room of rooms) {
    for (const m of room.members) {
      if (told.has(m)) continue;
      told.add(m);
      m.peer.send(m.peer.mode === "plain" || m.roomAware ? frame : plain, m.current !== room);
    }
  }
  return told;
}

/**
 * A member became an operator: its rooms get their members again, with
 * `ops` (plain members a notice instead of a who list they did not ask for).
 */
export function showOperator(chat: Chat, member: Member): void {
  chat.settle();
  const plain = new Frame({ type: "notice", text: `${member.name} is now an operator` });
  for (const room of member.rooms) {
    room.opsChanged();
    const names = room.names();
    const frame = new Frame({ type: "members", room: room.name, names, ops: room.ops() });
    for (const m of room.members) {
      // A plain operator was just told "You are now an operator.": no second line about itself.
      if (m.peer.mode === "plain" && m === member) continue;
      m.peer.send(m.peer.mode === "plain" ? plain : frame, m.current !== room);
    }
  }
}
