/// <reference lib="dom" />
/**
 * The page's elements (see index.html), found once by id. The parts with
 * their own element groups (the room list, the topic bar) get theirs as the
 * group their constructor takes.
 */
import type { ViewerElements } from "./file_view.ts";
import type { MemberMenuElements } from "./member_menu.ts";
import type { MessageMenuElements } from "./message_menu.ts";
import type { RoomListElements } from "./room_list.ts";
import type { SearchElements } from "./search_box.ts";
import type { TopicBarElements } from "./topic_bar.ts";

/** The elements of the page. */
export interface PageElements {
  /** The name form, shown until the welcome. */
  joinView: HTMLElement;
  joinForm: HTMLFormElement;
  nameInput: HTMLInputElement;
  nameError: HTMLParagraphElement;
  /** Hidden until the server asks for the room password. */
  passwordRow: HTMLDivElement;
  passwordInput: HTMLInputElement;
  /** The rooms, the messages and the composer, shown once in. */
  chatView: HTMLElement;
  statusLine: HTMLParagraphElement;
  logTitle: HTMLHeadingElement;
  memberList: HTMLUListElement;
  memberCount: HTMLSpanElement;
  /** The "Join a room" field and its suggestions. */
  roomForm: HTMLFormElement;
  roomName: HTMLInputElement;
  roomNames: HTMLDataListElement;
  composer: HTMLFormElement;
  textInput: HTMLInputElement;
  /** Shown above the message field while it edits a message. */
  editHint: HTMLParagraphElement;
  /** The bell toggle of notifications (hidden where the browser has none). */
  notify: HTMLButtonElement;
  /** "Share a file", and the file input it opens. */
  fileButton: HTMLButtonElement;
  fileInput: HTMLInputElement;
  /** The uploads on their way (hidden when none). */
  uploadList: HTMLUListElement;
  /** Shown over the messages while files are dragged over the chat. */
  dropTarget: HTMLDivElement;
  /** The overlay showing an image full size. */
  viewer: ViewerElements;
  /** The message list and its "New messages below" button. */
  log: HTMLOListElement;
  jump: HTMLButtonElement;
  rooms: RoomListElements;
  topic: TopicBarElements;
  /** A member's menu and the kick, ban and mute dialog. */
  menu: MemberMenuElements;
  /** A message's menu (edit, delete) and the dialog asking before a delete. */
  messageMenu: MessageMenuElements;
  search: SearchElements;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Finds the page's elements: the document is parsed by the time a module script runs. */
export function findElements(): PageElements {
  return {
    joinView: $<HTMLElement>("join-view"),
    joinForm: $<HTMLFormElement>("join-form"),
    nameInput: $<HTMLInputElement>("name"),
    nameError: $<HTMLParagraphElement>("name-error"),
    passwordRow: $<HTMLDivElement>("password-row"),
    passwordInput: $<HTMLInputElement>("password"),
    chatView: $<HTMLElement>("chat-view"),
    statusLine: $<HTMLParagraphElement>("status"),
    logTitle: $<HTMLHeadingElement>("log-title"),
    memberList: $<HTMLUListElement>("members"),
    memberCount: $<HTMLSpanElement>("member-count"),
    roomForm: $<HTMLFormElement>("room-form"),
    roomName: $<HTMLInputElement>("room-name"),
    roomNames: $<HTMLDataListElement>("room-names"),
    composer: $<HTMLFormElement>("composer"),
    textInput: $<HTMLInputElement>("text"),
    editHint: $<HTMLParagraphElement>("edit-hint"),
    notify: $<HTMLButtonElement>("notify"),
    fileButton: $<HTMLButtonElement>("file-button"),
    fileInput: $<HTMLInputElement>("file-input"),
    uploadList: $<HTMLUListElement>("uploads"),
    dropTarget: $<HTMLDivElement>("drop-target"),
    viewer: {
      dialog: $<HTMLDialogElement>("viewer"),
      title: $<HTMLElement>("viewer-title"),
      frame: $<HTMLDivElement>("viewer-frame"),
      open: $<HTMLAnchorElement>("viewer-open"),
      download: $<HTMLAnchorElement>("viewer-download"),
      close: $<HTMLButtonElement>("viewer-close"),
    },
    log: $<HTMLOListElement>("log"),
    jump: $<HTMLButtonElement>("jump"),
    rooms: {
      list: $<HTMLUListElement>("rooms"),
      panel: $<HTMLElement>("room-panel"),
      toggle: $<HTMLButtonElement>("rooms-toggle"),
      badge: $<HTMLSpanElement>("rooms-badge"),
    },
    topic: {
      title: $<HTMLHeadingElement>("room-title"),
      show: $<HTMLButtonElement>("topic"),
      form: $<HTMLFormElement>("topic-form"),
      input: $<HTMLInputElement>("topic-input"),
    },
    menu: {
      menu: $<HTMLElement>("member-menu"),
      dialog: $<HTMLDialogElement>("mod-dialog"),
      form: $<HTMLFormElement>("mod-form"),
      title: $<HTMLElement>("mod-title"),
      durationRow: $<HTMLElement>("mod-duration-row"),
      duration: $<HTMLInputElement>("mod-duration"),
      durationHelp: $<HTMLElement>("mod-duration-help"),
      reasonRow: $<HTMLElement>("mod-reason-row"),
      reason: $<HTMLInputElement>("mod-reason"),
      error: $<HTMLElement>("mod-error"),
      submit: $<HTMLButtonElement>("mod-submit"),
      cancel: $<HTMLButtonElement>("mod-cancel"),
    },
    messageMenu: {
      menu: $<HTMLElement>("message-menu"),
      dialog: $<HTMLDialogElement>("delete-dialog"),
      form: $<HTMLFormElement>("delete-form"),
      quote: $<HTMLElement>("delete-quote"),
      cancel: $<HTMLButtonElement>("delete-cancel"),
    },
    search: {
      toggle: $<HTMLButtonElement>("search-toggle"),
      panel: $<HTMLElement>("search-panel"),
      form: $<HTMLFormElement>("search-form"),
      input: $<HTMLInputElement>("search-input"),
      all: $<HTMLInputElement>("search-all"),
      close: $<HTMLButtonElement>("search-close"),
      status: $<HTMLElement>("search-status"),
      results: $<HTMLOListElement>("search-results"),
    },
  };
}
