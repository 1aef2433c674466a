import type { Frame, Mode } from "../core/frame.ts";
import type { Peer } from "../core/peer.ts";
import type { Refusal } from "../core/rooms.ts";
import type { Member, Room } from "../core/room.ts";

/**
 * The connection of another node's member, as this node's Chat sees it:
 * everything a room shows its members is shown by the member's own node,
 * so only what is addressed to this member alone (a DM) is forwarded there.
 */
export class RemotePeer implements Peer {
  mode: Mode = "json";
  readonly label: string;
  /** The member's address, as its node sees it (a ban of its name bans that too). */
  readonly address: string;
  readonly #forward: (frame: Frame) => Promise<Refusal | null>;

  constructor(node: string, forward: (frame: Frame) => Promise<Refusal | null>, address = "") {
    this.label = `node ${node}`;
    this.address = address;
    this.#forward = forward;
  }

  send(frame: Frame): void {
    if (frame.event.type === "dm") void this.#forward(frame);
  }

  relay(frame: Frame): Promise<Refusal | null> {
    return this.#forward(frame);
  }

  close(): void {}
}

/** Another node's member, mirrored here (see `Member.remote`). */
export class RemoteMember implements Member {
  name: string;
  readonly node: string;
  readonly peer: RemotePeer;
  readonly rooms: Set<Room> = new Set();
  current: Room | null = null;
  roomAware = true;
  readonly remote = true as const;
  operator = false;

  constructor(
    name: string,
    node: string,
    forward: (to: RemoteMember, frame: Frame) => Promise<Refusal | null>,
    address = "",
  ) {
    this.name = name;
    this.node = node;
    this.peer = new RemotePeer(node, (frame) => forward(this, frame), address);
  }
}
