import type { ModerationEvent } from "../../protocol/events.ts";
import { nameKey } from "../../protocol/names.ts";
import { type Ban, banTarget, isoOrNone, type ModerationStore } from "./moderation_types.ts";

/**
 * What an operator did, as every node applies it: the origin node checks
 * and stores it; every node (the origin too) updates its state, shows it
 * to its own members and enforces it on them.
 */
export interface ModerationAction {
  action: ModerationEvent["action"];
  /** The ban key ("name:bob", "addr:…", "cidr:…"), the member's name, or the room. */
  target: string;
  /** As shown to people. */
  shown: string;
  by: string;
  reason: string;
  until: number | null;
  /** Address bans a name ban made (their origin is the name ban). */
  addresses?: string[];
}

/** The bans an action of kind "ban" makes: its target's, and the address bans of a name ban. */
export function bansOf(a: ModerationAction): Ban[] {
  const ban: Ban = { target: a.target, shown: a.shown, by: a.by, reason: a.reason, until: a.until };
  return [
    ban,
    ...(a.addresses ?? []).map((address) => {
      const t = banTarget(address);
      return {
        ...ban,
        target: t.kind === "addr" ? t.key : address,
        shown: t.kind === "bad" ? address : t.shown,
        origin: a.target,
      };
    }),
  ];
}

/**
 * Records an action in the store (by the node whose operator took it): the
 * state it changes, and a line of the moderation log. `madeBy` are the
 * address bans an unbanned name ban made.
 */
export function storeAction(
  store: ModerationStore,
  a: ModerationAction,
  madeBy: readonly Ban[],
  now: number,
): void {
  switch (a.action) {
    case "ban":
      for (const ban of bansOf(a)) store.saveBan(ban);
      break;
    case "unban":
      store.deleteBan(a.target);
      for (const b of madeBy) store.deleteBan(b.target);
      break;
    case "mute":
      store.saveMute({ key: nameKey(a.target), name: a.target, by: a.by, until: a.until });
      break;
    case "unmute":
      store.deleteMute(nameKey(a.target));
      break;
    case "lock":
    case "unlock":
      store.setLocked(a.target, a.action === "lock");
      break;
  }
  store.log({
    ts: new Date(now).toISOString(),
    by: a.by,
    action: a.action,
    target: a.shown,
    reason: a.reason,
    until: isoOrNone(a.until) ?? null,
    room: a.action === "lock" || a.action === "unlock" ? a.target : null,
  });
}
