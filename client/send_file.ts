import { fileSize } from "../protocol/plain.ts";
import { removal, removalText } from "../protocol/op_tracker.ts";
import { sanitize } from "../protocol/sanitize.ts";
import type { JoinConfig } from "./args.ts";
import { type Link, parseServerLine } from "./connection.ts";
import { formatAddress } from "./hosts.ts";
import { attempt, fail, writeAll } from "./pipe.ts";
import type { JoinSecrets } from "./secrets.ts";
import { type Opened, openToSend, progressText, putFile, TransferError } from "./transfer.ts";

/** No answer this long (to the upload request; the ack after the upload): exit 1. */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * `chat join --send FILE`: joins (the first of the servers that answers),
 * asks to share FILE in the first --room (or the server's default room),
 * streams it to the URL granted, checks the server's SHA-256 and waits for
 * the ack of the message that shares it. Exit 0 then, printing the file's
 * URL on stdout (with --json: every event instead); 1 with one line on
 * stderr saying why not. Stdin is not read. A terminal on stderr shows
 * the progress.
 */
export async function runSendFile(config: JoinConfig, secrets: JoinSecrets): Promise<number> {
  const path = config.send!;
  let opened: Opened;
  try {
    opened = await openToSend(path);
  } catch (err) {
    if (!(err instanceof TransferError)) throw err;
    return fail(`cannot send ${path}: ${err.message}`);
  }
  let link: Link | undefined;
  try {
    for (let at = 0; at < config.hosts.length; at++) {
      const got = await attempt(config, secrets, at);
      if (got.ok) {
        link = got.link;
        break;
      }
      if (got.why !== "next" || at === config.hosts.length - 1) {
        return fail(got.message + got.hint);
      }
      console.error(`chat join: ${got.message}; trying ${formatAddress(config.hosts[at + 1])}`);
    }
    const caCerts = secrets.tls?.caCerts ?? [];
    return await share(config, link!, opened, caCerts);
  } finally {
    try {
      opened.file.close();
    } catch {
      // putFile closed it
    }
    link?.close();
  }
}

async function share(
  config: JoinConfig,
  link: Link,
  { file, name, size }: Opened,
  caCerts: string[],
): Promise<number> {
  const path = config.send!;
  const ref = "send-1";
  link.keepAlive();
  const room = config.rooms[0];
  await link.send(
    room === undefined
      ? { type: "upload", name, size, ref }
      : { type: "upload", room, name, size, ref },
  );
  const progress = Deno.stderr.isTerminal();
  const started = Date.now();
  let shown = 0;
  const onProgress = (n: number) => {
    if (!progress || (Date.now() - shown < 100 && n < size)) return;
    shown = Date.now();
    writeAll(
      Deno.stderr,
      `\r${progressText("sending", name, n, size, Date.now() - started)}\x1b[K`,
    );
  };
  const abort = new AbortController();
  const client = caCerts.length > 0 ? Deno.createHttpClient({ caCerts }) : undefined;
  /** The upload: null once it went well, else why not. */
  let putting: Promise<string | null> | null = null;
  let putResult: string | null | undefined;
  let url = "";
  let acked = false;
  /** Set when a wait timed out (the connection is closed then): what did not come. */
  let timedOut: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = (what: string, ms = ANSWER_TIMEOUT_MS) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = what;
      link.close();
    }, ms);
  };
  wait("no answer to the upload request");
  let reading: Promise<string[] | null> | null = null;
  type Next = { kind: "lines"; lines: string[] | null } | { kind: "put"; why: string | null };
  try {
    // Until the upload went well and the message that shares it is acked (either first).
    while (!(acked && putResult === null)) {
      if (typeof putResult === "string") return fail(`cannot send ${path}: ${putResult}`);
      reading ??= link.read();
      const waits: Promise<Next>[] = [reading.then((lines) => ({ kind: "lines", lines }))];
      if (putting && putResult === undefined) {
        waits.push(putting.then((why) => ({ kind: "put", why })));
      }
      const next = await Promise.race(waits);
      if (next.kind === "put") {
        putResult = next.why;
        if (putResult === null && !acked) wait("the server did not announce the file");
        continue;
      }
      reading = null;
      if (next.lines === null) {
        return fail(
          timedOut !== null
            ? `cannot send ${path}: ${timedOut} within ${ANSWER_TIMEOUT_MS / 1000} s`
            : `cannot send ${path}: lost the connection before the server acknowledged the file`,
        );
      }
      let out = "";
      let refused: string | null = null;
      for (const raw of next.lines) {
        const e = parseServerLine(raw);
        if (e === null || e.type === "pong") continue;
        if (config.json) out += raw + "\n";
        const ours = "ref" in e && e.ref === ref;
        if (e.type === "upload" && ours && putting === null) {
          clearTimeout(timer); // the upload takes what it takes
          putting = putFile(e.url, file, size, { onProgress, signal: abort.signal, client })
            .then((got) => {
              url = got.file.url;
              return null;
            }, (err) => err instanceof TransferError ? err.message : String(err));
        } else if (e.type === "error" && ours) {
          refused ??= `${sanitize(e.message)} (${e.code})`;
        } else if (e.type === "ack" && ours) {
          acked = true;
        } else if (e.type === "moderation" && removal(e, config.name)) {
          refused ??= sanitize(removalText(e));
        }
      }
      if (out) writeAll(Deno.stdout, out);
      if (refused !== null) return fail(`cannot send ${path}: ${refused}`);
    }
    if (progress) writeAll(Deno.stderr, "\r\x1b[K");
    if (!config.json) writeAll(Deno.stdout, `${url}\n`);
    if (progress) {
      const s = (Date.now() - started) / 1000;
      console.error(`chat join: shared ${name} (${fileSize(size)}) in ${s.toFixed(1)} s`);
    }
    await link.send({ type: "bye" });
    // Let the server close first, so the bye is read (others see "quit"); bounded.
    wait("no close after bye", 2000);
    while ((await (reading ?? link.read())) !== null) reading = null;
    return 0;
  } finally {
    clearTimeout(timer);
    abort.abort();
    if (progress) writeAll(Deno.stderr, "\r\x1b[K");
    client?.close();
  }
}
