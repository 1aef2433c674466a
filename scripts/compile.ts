// Builds the standalone `chat` executables into dist/ with `deno compile`.
//   deno task compile                         every target
//   deno task compile --target x86_64-unknown-linux-gnu [--out DIR]
// deno compile downloads its runtime (denort) for each target the first time,
// so this needs internet access to dl.deno.land.
import { parseArgs } from "node:util";
import { VERSION } from "../protocol/version.ts";

/** The targets we ship, and the file name each gets. */
export const TARGETS: Record<string, string> = {
  "x86_64-unknown-linux-gnu": "chat-linux-x64",
  "aarch64-unknown-linux-gnu": "chat-linux-arm64",
  "x86_64-apple-darwin": "chat-macos-x64",
  "aarch64-apple-darwin": "chat-macos-arm64",
  "x86_64-pc-windows-msvc": "chat-windows-x64.exe",
};

/**
 * Only what the program needs: the network (serve, join), reading and
 * writing its history database, and its CHAT_* environment variables.
 */
export const PERMISSIONS = ["--allow-net", "--allow-read", "--allow-write", "--allow-env"];

/** Modules started as Workers, which `deno compile` cannot find by itself. */
export const WORKERS = ["server/storage/checkpoint_worker.ts"];

const root = new URL("..", import.meta.url).pathname;

/** Compiles one target; returns the path of the executable. */
export async function compile(target: string, outDir: string): Promise<string> {
  const output = `${outDir}/${TARGETS[target]}`;
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      ...PERMISSIONS,
      // Workers are loaded by URL at run time: they must be named to be compiled in.
      ...WORKERS.flatMap((w) => ["--include", `${root}${w}`]),
      "--target",
      target,
      "--output",
      output,
      `${root}main.ts`,
    ],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`deno compile failed for ${target} (exit ${code})`);
  return output;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      target: { type: "string", multiple: true },
      out: { type: "string", default: `${root}dist` },
    },
  });
  const targets = values.target ?? Object.keys(TARGETS);
  for (const t of targets) {
    if (!(t in TARGETS)) {
      console.error(`compile: unknown target ${t}; one of: ${Object.keys(TARGETS).join(", ")}`);
      Deno.exit(2);
    }
  }
  await Deno.mkdir(values.out!, { recursive: true });
  for (const t of targets) {
    console.log(`chat ${VERSION}: compiling ${t}`);
    try {
      console.log(`  -> ${await compile(t, values.out!)}`);
    } catch (err) {
      console.error(`compile: ${err instanceof Error ? err.message : err}`);
      Deno.exit(1);
    }
  }
}
