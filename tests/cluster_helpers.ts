import { type ServerProcess, startServer } from "./helpers.ts";
import { type RedisServer, startRedis } from "./redis_helpers.ts";

/** A real redis-server (AOF, fsync always) and `n` chat nodes on it. */
export interface Cluster extends AsyncDisposable {
  readonly redis: RedisServer;
  readonly nodes: ServerProcess[];
  /** Starts one more node on the same Redis. */
  add(args?: string[]): Promise<ServerProcess>;
  /** Stops every node and Redis. */
  close(): Promise<void>;
}

/**
 * Starts Redis and `n` nodes (`chat serve --redis URL --rate-limit 0 ARGS`
 * on port 0): unpaced, so that a flood is a flood.
 */
export async function startCluster(n: number, args: string[] = []): Promise<Cluster> {
  const redis = await startRedis();
  const nodes: ServerProcess[] = [];
  const add = async (more: string[] = args) => {
    const node = await startServer(["--redis", redis.url, "--rate-limit", "0", ...more], {
      lines: more.includes("--web-port") ? 3 : 2,
    });
    nodes.push(node);
    return node;
  };
  const close = async () => {
    await Promise.all(nodes.map((s) => s.stop("SIGKILL")));
    await redis.close();
  };
  try {
    for (let i = 0; i < n; i++) await add();
  } catch (err) {
    await close();
    throw err;
  }
  return { redis, nodes, add, close, [Symbol.asyncDispose]: close };
}

/** Log lines that must never appear. */
export function bugs(nodes: ServerProcess[]): string[] {
  return nodes.flatMap((s) => s.stderr.filter((l) => /BUG|Uncaught|panicked/.test(l)));
}
