import denoJson from "../deno.json" with { type: "json" };

/** The program's version, from deno.json. */
export const VERSION: string = denoJson.version;
