import process from "node:process";
import { removalText } from "../protocol/op_tracker.ts";
import { ResendQueue, type Sendable } from "../protocol/resend_queue.ts";
import { sanitize } from "../protocol/sanitize.ts";
import type { JoinConfig } from "./args.ts";
import { complete, helpLines, parseInput } from "./commands.ts";
import {
  AuthRefused,
  backoffDelays,
  Banned,
  ConnectError,
  connectHint,
  Link,
  NameRefused,
  parseServerLine,
} from "./connection.ts";
import { formatAddress, type ServerAddress } from "./hosts.ts";
import type { NameKeys } from "./keys.ts";
import type { JoinSecrets } from "./secrets.ts";
import { EventView } from "./event_view.ts";
import { completePaths, FileTransfers } from "./file_transfers.ts";
import { Renderer } from "./render.ts";
import { Resume } from "./resume.ts";
import { Screen } from "./screen.ts";

/**
 * Interactive mode: a line editor at the bottom, the room above it; stays
 * connected (reconnecting with backoff and resuming where it left off, to
 * the next of several `--host` servers, round robin) until /quit, exit,
 * Ctrl-C or Ctrl-D. Returns the exit code.
 */
export async function runTerminal(config: JoinConfig, secrets: JoinSecrets): Promise<number> {
  return await new TerminalClient(config, secrets).run();
}

/** A line that holds the operator password: shown as "*"s while typed. */
const SECRET_LINE = /^(\s*\/op\s+)(.*)$/is;

/** Wrong passwords typed at the prompt before giving up. */
const PASSWORD_TRIES = 3;

/** A first connection to one server failed: why, and whether another server may do better. */
interface FirstFailure {
  message: string;
  /** Said after the message when no other server is left: what to check. */
  hint: string;
  next: boolean;
}

