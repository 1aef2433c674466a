/**
 * Older history, search, edits and deletions at the terminal prompt:
 * `/history`, `/older`, `/search`, `/edit`, `/delete`, `/seqs`, as
 * {@linkcode ClientCommand}s. Seqs are the current room's (each room
 * numbers its own messages); "#34" and "34" are the same.
 */
import { type ClientEvent, MAX_PAGE } from "../protocol/events.ts";
import type { Action, ClientCommand } from "./commands.ts";

/** What these commands need of the client: kept by its {@linkcode RevisionView}. */
export interface HistoryState {
  /**
   * A `history` request for `room`, remembered so its answer is titled
   * right; `older`: the page before the one /history or /older last showed.
   * A string says why there is nothing to ask.
   */
  historyRequest(room: string, limit: number, older: boolean): ClientEvent | string;
  /** The seq of our newest message in `room` that this client knows of. */
  lastOwn(room: string): number | undefined;
  /** Every message line shows its #seq. */
  seqs: boolean;
}

/** Messages /history and /older show without a count (the server's plain /history too). */
export const DEFAULT_COUNT = 20;

/** Results /search asks for: a screenful; more words narrow it. */
export const SEARCH_LIMIT = 20;

/** "#34" or "34": a seq; anything else null. */
export function seqOf(word: string | undefined): number | null {
  const m = /^#?(\d{1,15})$/.exec(word ?? "");
  return m ? Number(m[1]) : null;
}

const noRoom: Action = { kind: "usage", message: "you are in no room: /join ROOM first" };

/** `/history [N]` and `/older [N]`: N checked here, the request made by the state. */
function page(name: string, older: boolean): ClientCommand["run"] {
  return (words, _rest, current) => {
    if (current === undefined) return noRoom;
    const n = words[0] === undefined ? DEFAULT_COUNT : /^\d{1,4}$/.test(words[0]) ? +words[0] : 0;
    if (n < 1 || n > MAX_PAGE) {
      return {
        kind: "usage",
        message: `usage: /${name} [N], N from 1 to ${MAX_PAGE}, like /${name} 50` +
          (n > MAX_PAGE ? " (then /older for earlier ones)" : ""),
      };
    }
    return {
      kind: "withState",
      run: (state) => {
        const event = state.historyRequest(current, n, older);
        return typeof event === "string"
          ? { kind: "notice", text: event }
          : { kind: "send", event };
      },
    };
  };
}

/** The commands, in the order /help lists them. */
export const HISTORY_COMMANDS: readonly ClientCommand[] = [
  {
    name: "history",
    aliases: [],
    args: "[N]",
    help: `the room's last N messages (default ${DEFAULT_COUNT}), with #numbers`,
    minArgs: 0,
    run: page("history", false),
  },
  {
    name: "older",
    aliases: [],
    args: "[N]",
    help: "the N messages before what /history showed last",
    minArgs: 0,
    run: page("older", true),
  },
  {
    name: "search",
    aliases: [],
    args: "[#ROOM] TEXT",
    help: "find words in all your rooms (or #ROOM), newest first",
    minArgs: 1,
    run: (words, rest) => {
      // "#dev deploy": in #dev only. Search finds words, never a "#", so a
      // leading #word is a room.
      if (words.length > 1 && words[0].startsWith("#") && words[0].length > 1) {
        const query = rest.slice(words[0].length).trim();
        const room = words[0].slice(1);
        return { kind: "send", event: { type: "search", room, query, limit: SEARCH_LIMIT } };
      }
      return { kind: "send", event: { type: "search", query: rest, limit: SEARCH_LIMIT } };
    },
  },
  {
    name: "edit",
    aliases: [],
    args: "[SEQ] TEXT",
    help: "fix your message #SEQ or your last (Tab fills it in)",
    minArgs: 1,
    completes: "own",
    run: (words, rest, current) => {
      if (current === undefined) return noRoom;
      const seq = seqOf(words[0]);
      if (seq !== null && words.length === 1) {
        return {
          kind: "usage",
          message: `/edit ${words[0]} needs the new text: /edit ${seq} TEXT (Tab fills in the old)`,
        };
      }
      if (seq !== null) {
        const text = rest.replace(/^\S+\s+/, "");
        return { kind: "send", event: { type: "edit", room: current, seq, text } };
      }
      return {
        kind: "withState",
        run: (state) => {
          const last = state.lastOwn(current);
          if (last === undefined) {
            return {
              kind: "usage",
              message: `no message of yours in #${current} that this client saw: ` +
                "/history shows the numbers, then /edit SEQ TEXT",
            };
          }
          return { kind: "send", event: { type: "edit", room: current, seq: last, text: rest } };
        },
      };
    },
  },
  {
    name: "delete",
    aliases: [],
    args: "SEQ",
    help: "delete your message #SEQ (operators: anyone's)",
    minArgs: 1,
    run: (words, _rest, current) => {
      if (current === undefined) return noRoom;
      const seq = seqOf(words[0]);
      if (seq === null || words.length > 1) {
        return {
          kind: "usage",
          message: "usage: /delete SEQ, SEQ a message's number: /delete 34 (/history shows them)",
        };
      }
      return { kind: "send", event: { type: "delete", room: current, seq } };
    },
  },
  {
    name: "seqs",
    aliases: [],
    args: "[on|off]",
    help: "show each message's #number on every line, or not",
    minArgs: 0,
    run: (words) => {
      const want = words[0]?.toLowerCase();
      if (want !== undefined && want !== "on" && want !== "off") {
        return { kind: "usage", message: "usage: /seqs [on|off]; alone, it switches" };
      }
      return {
        kind: "withState",
        run: (state) => {
          state.seqs = want === undefined ? !state.seqs : want === "on";
          return {
            kind: "notice",
            text: state.seqs
              ? "every message shows its #number now, for /edit and /delete (/seqs off hides them)"
              : "message numbers hidden (/history still shows them)",
          };
        },
      };
    },
  },
];
