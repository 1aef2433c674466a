import type { BanSummary, ModerationEvent } from "../../protocol/events.ts";
import { moderationText } from "../../protocol/plain.ts";
import { nameKey } from "../../protocol/names.ts";
import type { Chat } from "./chat.ts";
import { Frame } from "./frame.ts";
import type { Clock } from "./clock.ts";
import {
  type Ban,
  banTarget,
  isoOrNone,
  type ModerationStore,
  type Mute,
  parseDuration,
} from "./moderation_types.ts";
import type { PasswordGate } from "./password_gate.ts";
import { ModerationState } from "./moderation_state.ts";
import { bansOf, type ModerationAction, storeAction } from "./moderation_action.ts";

export type { ModerationAction };
import { showOperator, tell } from "./announce.ts";
import type { Log } from "./peer.ts";
import type { Member, Room } from "./room.ts";
import { type Refusal, refuse } from "./rooms.ts";

/** Options of {@linkcode Moderation}. */
export interface ModerationOptions {
  store: ModerationStore;
  /** The operator password; not required (null password): nobody can become an operator. */
  gate: PasswordGate;
  clock: Clock;
  log: Log;
  /** Told each action this node's operators take (a cluster tells the other nodes). */
  share?: (action: ModerationAction) => void;
  /** Told when a member of this node becomes an operator (likewise). */
  shareOperator?: (member: Member) => void;
}

const LONGEST_REASON = 300;

/**
 * Operators, bans, mutes and room locks: state the {@linkcode Chat} owns,
 * changed only synchronously (the operator password check aside, which
 * waits before it changes anything). Every action is stored, logged, shown
 * to the affected rooms as a `moderation` event, and enforced.
 */
export class Moderation {
  readonly #chat: Chat;
  readonly #o: ModerationOptions;
  readonly #state: ModerationState;

  constructor(chat: Chat, options: ModerationOptions) {
    this.#chat = chat;
    this.#o = options;
    const { bans, mutes, locked } = options.store.load();
    this.#state = new ModerationState(options.clock, bans, mutes);
    for (const name of locked) {
      const room = chat.room(name);
      if (room) room.locked = true;
    }
  }

  /** Where a cluster tells the other nodes what operators do; set once at start. */
  set share(fn: (action: ModerationAction) => void) {
    this.#o.share = fn;
  }

  /** Where a cluster tells the other nodes who became an operator; set once at start. */
  set shareOperator(fn: (member: Member) => void) {
    this.#o.shareOperator = fn;
  }

  /** Another node's member became an operator: shown here as for one of ours. */
  operatorElsewhere(member: Member): void {
    if (member.operator) return;
    member.operator = true;
    showOperator(this.#chat, member);
  }

  #now(): number {
    return this.#o.clock.now();
  }

  /** The ban that keeps this address out, if any. */
  bannedAddress(address: string): Ban | null {
    return this.#state.bannedAddress(address);
  }

  /** The ban that keeps this name (or its address) out, if any. */
  banned(name: string, address: string): Ban | null {
    return this.#state.banned(name, address);
  }

  /** The ban of this name (not of an address), if any. */
  bannedName(name: string): Ban | null {
    return this.#state.banned(name, "");
  }

  /** What a banned connection is told. */
  bannedText(ban: Ban): string {
    return this.#state.bannedText(ban);
  }

  /** The member's mute, if it is muted now. */
  muted(member: Member): Mute | null {
    return this.#state.muted(member.name);
  }

  /** What a muted member is told when it talks (or, with `what`, does that). */
  mutedText(mute: Mute, what?: string): string {
    return this.#state.mutedText(mute, what);
  }

  /**
   * Checks the operator password; the member becomes an operator for this
   * connection and is told so (notice `You are now an operator.`).
   */
  async op(member: Member, password: string): Promise<Refusal | null> {
    const gate = this.#o.gate;
    if (!gate.required) {
      return refuse(
        "auth_failed",
        "this server has no operators (it runs without --op-password-file)",
      );
    }
    const ok = await gate.check(member.peer.address, password, member.peer.label);
    if (!ok) return refuse("auth_failed", "wrong operator password, check it and try /op again");
    // The answer first: the room's news of it comes after (PROTOCOL.md's reply to `op`).
    this.#chat.settle();
    member.peer.send(new Frame({ type: "notice", text: "You are now an operator." }, member.name));
    if (!member.operator) {
      member.operator = true;
      this.#o.log("info", `${member.name} is now an operator (${member.peer.label})`);
      showOperator(this.#chat, member);
      this.#o.shareOperator?.(member);
    }
    return null;
  }

  #operator(by: Member): Refusal | null {
    return by.operator ? null : refuse("not_operator", "only operators can do that: /op PASSWORD");
  }

