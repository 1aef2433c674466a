import { nameKey } from "../../protocol/names.ts";
import type { Chat, Refusal } from "./chat.ts";
import type { Directory } from "./directory.ts";
import { after, type NameClaim } from "./reservations.ts";
import type { Member } from "./room.ts";

/** What a rename needs of its session. */
export interface RenameParts {
  chat: Chat;
  member: Member;
  /** What names wait for in a cluster; absent on one node. */
  directory: Directory | undefined;
  /** Whether the session ended meanwhile (a cluster's claim is awaited). */
  ended(): boolean;
  /** Sends the refusal, if any. */
  check(refusal: Refusal | null): void;
}

/**
 * Renames a member: the name must be free here, in the cluster (a lease)
 * and of reservations (a reserved name only with its key: one this
 * connection was given or gave). Synchronous on one node.
 */
export function rename(p: RenameParts, name: string): void | Promise<void> {
  const { chat, member, directory: dir } = p;
  // Mutes and banned names are checked before a cluster's claim, and again when renamed.
  const local = chat.checkRename(name, member);
  const names = chat.reservations;
  const claim: NameClaim = { key: names.keyOf(member, name), reserve: false };
  const same = nameKey(name) === nameKey(member.name);
  if (!dir || local || name === member.name) {
    if (local || same) return p.check(local ?? renamed(chat, member, name));
    const done = after(names.check(name, claim), (v) => {
      p.check(v.ok ? renamed(chat, member, name) : v.refusal);
    });
    return done instanceof Promise ? done : undefined;
  }
  return (async () => {
    const refusal = await dir.claim(name);
    if (refusal || p.ended()) {
      if (!refusal) dir.release(name);
      return p.check(refusal);
    }
    const v = same ? null : await names.check(name, claim);
    if (p.ended()) return dir.release(name);
    const late = v && !v.ok ? v.refusal : renamed(chat, member, name);
    // The old name is let go by the cluster once the rename is told; a refused one frees the new.
    if (late) dir.release(name);
    p.check(late);
  })();
}

/** Renames in the Chat; a reserved name left behind counts as used now. */
function renamed(chat: Chat, member: Member, name: string): Refusal | null {
  const old = member.name;
  const refusal = chat.rename(member, name);
  if (!refusal) {
    const names = chat.reservations;
    names.released(member, old);
    if (names.keyOf(member, name) !== undefined) names.used(name);
  }
  return refusal;
}
