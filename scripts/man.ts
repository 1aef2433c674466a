// Writes docs/chat.1, the manual page, from the command and flag tables
// (`deno task man`); `--check` only says whether it is up to date (the tests
// run that, as they do for the web assets).
import { manPage } from "../cli/man.ts";
import { VERSION } from "../protocol/version.ts";

const path = new URL("../docs/chat.1", import.meta.url).pathname;
const page = manPage(VERSION);

if (import.meta.main) {
  if (Deno.args.includes("--check")) {
    const current = await Deno.readTextFile(path).catch(() => "");
    if (current !== page) {
      console.error("docs/chat.1 is out of date with the flag tables: run deno task man");
      Deno.exit(1);
    }
  } else {
    await Deno.writeTextFile(path, page);
    console.log(`wrote ${path}`);
  }
}
