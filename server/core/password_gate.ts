import { createHash, timingSafeEqual } from "node:crypto";
import type { Clock } from "./clock.ts";
import { FailureThrottle } from "./failure_throttle.ts";
import type { Log } from "./peer.ts";

/** Options of a {@linkcode PasswordGate}. */
export interface PasswordGateOptions {
  /** The password everyone must give; null for an open room. */
  password: string | null;
  throttle: FailureThrottle;
  log?: Log;
  /** Waits `ms`; injected so tests need not sleep. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text, "utf8").digest();
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The room password. Candidates are compared in constant time (as SHA-256
 * digests, so their length tells nothing either), and every answer to an
 * address that has failed too often is delayed by the throttle: a guesser
 * gets a few tries a minute, everybody else is answered at once.
 */
export class PasswordGate {
  #digest: Uint8Array | null;
  readonly #throttle: FailureThrottle;
  readonly #log: Log;
  readonly #sleep: (ms: number) => Promise<void>;
  /** Wrong passwords so far (for /metrics). */
  failures = 0;

  constructor(options: PasswordGateOptions) {
    this.#digest = options.password === null ? null : digest(options.password);
    this.#throttle = options.throttle;
    this.#log = options.log ?? (() => {});
    this.#sleep = options.sleep ?? realSleep;
  }

  /** A gate with no password (nobody needs one; for operators: nobody can become one). */
  static none(clock: Clock): PasswordGate {
    return new PasswordGate({ password: null, throttle: new FailureThrottle(clock) });
  }

  /** Replaces the password (a reload); null opens the room. */
  set(password: string | null): void {
    this.#digest = password === null ? null : digest(password);
  }

  /** True when joining needs the password. */
  get required(): boolean {
    return this.#digest !== null;
  }

  /**
   * Checks a password from a client at `address` (`label` names the
   * connection in the log). Resolves once the answer may be given: at
   * once, or after the delay this address has earned.
   */
  async check(address: string, candidate: string, label: string): Promise<boolean> {
    const expected = this.#digest;
    if (expected === null) return true;
    const wait = this.#throttle.reserve(address);
    if (wait > 0) await this.#sleep(wait);
    const ok = timingSafeEqual(digest(candidate), expected);
    if (ok) {
      this.#throttle.succeed(address);
      return true;
    }
    this.failures++;
    const failures = this.#throttle.fail(address);
    this.#log(
      "warn",
      `wrong password from ${address} (${label}): ${failures} failure${
        failures === 1 ? "" : "s"
      } from that address${wait > 0 ? `, answered after ${Math.round(wait / 1000)} s` : ""}`,
    );
    return false;
  }
}
