/**
 * Every key and channel chat uses in Redis, in one place. A room's keys
 * share the hash tag `{r:KEY}`, so on Redis Cluster one room lives on one
 * shard and its publish script touches one slot (docs/scaling.md).
 */
export const keys = {
  /** The history's epoch (PROTOCOL.md): made once, lost with Redis's data. */
  epoch: "chat:epoch",
  /** Hash: room key → {"name","topic"}. */
  rooms: "chat:rooms",
  /** A room's counter: the seq of its newest message. */
  seq: (room: string) => `chat:{r:${room}}:seq`,
  /** A room's stream: entry id `0-SEQ`, fields m (the message) and n (the node that posted it). */
  log: (room: string) => `chat:{r:${room}}:log`,
  /** Hash: a room's edits and deletions, seq → the latest revision (cluster_revisions.ts). */
  rev: (room: string) => `chat:{r:${room}}:rev`,
  /**
   * The room's copy of the epoch, in the room's own slot so that its publish
   * script can check it: missing or different, and the script stores nothing.
   */
  roomEpoch: (room: string) => `chat:{r:${room}}:epoch`,
  /** Prefix of a room's message-id keys (value: the seq; they expire). */
  ids: (room: string) => `chat:{r:${room}}:id:`,
  /** A room's live channel: "NODE\nMESSAGE\nMESSAGE…". */
  live: (room: string) => `chat:{r:${room}}:live`,
  /** Set of the nodes that said they are up. */
  nodes: "chat:nodes",
  /** A node's heartbeat: exists while the node is alive. */
  node: (id: string) => `chat:node:${id}`,
  /** Hash: a node's members, name key → {"name","rooms"}. */
  members: (id: string) => `chat:members:${id}`,
  /** A name's lease: the node that holds it. */
  name: (key: string) => `chat:name:${key}`,
  /**
   * A reserved name: {"name","keyHash","lastUsed"}, expiring `--reserve-names`
   * after its last use (each join and leave sets the expiry again).
   */
  reserved: (key: string) => `chat:reserved:${key}`,
  /** Who is clearing up after a dead node. */
  reap: (id: string) => `chat:reap:${id}`,
  /** Channel: what members did (join, enter, part, leave, nick, topic, room). */
  events: "chat:events",
  /** Channel of one node: DMs to its members. */
  inbox: (id: string) => `chat:to:${id}`,
};

/** How long a message id is remembered for dedup, in seconds. */
export const ID_TTL_S = 24 * 3600;

/** What the publish script answers when the room's epoch is not the node's (Redis lost its data). */
export const EPOCH_ERROR = "EPOCH";

/**
 * The publish script: for one room, first the room's epoch — not the
 * node's (a Redis that came back empty has none) and it stores nothing and
 * answers {@linkcode EPOCH_ERROR}; then each message in turn — a known id
 * returns minus the seq it was stored with; else the room's counter is
 * incremented, the message stored in the stream under id `0-SEQ` with the
 * node and the call's batch token (a node's gap fill tells the call still
 * in flight by it), its id remembered, and the new seq returned. With a
 * maxlen the stream is trimmed to exactly that many (every node's mirror
 * then holds the same messages) and the revision of the message that fell
 * out goes with it. All new messages of the call go out in one PUBLISH. A
 * script runs atomically, so seqs have no gap and one order for every
 * node; with `appendfsync always` Redis writes its AOF before any reply or
 * publish leaves it.
 *
 * KEYS: seq, log, ids prefix, room epoch, revisions. ARGV: node, live
 * channel, maxlen (0: none), id ttl, the node's epoch, the batch token,
 * then per message its id ("" for none), the JSON before the seq, the
 * JSON after it.
 */
export const PUBLISH_LUA = `
if redis.call('GET', KEYS[4]) ~= ARGV[5] then
  return redis.error_reply('${EPOCH_ERROR} the room has another epoch: Redis lost its data')
end
local maxlen = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local out, pub = {}, {ARGV[1]}
for i = 7, #ARGV, 3 do
  local id = ARGV[i]
  local prev = false
  if id ~= '' then prev = redis.call('GET', KEYS[3] .. id) end
  if prev then
    out[#out + 1] = -tonumber(prev)
  else
    local seq = redis.call('INCR', KEYS[1])
    local m = ARGV[i + 1] .. seq .. ARGV[i + 2]
    if maxlen > 0 then
      redis.call('XADD', KEYS[2], 'MAXLEN', maxlen, '0-' .. seq, 'm', m, 'n', ARGV[1], 'b', ARGV[6])
      if seq > maxlen then redis.call('HDEL', KEYS[5], seq - maxlen) end
    else
      redis.call('XADD', KEYS[2], '0-' .. seq, 'm', m, 'n', ARGV[1], 'b', ARGV[6])
    end
    if id ~= '' then redis.call('SET', KEYS[3] .. id, seq, 'EX', ttl) end
    pub[#pub + 1] = m
    out[#out + 1] = seq
  end
end
if #pub > 1 then redis.call('PUBLISH', ARGV[2], table.concat(pub, '\\n')) end
return out
`;
