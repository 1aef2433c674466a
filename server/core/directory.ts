import type { Refusal } from "./rooms.ts";

/**
 * What a session must make sure of, and may have to wait for, before the
 * {@linkcode Chat} lets a member use a name or enter a room: on one node
 * nothing (sessions are given no directory); in a cluster, that no other
 * node's member holds the name, and that the room's recent history and live
 * messages reach this node. The Chat itself never waits: the session awaits
 * these first, then calls it.
 */
export interface Directory {
  /** Holds `name` for this node's member; a refusal when another node's holds it. */
  claim(name: string): Promise<Refusal | null>;
  /** Lets go of a name this node held (left, renamed, or never joined). */
  release(name: string): void;
  /** Makes the rooms readable here (history, live messages); a refusal when it cannot now. */
  open(rooms: readonly string[]): Promise<Refusal | null>;
}
