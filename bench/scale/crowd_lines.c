/*
 * crowd_lines.c -- what crowd's clients say and read, per protocol.
 *
 * Client k is named uK (as loadgen names its clients).  Every client keeps
 * its own view of who is in the room, as a set of names, so presence is
 * checked, not only counted:
 *   chat (plain mode): the welcome's "N online" (and its names, when it lists
 *     them), then one "* uJ joined the chat" per later join and
 *     "* uJ left the chat" per leave;
 *     -- or, in a big room, one summary line per batch that states the room's
 *     size ("... and 948 others joined (10000 online)"), which the view
 *     then takes, as the names are not all listed;
 *   irc: the names of the 353 replies up to 366, then JOIN / PART / QUIT;
 *   raw (ideal-c): no presence at all; a relay has no room.
 * A join of a name already in the view is a presence_dup, a join of nobody
 * we know (or of oneself) or a leave of someone not in the view is
 * presence_bad.  Message texts are loadgen's: "bm SENDER SEQ SEND_NS x...".
 */
#define _GNU_SOURCE
#include "crowd.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "u123..." -> 123, or -1; *after: the first byte past the digits */
static int name_idx(const char *p, const char *end, const char **after) {
    if (p >= end || *p != 'u' || ++p >= end || *p < '0' || *p > '9') return -1;
    long v = 0;
    while (p < end && *p >= '0' && *p <= '9' && v < MAX_CLIENTS) v = v * 10 + (*p++ - '0');
    if (after) *after = p;
    return v < N ? (int)v : -1;
}

/* ------------------------------------------------------------- presence */
static uint8_t *pbyte(const struct client *c, int k, uint8_t *mask) {
    size_t bit = (size_t)c->idx * (size_t)N + (size_t)k;
    *mask = (uint8_t)(1u << (bit & 7));
    return &presence[bit >> 3];
}
static void joined(struct client *c, int k) {
    uint8_t m, *b;
    if (k < 0 || k == c->idx) { presence_bad++; return; }
    b = pbyte(c, k, &m);
    if (*b & m) { presence_dups++; return; }
    *b |= m;
    c->view++;
}
static void left(struct client *c, int k) {
    uint8_t m, *b;
    leaves_seen++;
    if (k < 0) { presence_bad++; return; }
    b = pbyte(c, k, &m);
    if (!(*b & m)) { presence_bad++; return; }
    *b &= (uint8_t)~m;
    c->view--;
}
static void welcome(struct client *c, int64_t now) {
    c->welcomed = 1;
    welcomed_cnt++;
    hist_add(&h_welcome, now - c->t_conn);
}
int members_now(void) {
    int n = 0;
    for (int i = 0; i < N; i++) n += C[i].state == CS_OPEN && C[i].welcomed;
    return n;
}

/* A /who (NAMES) answer: `names` names were listed into who_bits; right
 * when the count and the list are the open, welcomed clients exactly. */
static void who_done(struct client *c, int count, int names, int bad) {
    int want = members_now();
    for (int i = 0; i < N && !bad; i++)
        if (C[i].state == CS_OPEN && C[i].welcomed && !(who_bits[i >> 3] & (1u << (i & 7)))) bad = 1;
    c->who_count = count;
    c->who_names = names;
    c->who = !bad && count == want && names == want ? WHO_OK : WHO_BAD;
}
/* names separated by ", " (chat) or " " with @/+ prefixes (irc), into who_bits or the view */
static int list_names(struct client *c, const char *p, const char *end, int into_view, int *bad) {
    int n = 0;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ',' || *p == '@' || *p == '+')) p++;
        if (p >= end || *p == '.') break;
        const char *after = p;
        int k = name_idx(p, end, &after);
        if (k < 0) { (*bad)++; while (p < end && *p != ' ' && *p != ',') p++; continue; }
        p = after;
        n++;
        if (into_view) {
            uint8_t m, *b = pbyte(c, k, &m);
            if (*b & m) presence_dups++; else { *b |= m; c->view++; }
        } else {
            if (who_bits[k >> 3] & (1u << (k & 7))) (*bad)++;
            who_bits[k >> 3] |= (uint8_t)(1u << (k & 7));
        }
    }
    return n;
}
void ask_who(struct client *c) {
    memset(who_bits, 0, (size_t)N / 8 + 1);
    c->who = WHO_ASKED;
    c->who_names = c->who_count = 0;
    if (o_proto == P_CHAT) out_printf(c, "/who\n");
    else out_printf(c, "NAMES %s\r\n", o_channel);
    flush_out(c);
}

