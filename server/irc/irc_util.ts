import type { Room } from "../core/room.ts";
import type { IrcClient } from "./irc_client.ts";

/** Runs `fn` on each item in order, waiting where one returns a promise. */
export function each<T>(
  items: readonly T[],
  fn: (item: T) => void | Promise<void>,
): void | Promise<void> {
  for (let i = 0; i < items.length; i++) {
    const r = fn(items[i]);
    if (r instanceof Promise) return r.then(() => each(items.slice(i + 1), fn));
  }
}

/** `#dev` → `dev`; a name without `#` is taken as one (clients always send it). */
export function roomName(raw: string): string {
  return raw.startsWith("#") ? raw.slice(1) : raw;
}

/** The room `#name` names, or null after 403. */
export function existingRoom(c: IrcClient, raw: string): Room | null {
  const room = c.chat.room(roomName(raw));
  if (!room) c.reply("403", raw, "No such channel");
  return room ?? null;
}
