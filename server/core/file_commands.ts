import type { Command, CommandContext } from "./commands.ts";

/**
 * Asks for a one-time upload URL (a `curl -T` away): the core's side of
 * `/upload` and JSON `upload`. A muted member cannot share either.
 */
export function requestUpload(
  ctx: CommandContext,
  name: string,
  size: number,
  roomName?: string,
  ref?: string,
): void {
  const chat = ctx.chat;
  const mute = chat.moderation.muted(ctx.member);
  if (mute) return ctx.refuse({ code: "muted", message: chat.moderation.mutedText(mute) }, ref);
  const room = ctx.room(roomName, ctx.member.current ?? chat.defaultRoom, ref);
  if (!room) return;
  const grant = chat.files.request(ctx.member, room, name, size, ref);
  if ("code" in grant) return ctx.refuse(grant, ref);
  ctx.send(ref === undefined ? grant : { ...grant, ref });
}

/** `/upload NAME SIZE`: a one-time URL for `curl -T FILE URL`. */
export const UPLOAD_COMMAND: Command = {
  name: "upload",
  aliases: [],
  args: "NAME SIZE",
  help: "get a one-time URL to upload a file to the room (curl -T FILE URL)",
  minArgs: 2,
  run(ctx, words) {
    const size = words.at(-1)!;
    const name = words.slice(0, -1).join(" ");
    if (!/^\d+$/.test(size) || !Number.isSafeInteger(Number(size))) {
      return ctx.refuse({
        code: "bad_request",
        message: `${size} is not a size in bytes: /upload NAME SIZE (wc -c FILE tells it)`,
      });
    }
    requestUpload(ctx, name, Number(size));
  },
};