/* ----------------------------------------------------------- messages */
void send_message(struct client *c, long seq, int64_t ts) {
    char text[MAX_PAYLOAD + 64], line[MAX_PAYLOAD + 128];
    int h = snprintf(text, sizeof text, "bm %d %ld %lld", c->idx, seq, (long long)ts), n;
    if (h + 2 <= o_payload) {
        text[h++] = ' ';
        memset(text + h, 'x', (size_t)(o_payload - h));
        h = o_payload;
    }
    if (o_proto == P_IRC) n = snprintf(line, sizeof line, "PRIVMSG %s :%.*s\r\n", o_channel, h, text);
    else if (o_proto == P_RAW) n = snprintf(line, sizeof line, "u%d: %.*s\n", c->idx, h, text);
    else n = snprintf(line, sizeof line, "%.*s\n", h, text);
    c->sent++;
    total_sent++;
    out_append(c, line, (size_t)n);
    flush_out(c);
}
static int num(const char **pp, const char *end, long long *out) {
    const char *p = *pp;
    long long v = 0;
    if (p >= end || *p < '0' || *p > '9') return 0;
    while (p < end && *p >= '0' && *p <= '9') { if (p - *pp > 18) return 0; v = v * 10 + (*p++ - '0'); }
    *out = v;
    *pp = p;
    return 1;
}
/* a relayed text from `from` (the name the server put on it, -1: none) */
static void delivery(struct client *r, int from, const char *t, size_t len, int64_t now) {
    while (len && t[len - 1] == ' ') len--;
    if (len < 3 || memcmp(t, "bm ", 3)) { foreign_lines++; return; }
    const char *p = t + 3, *end = t + len;
    long long s, q, ts;
    if (!num(&p, end, &s) || p >= end || *p++ != ' ' || !num(&p, end, &q) || p >= end || *p++ != ' ' ||
        !num(&p, end, &ts)) { bad_lines++; return; }
    size_t hdr = (size_t)(p - t), want = hdr + 2 <= (size_t)o_payload ? (size_t)o_payload : hdr;
    if (len != want || (p < end && *p++ != ' ')) { bad_lines++; return; }
    for (; p < end; p++) if (*p != 'x') { bad_lines++; return; }
    if (s < 0 || s >= N || s != from || C[s].slot < 0 || q < 0 || q >= C[s].sent || ts > now || ts < t_prog0) {
        bad_lines++;
        return;
    }
    if (s == r->idx) { self_echo++; return; }
    int slot = C[s].slot;
    size_t bit = ((size_t)r->idx * (size_t)P + (size_t)slot) * (size_t)o_messages + (size_t)q;
    uint8_t m = (uint8_t)(1u << (bit & 7));
    if (dupbits[bit >> 3] & m) { duplicated++; return; }
    dupbits[bit >> 3] |= m;
    delivered++;
    hist_add(&h_all, now - ts);
    if (r->slot >= 0) { delivered_posters++; hist_add(&h_posters, now - ts); }
    else { delivered_readers++; hist_add(&h_readers, now - ts); }
    int32_t *mx = &maxseq[(size_t)r->idx * (size_t)P + (size_t)slot];
    if (q < *mx) reordered++; else *mx = (int32_t)q;
    rxcount[(size_t)slot * (size_t)o_messages + (size_t)q]++;
    t_last_deliv = t_progress = now;
}

/* --------------------------------------------------------------- chat */
static int ends(const char *s, size_t len, const char *tail) {
    size_t tl = strlen(tail);
    return len > tl && !memcmp(s + len - tl, tail, tl);
}
static void chat_welcome(struct client *c, const char *line, size_t len, int64_t now) {
    const char *end = line + len, *on = strstr(line, " online");
    int count = 0, bad = 0;
    if (on) { const char *d = on; while (d > line && d[-1] >= '0' && d[-1] <= '9') d--; count = atoi(d); }
    uint8_t m, *b = pbyte(c, c->idx, &m);
    if (on && !strncmp(on, " online: ", 9)) { /* a small room: the names are listed, oneself among them */
        int listed = list_names(c, on + 9, end, 1, &bad);
        if (listed != count || !(*b & m) || bad) presence_bad++;
        c->view = count; /* each listed name is in the view; the count is the server's word */
    } else {              /* a big room: the count alone, which includes oneself */
        *b |= m;
        c->view = count;
        if (!on) presence_bad++;
    }
    welcome(c, now);
}
static void chat_line(struct client *c, char *line, size_t len, int64_t now) {
    if (!c->banner) { c->banner = 1; out_printf(c, "u%d\n", c->idx); flush_out(c); return; }
    if (!c->welcomed) {
        if (!strncmp(line, "! ", 2)) { c->reg_failed = 1; note_error(line); return; }
        if (!strncmp(line, "* Last ", 7)) { c->in_history = 1; return; }
        if (!strncmp(line, "* End of history", 16)) { c->in_history = 0; return; }
        if (c->in_history) return;
        if (!strncmp(line, "* Welcome", 9)) { chat_welcome(c, line, len, now); return; }
        notices++;
        return;
    }
    if (line[0] == '*' && line[1] == ' ') {
        const char *s = line + 2, *end = line + len, *after = s;
        /* the name must be all of what comes before the tail */
        if (ends(line, len, " joined the chat")) {
            int k = name_idx(s, end, &after);
            joined(c, after == end - 16 ? k : -1);
            return;
        }
        if (ends(line, len, " left the chat")) {
            int k = name_idx(s, end, &after);
            left(c, after == end - 14 ? k : -1);
            return;
        }
        /* a big room's batch as one summary, "* u1, u2 and 948 others joined; u5 left (10000 online)":
         * the names are not all there, so the view becomes the room's size it states */
        const char *open = memrchr(line, '(', len);
        if (open && ends(line, len, " online)") && (strstr(line, " joined") || strstr(line, " left"))) {
            c->view = atoi(open + 1);
            presence_summaries++;
            return;
        }
        after = s;
        long long cnt;
        if (c->who == WHO_ASKED && num(&after, end, &cnt) && !strncmp(after, " online: ", 9)) {
            int bad = 0, names = list_names(c, after + 9, end, 0, &bad);
            who_done(c, (int)cnt, names, bad);
            return;
        }
        notices++;
        return;
    }
    if (!strncmp(line, "! ", 2)) { server_errors++; note_error(line); return; }
    const char *after = line, *end = line + len;
    int from = name_idx(line, end, &after);
    if (from >= 0 && after + 2 <= end && after[0] == ':' && after[1] == ' ') {
        delivery(c, from, after + 2, (size_t)(end - after - 2), now);
        return;
    }
    foreign_lines++;
}

