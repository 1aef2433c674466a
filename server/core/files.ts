import type { FileInfo, ServerEvent } from "../../protocol/events.ts";
import type { Refusal } from "./rooms.ts";
import { refuse } from "./rooms.ts";
import type { Member, Room } from "./room.ts";

/** A granted upload: where to PUT the bytes, until when. */
export type UploadGrant = Extract<ServerEvent, { type: "upload" }>;

/**
 * File sharing as the core sees it: a member asks to share a file in a
 * room, and gets a one-time URL or a refusal. The bytes, the disk and
 * HTTP are the web side's (server/files/); the message that shares a file
 * is posted through the room like any other, with its `file`.
 */
export interface FileSharing {
  /**
   * Grants an upload of `size` bytes called `name` to `room`, or refuses
   * it; `ref` comes back in the ack of the message that shares the file.
   */
  request(
    member: Member,
    room: Room,
    name: string,
    size: number,
    ref?: string,
  ): UploadGrant | Refusal;
  /** The message that shared `file` was deleted: the file goes now (retention's sweep would later). */
  removed?(file: FileInfo): void;
}

/** The core's part of a shared file's message. */
export type { FileInfo };

/** No web side (`--no-web`): file sharing is off, and says so. */
export const NO_FILES: FileSharing = {
  request: () =>
    refuse(
      "upload_failed",
      "file sharing is off on this server (it runs with --no-web): send a link instead",
    ),
};