class TerminalClient {
  readonly #config: JoinConfig;
  readonly #tls: JoinSecrets["tls"];
  #password: string | undefined;
  /** The keys of reserved names, sent in each hello and kept from each welcome. */
  readonly #keys: NameKeys;
  #keysNote: string | null;
  /** The index in `config.hosts` of the server we are on (or trying). */
  #at = 0;
  readonly #screen: Screen;
  readonly #render: Renderer;
  /** Our messages until answered: retried after server_error, resent after a reconnect. */
  readonly #outbox = new ResendQueue({
    send: (events) => {
      // While resuming, they wait for the resend after the rooms' histories.
      if (!this.#link || this.#link.closed || this.#resume.active) return false;
      this.#link.send(...events);
      return true;
    },
  });
  readonly #view: EventView;
  /** /send and /get. */
  readonly #files: FileTransfers;
  #name: string;
  /** After a (re)connect: what was never acked goes again once every room's history came. */
  readonly #resume = new Resume(this.#outbox);
  #link: Link | null = null;
  /** The connection being set up, so that leaving can cut it short. */
  #joining: Link | null = null;
  #quitting = false;
  readonly #quit = Promise.withResolvers<void>();
  /** After a kick: Enter on an empty line resolves it with true (join again). */
  #comeBack: PromiseWithResolvers<boolean> | null = null;

  constructor(config: JoinConfig, secrets: JoinSecrets) {
    this.#config = config;
    this.#tls = secrets.tls;
    this.#password = secrets.password;
    this.#keys = secrets.keys;
    this.#keysNote = secrets.keysNote;
    this.#name = config.name;
    this.#screen = new Screen(
      (line) =>
        complete(
          line,
          this.#view.members,
          this.#view.roomNames(),
          completePaths,
          (seq) => {
            const room = this.#view.rooms.current?.name;
            return room === undefined ? undefined : this.#view.revisions.own.find(room, seq);
          },
        ),
      SECRET_LINE,
    );
    this.#render = new Renderer({
      me: this.#name,
      color: !Deno.env.get("NO_COLOR") && Deno.stdout.isTerminal(),
    });
    this.#view = new EventView(this.#render, this.#outbox, this.#name);
    const caCerts = this.#tls?.caCerts ?? [];
    this.#files = new FileTransfers({
      view: this.#view,
      send: (event) => {
        if (!this.#link || this.#link.closed) return false;
        this.#link.send(event);
        return true;
      },
      print: (r) => {
        if (!this.#config.json) this.#print(r.lines, r.bell);
      },
      notice: (text) => this.#notice(text),
      error: (text) => this.#error(text),
      status: (text) => this.#screen.setStatus(text),
      client: caCerts.length > 0 ? Deno.createHttpClient({ caCerts }) : undefined,
    });
    // Alt-1 … Alt-9 switch to the first … ninth of your rooms.
    process.stdin.on("keypress", (_s: string, key: { meta?: boolean; name?: string }) => {
      if (!key?.meta || !/^[1-9]$/.test(key.name ?? "")) return;
      const r = this.#view.rooms.list()[Number(key.name) - 1];
      if (r) this.#switch(r.name);
    });
  }

  /** Makes `room` current, with a line that says so. */
  #switch(room: string): void {
    const r = this.#view.rooms.switchTo(room);
    if (!r) return this.#error(`you are not in #${room}: /join ${room} first`);
    this.#notice(`now talking in #${r.name}${r.topic ? ` (${r.topic})` : ""}`);
    this.#refreshPrompt();
  }

  /** `host:port` of the server we are on, or of the next in the list. */
  #where(at = this.#at): string {
    return formatAddress(this.#config.hosts[at % this.#config.hosts.length]);
  }

  #refreshPrompt(): void {
    this.#screen.setPrompt(this.#view.prompt());
  }

  #print(lines: string[], bell = false): void {
    this.#screen.print(lines, bell);
  }

  #notice(text: string): void {
    this.#render.options.columns = this.#screen.columns;
    this.#print(this.#render.notice(text));
  }

  /** Keeps the key a welcome brought (the name was just reserved), and says where. */
  async #keep(server: ServerAddress, name: string, key: string): Promise<void> {
    const failed = await this.#keys.put(server, name, key);
    if (this.#config.json) return;
    if (failed) {
      return this.#error(
        `the name ${name} is now yours, but its key could not be kept (${failed}). Keep it yourself: ${key}`,
      );
    }
    this.#notice(
      `the name ${name} is yours while you use it; its key is kept in ${this.#keys.where}`,
    );
  }

  #error(text: string): void {
    this.#render.options.columns = this.#screen.columns;
    this.#print(this.#render.error(text));
  }

  #setName(name: string): void {
    this.#name = name;
    this.#view.name = name;
    this.#render.options.me = name;
    this.#refreshPrompt();
  }

  async run(): Promise<number> {
    const rl = this.#screen.rl;
    rl.on("SIGINT", () => this.#leave());
    rl.on("close", () => this.#leave());
    // Lines typed before the first connection is made (after the name, or
    // after the welcome while the key is kept) are handled once it is.
    // Questions asked meanwhile take their answers: readline emits no line.
    const early: string[] = [];
    const typedAhead = (line: string) => early.push(line);
    rl.on("line", typedAhead);
    while (this.#name === "") {
      const answer = await this.#screen.ask("Your name: ");
      if (answer === null) return this.#finish(0);
      this.#name = answer.trim();
    }
    this.#render.options.me = this.#name;
    if (this.#keysNote) this.#error(this.#keysNote);
    const first = await this.#connectFirst();
    rl.off("line", typedAhead);
    if (typeof first === "number") return this.#finish(first);
    if (typeof first === "string") return this.#finish(0); // left while joining
    rl.on("line", (line) => this.#onInput(line));
    for (const line of early) this.#onInput(line);
    let link: Link | null = first;
    const many = this.#config.hosts.length > 1;
    while (!this.#quitting) {
      let now = false;
      if (link) {
        await this.#pump(link);
        if (this.#quitting) break;
        this.#link = null;
        this.#files.disconnected();
        const after = await this.#afterRemoval();
        if (after === "leave") break;
        if (after === "exit") return this.#finish(1);
        now = after === "now";
      }
      // The backoff starts over after each successful connection; with
      // several servers it is waited before each round of them all.
      const next = backoffDelays();
      link = null;
      let why = `the connection to ${this.#where()} was lost`;
      while (!this.#quitting && link === null) {
        if (!now) {
          const ms = next.next().value;
          const to = many ? ` to ${this.#where(this.#at + 1)}` : "";
          this.#notice(
            `${why}; reconnecting${to} in ${(ms / 1000).toFixed(1)} s… (Ctrl-C leaves)`,
          );
          await Promise.race([new Promise((r) => setTimeout(r, ms)), this.#quit.promise]);
        }
        now = false;
        for (let k = 0; k < this.#config.hosts.length && !this.#quitting; k++) {
          this.#at = (this.#at + 1) % this.#config.hosts.length;
          const got = await this.#connect(false);
          if (typeof got === "number") return this.#finish(got);
          if (got instanceof Link) {
            link = got;
            break;
          }
          why = typeof got === "string" ? got : got.message;
          if (k < this.#config.hosts.length - 1) {
            this.#notice(`${why}; trying ${this.#where(this.#at + 1)}`);
          }
        }
      }
    }
    return this.#finish(0);
  }

  /**
   * The first connection: each server in turn until one lets us in (a note
   * for each that does not). If none does: one line on stderr, exit 1.
   */
  async #connectFirst(): Promise<Link | string | number> {
    for (this.#at = 0;; this.#at++) {
      const got = await this.#connect(true);
      if (typeof got !== "object" || got instanceof Link) return got;
      if (got.next && this.#at < this.#config.hosts.length - 1) {
        this.#notice(`${got.message}; trying ${this.#where(this.#at + 1)}`);
        continue;
      }
      this.#screen.close();
      console.error(`chat join: ${got.message}${got.hint}`);
      return 1;
    }
  }

  /**
   * Connects to the current server and joins, asking for the room password
   * when the server needs one: the link, or why not (a string, to retry
   * later; on the first connection a {@linkcode FirstFailure}), or an exit
   * code.
   */
  async #connect(first: boolean): Promise<Link | string | number | FirstFailure> {
    for (let tries = 0;; tries++) {
      const got = await this.#connectOnce(first);
      if (!(got instanceof AuthRefused)) return got;
      if (!first || tries >= PASSWORD_TRIES) {
        this.#screen.close();
        console.error(`chat join: cannot join ${this.#where()}: ${got.message}`);
        return 1;
      }
      this.#error(got.sent ? "Wrong password." : "This room needs a password.");
      const answer = await this.#screen.askSecret("Password: ");
      if (answer === null) return 0;
      this.#password = answer;
    }
  }

  /** One attempt of {@linkcode #connect}; a refused password is returned to ask again. */
  async #connectOnce(
    first: boolean,
  ): Promise<Link | string | number | AuthRefused | FirstFailure> {
    let link: Link;
    const { host, port } = this.#config.hosts[this.#at];
    const where = this.#where();
    try {
      link = await Link.open(host, port, { tls: this.#tls });
    } catch (err) {
      if (!(err instanceof ConnectError)) throw err;
      if (first) {
        return {
          message: `cannot connect to ${where}: ${err.message}`,
          hint: connectHint(err),
          next: true,
        };
      }
      return `cannot connect to ${where} (${err.message})`;
    }
    const hello = this.#view.rooms.hello(this.#name, [...this.#config.rooms]);
    const server = this.#config.hosts[this.#at];
    const key = this.#keys.get(server, this.#name);
    if (key !== undefined) hello.key = key;
    if (this.#password !== undefined) hello.password = this.#password;
    let welcome;
    this.#joining = link;
    try {
      welcome = await link.handshake(hello, async (_code, message) => {
        if (!first) return null; // maybe our old connection, not yet gone: retry later
        this.#error(message);
        const answer = await this.#screen.ask("Choose another name: ");
        return answer === null ? null : answer.trim();
      }, { keyFor: (name) => this.#keys.get(server, name) });
    } catch (err) {
      link.close();
      if (this.#quitting) return "leaving";
      if (err instanceof AuthRefused) return err;
      if (err instanceof NameRefused) {
        if (first) return 0;
        return `${err.message} (/nick NEW picks another name to reconnect with)`;
      }
      if (err instanceof ConnectError) {
        if (first) {
          return { message: `cannot join ${where}: ${err.message}`, hint: "", next: err.transient };
        }
        if (err instanceof Banned) {
          // Trying again would only be refused again.
          this.#screen.close();
          console.error(`chat join: cannot join ${where}: ${err.message}`);
          return 1;
        }
        return `cannot join ${where} (${err.message})`;
      }
      throw err;
    } finally {
      this.#joining = null;
    }
    if (this.#quitting) {
      link.close();
      return "leaving";
    }
    this.#link = link;
    link.keepAlive();
    if (first) {
      // Says that we know rooms (a hello naming rooms would too): the server
      // then sends moderation and topic events, not notices meant for clients
      // that know none. Its answer is not shown; it gives Tab after /join
      // the server's rooms.
      this.#view.askedRooms();
      link.send({ type: "rooms" });
    }
    this.#render.options.columns = this.#screen.columns;
    if (this.#config.json) this.#print([JSON.stringify(welcome)]);
    const lines = this.#view.welcome(
      welcome,
      first,
      this.#config.hosts.length > 1 ? where : undefined,
    );
    if (!this.#config.json) this.#print(lines);
    this.#setName(welcome.name);
    if (welcome.key !== undefined) await this.#keep(server, welcome.name, welcome.key);
    this.#resume.start(welcome, link, this.#view.rooms.defaultRoom ?? undefined, this.#name);
    return link;
  }

  /** Reads and shows events until the connection closes. */
  async #pump(link: Link): Promise<void> {
    while (true) {
      const lines = await link.read();
      if (lines === null) return;
      this.#render.options.columns = this.#screen.columns;
      const out: string[] = [];
      let bell = false;
      for (const raw of lines) {
        const e = parseServerLine(raw);
        if (e === null) continue;
        const resumedRoom = this.#resume.before(e);
        const shown = this.#view.event(e);
        const file = this.#files.event(e);
        if (resumedRoom) this.#resume.after(this.#view.rooms.defaultRoom ?? undefined, this.#name);
        if (this.#config.json) {
          if (shown !== false) out.push(raw);
          continue;
        }
        for (const r of [shown, file]) {
          if (!r) continue;
          out.push(...r.lines);
          bell ||= r.bell;
        }
      }
      this.#print(out, bell);
      this.#refreshPrompt();
    }
  }

  /**
   * After the server closed on us because we were kicked: waits for Enter
   * (join again, once; see the README) or Ctrl-C. After a ban, joining again
   * would be refused: the client ends (exit 1).
   */
  async #afterRemoval(): Promise<"none" | "now" | "leave" | "exit"> {
    const r = this.#view.moderation.removed;
    if (!r) return "none";
    this.#view.moderation.removed = null;
    if (r.action === "ban") {
      this.#screen.close();
      process.stdout.write("\n"); // below the prompt
      console.error(`chat join: ${sanitize(removalText(r))}`);
      return "exit";
    }
    this.#notice("press Enter to join again, Ctrl-C to leave");
    this.#comeBack = Promise.withResolvers<boolean>();
    const again = await Promise.race([
      this.#comeBack.promise,
      this.#quit.promise.then(() => false),
    ]);
    this.#comeBack = null;
    return again ? "now" : "leave";
  }

  /** `/op` alone: asks for the operator password without echo, and sends it. */
  async #askOp(): Promise<void> {
    const answer = await this.#screen.askSecret("Operator password: ");
    if (answer === null || answer === "" || this.#quitting) return this.#refreshPrompt();
    if (!this.#link) return this.#notice("not connected: /op again when the connection is back");
    this.#link.send({ type: "op", password: answer });
    this.#refreshPrompt();
  }

  #onInput(line: string): void {
    if (this.#quitting) return;
    if (this.#comeBack) {
      if (line.trim() === "") return this.#comeBack.resolve(true);
      if (parseInput(line).kind === "quit") return this.#leave();
      return this.#notice("you were kicked: press Enter to join again, Ctrl-C to leave");
    }
    let action = parseInput(line, this.#view.rooms.current?.name);
    if (action.kind === "withState") action = action.run(this.#view.revisions);
    if (action.kind === "send" && action.secret) this.#screen.forget(line);
    if (action.kind === "send" && (!this.#config.json || action.secret)) {
      this.#screen.eraseEntered(line);
    }
    switch (action.kind) {
      case "nothing":
        this.#screen.rl.prompt(true);
        return;
      case "quit":
        return this.#leave();
      case "help":
        return this.#print(
          helpLines({ operator: this.#view.moderation.ops.isOperator(this.#name, true) }),
        );
      case "sendFile":
        return void this.#files.send(action.path, action.room);
      case "getFile":
        return void this.#files.get(action.n, action.dir);
      case "op":
        return void this.#askOp();
      case "switch":
        return this.#switch(action.room);
      case "topic":
        return this.#print(this.#view.topicLines());
      case "usage":
        return this.#error(action.message);
      case "notice":
        return this.#notice(action.text);
      case "send": {
        const e = action.event;
        if (e.type === "say" || e.type === "me" || e.type === "dm") {
          const withRef = this.#outbox.add(e as Sendable);
          // While resuming, #resume sends it, after what was typed before it.
          if (this.#link) {
            if (!this.#resume.active && !this.#outbox.held(withRef.ref)) this.#link.send(withRef);
          } else this.#notice("not connected: it will be sent when the connection is back");
          this.#screen.rl.prompt(true);
          return;
        }
        if (!this.#link) {
          if (e.type === "nick") {
            this.#setName(e.name);
            return this.#notice(`you will reconnect as ${e.name}`);
          }
          return this.#notice(`not connected to ${this.#where()}: try again when it is back`);
        }
        if (e.type === "enter") this.#view.entering(e.room);
        if (e.type === "who") this.#view.askedWho();
        this.#link.send(e);
        this.#screen.rl.prompt(true);
      }
    }
  }

  /** Leaves: says bye if connected and stops everything. */
  #leave(): void {
    if (this.#quitting) return;
    this.#quitting = true;
    this.#files.close();
    this.#joining?.close();
    const link = this.#link;
    if (link) {
      // Bounded: a stuck socket must not keep the user from leaving.
      const t = setTimeout(() => link.close(), 500);
      link.send({ type: "bye" }).finally(() => {
        clearTimeout(t);
        link.close();
      });
    }
    this.#quit.resolve();
  }

  #finish(code: number): number {
    this.#quitting = true;
    this.#files.close();
    this.#outbox.clear();
    this.#link?.close();
    this.#screen.close();
    if (code === 0) process.stdout.write("\n");
    return code;
  }
}