/* ---------------------------------------------------------------- irc */
static void irc_line(struct client *c, char *line, size_t len, int64_t now) {
    char *p = line, *end = line + len, *prefix = NULL;
    if (*p == ':') { prefix = ++p; p = strchr(p, ' '); if (!p) return; *p++ = 0; }
    while (*p == ' ') p++;
    char *cmd = p, *rest = p + strlen(p), *sp = strchr(p, ' ');
    if (sp) { *sp = 0; rest = sp + 1; }
    int from = prefix ? name_idx(prefix, prefix + strlen(prefix), NULL) : -1;
    char *tr = strstr(rest, " :");
    if (!strcmp(cmd, "PRIVMSG")) {
        if (!tr) { bad_lines++; return; }
        delivery(c, from, tr + 2, (size_t)(end - tr - 2), now);
    } else if (!strcmp(cmd, "PING")) {
        out_printf(c, "PONG %s\r\n", rest);
        flush_out(c);
    } else if (!strcmp(cmd, "JOIN")) {
        if (from != c->idx) joined(c, from);
    } else if (!strcmp(cmd, "PART") || !strcmp(cmd, "QUIT")) {
        left(c, from);
    } else if (!strcmp(cmd, "ERROR")) {
        server_errors++;
        note_error(rest);
    } else if (strlen(cmd) == 3 && cmd[0] >= '0' && cmd[0] <= '9') {
        int code = atoi(cmd), bad = 0;
        if (code == 1 && !c->banner) { c->banner = 1; out_printf(c, "JOIN %s\r\n", o_channel); flush_out(c); }
        else if (code == 353 && tr && strstr(rest, o_channel)) {
            if (c->who == WHO_ASKED) {
                c->who_names += list_names(c, tr + 2, end, 0, &bad);
                if (bad) c->who_count = -1;
            } else if (!c->welcomed) {
                list_names(c, tr + 2, end, 1, &bad);
                if (bad) presence_bad++;
            }
        } else if (code == 366) {
            if (c->who == WHO_ASKED) who_done(c, c->who_count < 0 ? -1 : c->who_names, c->who_names, c->who_count < 0);
            else if (!c->welcomed) {
                uint8_t m, *b = pbyte(c, c->idx, &m);
                if (!(*b & m)) presence_bad++; /* NAMES must list oneself */
                welcome(c, now);
            }
        } else if (code == 432 || code == 433 || code == 436) {
            c->reg_failed = 1;
            server_errors++;
            note_error(rest);
        } else if (code >= 400 && code < 600) {
            server_errors++;
            note_error(rest);
        }
    } else {
        notices++;
    }
}

/* ---------------------------------------------------------------- raw */
static void raw_line(struct client *c, char *line, size_t len, int64_t now) {
    const char *after = line, *end = line + len;
    int from = name_idx(line, end, &after);
    if (from < 0 || after + 2 > end || after[0] != ':' || after[1] != ' ') { if (len) foreign_lines++; return; }
    if (!strcmp(after + 2, "sync")) { c->synced = 1; return; }
    delivery(c, from, after + 2, (size_t)(end - after - 2), now);
}

void on_open(struct client *c) {
    if (o_proto == P_IRC) { out_printf(c, "NICK u%d\r\nUSER u%d 0 * :crowd\r\n", c->idx, c->idx); flush_out(c); }
    if (o_proto == P_RAW) welcome(c, now_ns()); /* a relay has nothing to welcome with */
}
void handle_line(struct client *c, char *line, size_t len, int64_t now) {
    if (o_proto == P_CHAT) chat_line(c, line, len, now);
    else if (o_proto == P_IRC) irc_line(c, line, len, now);
    else raw_line(c, line, len, now);
}
