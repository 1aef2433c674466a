/** `chat join ARGS`: returns the exit code. (Placeholder until the client lands.) */
export function runJoin(_args: string[]): Promise<number> {
  console.error("chat join: not built yet");
  return Promise.resolve(1);
}
