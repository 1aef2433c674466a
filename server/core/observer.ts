import type { LeaveReason, ServerEvent } from "../../protocol/events.ts";
import type { Member, Room } from "./room.ts";

/**
 * Told what this node's own members did, after the {@linkcode Chat} has
 * shown it to them: what a cluster tells the other nodes, which apply it to
 * their stand-ins for those members (see `Member.remote`). One node needs
 * none.
 */
export interface ChatObserver {
  joined(member: Member, rooms: readonly Room[]): void;
  entered(member: Member, room: Room): void;
  parted(member: Member, room: Room): void;
  left(member: Member, reason: LeaveReason): void;
  renamed(member: Member, old: string): void;
  topicSet(member: Member, room: Room, text: string): void;
  roomCreated(room: Room): void;
  /** A message was edited or deleted (and stored so) by this node's member. */
  revised?(
    member: Member,
    room: Room,
    event: Extract<ServerEvent, { type: "edit" | "delete" }>,
  ): void;
}
