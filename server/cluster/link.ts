/**
 * The two things the cluster needs from a Redis client, kept this small so
 * that the cluster's code reads as Redis commands and the client library
 * stays behind one adapter (redis_connect.ts).
 */
export interface Commands {
  /** Sends one command; resolves with Redis's reply, rejects quickly while Redis is away. */
  send(args: readonly string[]): Promise<unknown>;
  /** Runs the script (by its sha, loading it when Redis does not know it). */
  script(lua: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/** A subscriber connection: channels survive reconnects; `resubscribed` says one happened. */
export interface Subscriptions {
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
}