  #duration(raw: string | undefined): number | null | Refusal {
    if (raw === undefined || raw === "") return null;
    const ms = parseDuration(raw);
    if (ms === null) {
      return refuse("bad_request", `${raw} is not a duration: use one like 90m, 12h or 7d`);
    }
    return this.#now() + ms;
  }

  #reason(raw: string | undefined): string {
    return [...(raw ?? "").trim()].slice(0, LONGEST_REASON).join("");
  }

  /** Disconnects a member (reason `kicked`); the affected rooms are told first. */
  kick(by: Member, name: string, reason?: string): Refusal | null {
    const not = this.#operator(by);
    if (not) return not;
    const target = this.#chat.find(name);
    if (!target) return refuse("no_such_user", `nobody called ${name} is here, /who lists who is`);
    return this.#act(by, {
      action: "kick",
      target: target.name,
      shown: target.name,
      by: by.name,
      reason: this.#reason(reason),
      until: null,
    });
  }

  /** Bans a name (and the address it is connected from), an address or a range. */
  ban(by: Member, raw: string, duration?: string, reason?: string): Refusal | null {
    const not = this.#operator(by);
    if (not) return not;
    const t = banTarget(raw);
    if (t.kind === "bad") return refuse("bad_request", `${t.message}: /ban NAME|ADDRESS|CIDR`);
    const until = this.#duration(duration);
    if (until !== null && typeof until === "object") return until;
    const addresses: string[] = [];
    if (t.kind === "name") {
      const m = this.#chat.find(t.shown);
      const address = m?.peer.address ?? "";
      if (address !== "" && banTarget(address).kind === "addr") addresses.push(address);
    }
    return this.#act(by, {
      action: "ban",
      target: t.key,
      shown: t.shown,
      by: by.name,
      reason: this.#reason(reason),
      until,
      addresses,
    });
  }

  /** Lifts a ban; a name's also lifts the address bans it made. */
  unban(by: Member, raw: string): Refusal | null {
    const not = this.#operator(by);
    if (not) return not;
    const t = banTarget(raw);
    if (t.kind === "bad" || !this.#state.hasBan(t.key)) {
      return refuse("bad_request", `${raw} is not banned: /bans lists the bans`);
    }
    return this.#act(by, {
      action: "unban",
      target: t.key,
      shown: t.shown,
      by: by.name,
      reason: "",
      until: null,
    });
  }

  /** The bans in force, for an operator. */
  bans(by: Member): BanSummary[] | Refusal {
    const not = this.#operator(by);
    if (not) return not;
    return this.#state.list();
  }

  mute(by: Member, name: string, duration?: string, reason?: string): Refusal | null {
    const not = this.#operator(by);
    if (not) return not;
    // A name that is not here may be muted too: it stays muted when it comes.
    const t = banTarget(name);
    if (t.kind !== "name") return refuse("bad_request", `${name} is not a name: /mute NAME`);
    const shown = this.#chat.find(name)?.name ?? t.shown;
    const until = this.#duration(duration);
    if (until !== null && typeof until === "object") return until;
    return this.#act(by, {
      action: "mute",
      target: shown,
      shown,
      by: by.name,
      reason: this.#reason(reason),
      until,
    });
  }

  unmute(by: Member, name: string): Refusal | null {
    const not = this.#operator(by);
    if (not) return not;
    if (!this.#state.muted(name)) {
      return refuse("bad_request", `${name} is not muted`);
    }
    return this.#act(by, {
      action: "unmute",
      target: name,
      shown: name,
      by: by.name,
      reason: "",
      until: null,
    });
  }

  /** Locks or unlocks a room's topic (operators only may set it while locked). */
  lock(by: Member, room: Room, locked: boolean): Refusal | null {
    const not = this.#operator(by);
    if (not) return not;
    return this.#act(by, {
      action: locked ? "lock" : "unlock",
      target: room.name,
      shown: room.name,
      by: by.name,
      reason: "",
      until: null,
    });
  }

  /** Refuses a topic change in a locked room by a non-operator. */
  topicAllowed(member: Member, room: Room): Refusal | null {
    if (!room.locked || member.operator) return null;
    return refuse(
      "not_operator",
      `the topic of #${room.name} is locked: only operators can change it`,
    );
  }

  /**
   * Logs an operator action that changes no moderation state (an
   * `/unreserve`, already done by the reservations): the server log and
   * the moderation log, as for the others. A log that cannot be written is
   * said in the server log; the action stands.
   */
  record(by: Member, action: "unreserve", target: string, reason = ""): void {
    const a: ModerationAction = {
      action,
      target,
      shown: target,
      by: by.name,
      reason,
      until: null,
    };
    try {
      storeAction(this.#o.store, a, [], this.#now());
    } catch (err) {
      this.#o.log("error", `could not store a moderation action: ${(err as Error).message}`);
    }
    this.#o.log("info", `moderation: ${a.by} ${a.action} ${a.shown}${reason ? `: ${reason}` : ""}`);
  }

  /** This node's operator acted: store and log it, tell the cluster, apply it. */
  #act(by: Member, a: ModerationAction): Refusal | null {
    try {
      storeAction(this.#o.store, a, this.#state.madeBy(a.target), this.#now());
    } catch (err) {
      this.#o.log("error", `could not store a moderation action: ${(err as Error).message}`);
      return refuse(
        "server_error",
        `the ${a.action} could not be stored and was not done, try again`,
      );
    }
    // Who, what, whom (with the addresses a name ban took along), until when, why.
    const also = a.addresses?.length ? ` (and ${a.addresses.join(", ")})` : "";
    const until = a.until === null ? "" : ` until ${isoOrNone(a.until)}`;
    this.#o.log(
      "info",
      `moderation: ${a.by} ${a.action} ${a.shown}${also}${until}${a.reason ? `: ${a.reason}` : ""}`,
    );
    this.#o.share?.(a);
    const { event, told } = this.apply(a);
    // The operator hears what it did, in a room of the target or not.
    if (!told.has(by)) by.peer.send(new Frame(event, by.name));
    return null;
  }

  /**
   * Applies an action here (this node's, or another node's): the state,
   * the `moderation` event to the affected rooms' members of this node,
   * and its effect on this node's members (kicked, banned ones leave).
   */
  apply(a: ModerationAction): { event: ModerationEvent; told: Set<Member> } {
    const chat = this.#chat;
    const event: ModerationEvent = {
      type: "moderation",
      action: a.action,
      target: a.shown,
      by: a.by,
    };
    if (a.reason) event.reason = a.reason;
    if (a.until !== null) event.until = isoOrNone(a.until);
    const notice = () => moderationText(event);
    let told = new Set<Member>();
    switch (a.action) {
      case "kick": {
        const target = chat.find(a.target);
        if (!target) break;
        told = tell(chat, [...target.rooms], event, notice());
        if (!target.remote) this.#out(target);
        break;
      }
      case "ban": {
        for (const ban of bansOf(a)) this.#state.setBan(ban);
        const hit = [...chat.members()].filter((m) => this.banned(m.name, m.peer.address) !== null);
        const rooms = new Set<Room>();
        for (const m of hit) for (const r of m.rooms) rooms.add(r);
        told = tell(chat, [...rooms], event, notice());
        for (const m of hit) if (!m.remote) this.#out(m);
        break;
      }
      case "unban":
        this.#state.removeBan(a.target);
        break;
      case "mute":
      case "unmute": {
        if (a.action === "mute") {
          this.#state.setMute({ key: nameKey(a.target), name: a.target, by: a.by, until: a.until });
        } else this.#state.removeMute(a.target);
        const target = chat.find(a.target);
        if (target) told = tell(chat, [...target.rooms], event, notice());
        break;
      }
      case "lock":
      case "unlock": {
        const room = chat.room(a.target);
        if (!room) break;
        room.locked = a.action === "lock";
        event.room = room.name;
        told = tell(chat, [room], event, notice());
        break;
      }
      case "unreserve":
        break;
    }
    return { event, told };
  }

  /** A kicked or banned member of this node leaves (reason `kicked`) and is disconnected. */
  #out(m: Member): void {
    this.#chat.leave(m, "kicked");
    m.peer.close();
  }
}
