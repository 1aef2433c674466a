import type { ClientEvent } from "../../protocol/events.ts";
import type { Member } from "../core/room.ts";
import type { IrcClient } from "./irc_client.ts";
import { each, existingRoom } from "./irc_util.ts";
import type { IrcMessage } from "./message.ts";
import { channel } from "./render.ts";

/**
 * A ban mask as chat's ban target: `nick!*@*` and `nick` ban the name,
 * `*!*@host` (an address or CIDR) the address; null for masks chat cannot
 * express (wildcards inside a name or host).
 */
export function maskTarget(mask: string): string | null {
  const bang = mask.indexOf("!");
  const at = mask.lastIndexOf("@");
  if (bang < 0 && at < 0) return mask.includes("*") || mask.includes("?") ? null : mask;
  const nick = bang < 0 ? mask.slice(0, Math.max(at, 0)) : mask.slice(0, bang);
  const host = at < 0 ? "*" : mask.slice(at + 1);
  if (nick !== "*" && nick !== "" && !/[*?]/.test(nick)) return host === "*" ? nick : null;
  if (host !== "*" && host !== "" && !/[*?]/.test(host)) return host;
  return null;
}

/** A chat ban target as the mask IRC clients expect in 367. */
function targetMask(target: string): string {
  return /[.:/]/.test(target) ? `*!*@${target}` : `${target}!*@*`;
}

/** 367s and 368: the bans (an operator's view; anyone else sees an empty list). */
export function banList(c: IrcClient, chan: string): void {
  if ((c.session as Member).operator) {
    const bans = c.chat.moderation.bans(c.session);
    if (Array.isArray(bans)) {
      for (const b of bans) c.reply("367", chan, targetMask(b.target), b.by);
    }
  }
  c.reply("368", chan, "End of channel ban list");
}

/**
 * MODE #chan: with no modes, 324; `b` alone lists the bans; `+b MASK` and
 * `-b MASK` ban and unban (server-wide, as chat's bans are); `+t` and `-t`
 * lock and unlock the topic. `n` is always set. Anything else is 472.
 */
export function channelModes(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const room = existingRoom(c, m.params[0]);
  if (!room) return;
  const chan = channel(room.name);
  if (m.params.length === 1) return c.reply("324", chan, room.locked ? "+nt" : "+n");
  const args = m.params.slice(2);
  const todo: (() => void | Promise<void>)[] = [];
  let sign = "+";
  for (const ch of m.params[1]) {
    if (ch === "+" || ch === "-") {
      sign = ch;
      continue;
    }
    if (ch === "b") {
      const mask = args.shift();
      if (mask === undefined) {
        todo.push(() => banList(c, chan));
        continue;
      }
      const target = maskTarget(mask);
      if (target === null) {
        todo.push(() =>
          c.notice(`MODE: chat bans a name (nick!*@*) or an address (*!*@1.2.3.4), not ${mask}`)
        );
        continue;
      }
      const event: ClientEvent = sign === "+" ? { type: "ban", target } : { type: "unban", target };
      todo.push(() => c.act({ command: "MODE", target: chan }, event));
    } else if (ch === "t") {
      const locked = sign === "+";
      todo.push(() =>
        c.act({ command: "MODE", target: chan }, { type: "lock", room: room.name, locked })
      );
    } else if (ch === "n") {
      continue;
    } else {
      todo.push(() => c.reply("472", ch, "is unknown mode char to me"));
    }
  }
  return each(todo, (f) => f());
}
