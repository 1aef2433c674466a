import assert from "node:assert/strict";
import { joinPlain } from "./helpers.ts";
import { bugs, startCluster } from "./cluster_helpers.ts";
import { ircJoin, IrcTestClient } from "./irc_helpers.ts";

// The IRC gateway in a cluster: IRC users on one node, netcat and IRC users
// on another, in the same channels, with names unique across the nodes.

function ircPort(stdout: string[]): number {
  const m = stdout.map((l) => /^chat irc on irc:\/\/127\.0\.0\.1:(\d+)$/.exec(l)).find((m) => m);
  if (!m) throw new Error(`no IRC port in ${stdout.join(" | ")}`);
  return Number(m[1]);
}

Deno.test("cluster: IRC users on two nodes and a netcat user share #lobby, DMs cross nodes, nicks are unique", async () => {
  await using cluster = await startCluster(2, ["--irc-port", "0", "--server-name", "irc.test"]);
  const [n1, n2] = cluster.nodes;
  const bob = await ircJoin(ircPort(n1.stdout), "bob", { rooms: ["lobby"] });
  const alice = await joinPlain(n2.port, "alice");
  const eve = await ircJoin(ircPort(n2.stdout), "eve", { rooms: ["lobby"] });
  await bob.expect(":eve!eve@chat JOIN #lobby", 10_000);
  await bob.send("PRIVMSG #lobby :from node one");
  assert.equal(await alice.until((l) => l.startsWith("bob: "), 10_000), "bob: from node one");
  await eve.expect(":bob!bob@chat PRIVMSG #lobby :from node one", 10_000);
  await alice.send("from netcat on node two");
  await bob.expect(":alice!alice@chat PRIVMSG #lobby :from netcat on node two", 10_000);
  await eve.send("PRIVMSG bob :across the cluster");
  await bob.expect(":eve!eve@chat PRIVMSG bob :across the cluster", 10_000);
  await bob.send("NAMES #lobby");
  const names = await bob.expect(/ 353 bob = #lobby :/);
  for (const n of ["alice", "bob", "eve"]) assert.match(names, new RegExp(`\\b${n}\\b`));
  await bob.send("WHOIS alice");
  await bob.expect(/ 311 bob alice alice chat \* :chat user \(another node\)/);
  // A nick held on the other node is taken here too.
  const dup = await IrcTestClient.connect(ircPort(n1.stdout));
  await dup.send("NICK Eve");
  await dup.send("USER x 0 * :x");
  await dup.expect(/ 433 \* Eve :/, 10_000);
  await dup.close();
  await eve.send("QUIT");
  await bob.expect(/:eve!eve@chat QUIT /, 10_000);
  await bob.close();
  await alice.close();
  assert.deepEqual(bugs(cluster.nodes), []);
});
