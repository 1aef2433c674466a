/*
 * roomload.c -- a fan-out load generator for chat's rooms (plain mode).
 *
 * The shared rig's loadgen (../shared/bench/loadgen.c) puts every client in
 * the one default room.  This driver is modelled on it -- one process, one
 * thread, epoll, non-blocking sockets, loopback only, the same message text
 * and the same JSON field names where they mean the same -- but it places
 * clients in rooms with `/join ROOM` first.
 *
 * Posting mode (default): R rooms of P posting members each (clients =
 * R x P; member k is in room k / P), plus X extra readers that are in every
 * room and never post.  Each member joins its room and leaves the default
 * room (`/part lobby`), so it is in exactly one room; a reader joins all R.
 * Once every client has had every answer (`* Now in #ROOM`, `* You left`),
 * which means the server has applied every join, each member sends M
 * messages, closed loop (at most W in flight; a message leaves flight when
 * every other member of its room and every reader has it).  Every text is
 * `bm SENDER SEQ SEND_NS xxxx...` like loadgen's, so each receiver checks the
 * sender (the name before ": " too), the room (the `[#room] ` prefix, or the
 * receiver's current room without one), seq order, duplicates, loss, length
 * and padding, and measures latency; members' and readers' latencies are
 * also kept apart.
 *
 * Acked mode (--acked): the posting members speak JSON mode instead (hello
 * with their room, `say` with a ref and an id) and a message leaves flight
 * on its `ack`, which the server sends once the message is stored: so the
 * figure is messages stored per second, and the ack latency.  Deliveries to
 * the other members and readers are still checked as above, and every JSON
 * member also checks the room's seqs: its acks and messages together must
 * run 1 by 1 (seq_breaks), and every receiver must see a message under the
 * seq its sender's ack gave it (seq_mismatch).
 *
 * Enter mode (--enter-only): N clients connect and register (all of them,
 * bounded by --join-timeout), wait for quiet, then every client sends its J
 * `/join` lines at once (client k joins rooms (k + i) mod R, i < J).  The
 * run ends when every client has had its J `* Now in` answers: enter_s.
 *
 * --ports P1,P2,...: client k connects to port P(k mod n), so the clients of
 * a room are spread over the nodes of a cluster and the same accounting
 * measures deliveries across nodes.
 *
 * Server CPU (all threads) and RSS come from /proc/PID by --server-pid (or
 * summed over --server-pids A,B,C; --redis-pid adds Redis's apart).
 * One JSON object on stdout, a short summary on stderr.
 *
 * Build: cc -O2 -Wall -Wextra -o roomload roomload.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RL_VERSION "1.0"
#define RECV_CHUNK (64 * 1024)
#define MAX_CARRY (1024 * 1024) /* longest line we are willing to buffer */
#define MAX_PAYLOAD 4000
#define MAX_ROOMS 100000
#define MAX_NODES 16

/* ---------------------------------------------------------------- options */
static const char *o_host = "127.0.0.1";
static int o_ports[MAX_NODES];
static int o_nports = 0;
static int o_clients = -1;   /* posting: R x P (default); enter: N */
static int o_rooms = 1;
static int o_members = -1;   /* members per room (posting) */
static long o_messages = 100;
static int o_window = 8;
static double o_timeout = 60;
static int o_payload = 40;
static double o_connect_rate = 0;
static double o_connect_timeout = 20;
static double o_join_timeout = 30;
static double o_stall = 5;
static double o_giveup = 3;
static double o_quiet = 0.25;
static int o_readers = 0;
static int o_enter = 0;
static int o_joins = 10;
static int o_keep_default = 0;
static const char *o_default_room = "lobby";
static const char *o_prefix = "r";
static int o_pids[MAX_NODES];  /* the server's processes (a cluster: one per node) */
static int o_npids = 0;
static int o_redis_pid = 0;
static int o_acked = 0;
static int o_ids = 1;
static const char *o_label = NULL;
static int o_verbose = 0;
static int o_quickack = 1;

/* ----------------------------------------------------------------- state */
enum { CS_NEW = 0, CS_CONNECTING, CS_OPEN, CS_DEAD, CS_FAILED };
enum { PH_CONNECT, PH_JOIN, PH_QUIET, PH_RUN, PH_ENTER, PH_DONE };

struct client {
    int fd, idx, state;
    unsigned char banner, registered, reg_failed, in_history, entered, left_default;
    unsigned char inq, want_out, sender, reader, active, joins_sent, json;
    int home;            /* posting member: its room; reader: -1 */
    int slot;            /* receiver slot: member k % P, reader P + j */
    int cur;             /* current room (-1: the default room or unknown) */
    int answers;         /* "* Now in #ROOM" answers received */
    int need;            /* answers it waits for */
    int64_t t_entered;   /* when the last answer came */
    char *carry; int clen, ccap;
    char *obuf; size_t ooff, olen, ocap;
    long sent, acked, oldest;
    long long last_seq;  /* acked mode, JSON member: the room's last seq it saw (0: none) */
};

static struct client *C;
static int NC;           /* all clients */
static int S;            /* posting members (senders) = R x P */
static int R, P, X;      /* rooms, members per room, extra readers */
static int SL;           /* receiver slots per message: P + X */
static long M;           /* messages per member */
static int epfd;
static struct sockaddr_in srv[MAX_NODES];
static int phase = PH_CONNECT;
static int64_t t_prog0, t_connect_done, t_join_done, t_run0, t_end, t_enter0, t_enter_last;
static int64_t t_first_send, t_last_deliv, t_last_rx_any, t_progress;

static uint8_t *dupbits;   /* S*M*SL bits: (sender, seq, receiver slot) seen */
static uint16_t *rxcount;  /* S*M: receivers that have (sender, seq) */
static int64_t *sendts;    /* S*M: send time while in flight, -1 once complete or given up */
static int64_t *firstrx;   /* S*M: when the first receiver got the message (0: nobody yet) */
static int32_t *maxseq;    /* S*SL: highest seq a receiver slot has seen from a sender */
static int *need_rx;       /* S: receivers each message of a sender must reach (active ones) */
static int *room_active;   /* R: active posting members per room */
static int *room_maxk;     /* R, enter mode: the largest "K online" answered for the room */
static int *room_joiners;  /* R, enter mode: clients that join it */
static int active_readers;
static uint64_t gave_up, delivered, delivered_members, delivered_readers, duplicated, reordered;
static uint64_t bad_lines, misrouted, foreign_lines, self_echo, notices, server_errors;
static uint64_t bytes_in, bytes_out, disconnects_run, disconnects_pre;
static uint64_t joins_sent, joins_answered, join_errors, unexpected_answers;
static long total_sent, conn_failures, reg_failures, join_incomplete, connected_cnt, entered_cnt, registered_cnt;
static int A;            /* active senders at the start of the run */
static uint64_t expect_run; /* deliveries the active senders' messages must make */
static int measuring;    /* the run (or the enter burst) started: CPU is counted from then */
static int64_t lat_max, lat_max_m, lat_max_r;
static double lat_sum, lat_sum_m, lat_sum_r;
static char first_error[256];
static int timed_out, stalled, join_timed_out, quiet_timed_out;
static int *readyq; static unsigned rq_head, rq_tail;
/* acked mode */
static int32_t *msgseq;    /* S*M: the room seq a message was acked or delivered under (0: unknown) */
static uint8_t *ackbits;   /* S*M bits: (sender, seq) acked */
static uint64_t acks, bad_acks, late_acks, seq_breaks, seq_mismatch;
static int64_t t_last_ack, ack_lat_max;
static double ack_lat_sum;

/* ------------------------------------------------------------- histogram */
/* log-linear, ~0.8% resolution, values in ns (as loadgen's) */
#define HSUB 7
#define HBUCKETS (256 + 56 * 128)
static uint64_t hist_all[HBUCKETS], hist_m[HBUCKETS], hist_r[HBUCKETS], hist_ack[HBUCKETS];
/* fan-out lag: receive time minus the message's first receipt by anybody, so
 * what a message waited before the server read it (common to all its
 * receivers) drops out and the receivers' places in the fan-out remain */
static uint64_t hlag_m[HBUCKETS], hlag_r[HBUCKETS];
static int64_t lag_max_m, lag_max_r;
static double lag_sum_m, lag_sum_r;
static int hbucket(uint64_t v) {
    if (v < 256) return (int)v;
    int e = 63 - __builtin_clzll(v);
    int sub = (int)((v >> (e - HSUB)) & 127);
    return 256 + (e - 8) * 128 + sub;
}
static double hvalue(int b) {
    if (b < 256) return b;
    int e = (b - 256) / 128 + 8, sub = (b - 256) % 128;
    double lo = (double)((uint64_t)(128 + sub) << (e - HSUB));
    double w = (double)(1ULL << (e - HSUB));
    return lo + w / 2;
}
static double hpercentile(const uint64_t *h, double p) {
    uint64_t tot = 0;
    for (int i = 0; i < HBUCKETS; i++) tot += h[i];
    if (!tot) return 0;
    uint64_t want = (uint64_t)(p / 100.0 * (double)tot);
    if (want >= tot) want = tot - 1;
    uint64_t acc = 0;
    for (int i = 0; i < HBUCKETS; i++) {
        acc += h[i];
        if (acc > want) return hvalue(i);
    }
    return 0;
}

/* ----------------------------------------------------------------- utils */
static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static double secs(int64_t ns) { return (double)ns / 1e9; }
static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n);
    if (!q && n) { fprintf(stderr, "roomload: out of memory\n"); exit(2); }
    return q;
}
static void note_error(const char *s) {
    if (!first_error[0]) {
        snprintf(first_error, sizeof first_error, "%s", s);
        for (char *p = first_error; *p; p++)
            if (*p == '"' || *p == '\\' || (unsigned char)*p < 32) *p = '?';
    }
}
static double cpu_self(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
/* server CPU seconds (utime + stime of all threads, /proc/PID/stat), -1 if unknown */
static double cpu_pid(int pid, int *threads) {
    char path[64], buf[1024];
    if (pid <= 0) return -1;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p || !p[1]) return -1;
    p += 2;
    /* fields after ")": 3 state, ... 14 utime, 15 stime, ... 20 num_threads */
    unsigned long long v[18] = {0};
    for (int i = 0; i < 18 && *p; i++) {
        while (*p == ' ') p++;
        if (i == 0) { while (*p && *p != ' ') p++; continue; }
        v[i] = strtoull(p, &p, 10);
    }
    if (threads) *threads = (int)v[17];
    return (double)(v[11] + v[12]) / (double)sysconf(_SC_CLK_TCK);
}
/* a "Key:   123 kB" line of /proc/PID/status, -1 if unknown */
static long status_kb(int pid, const char *key) {
    char path[64], line[256];
    if (pid <= 0) return -1;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') { v = atol(line + kl + 1); break; }
    fclose(f);
    return v;
}
/* the server's CPU seconds, summed over --server-pids (each[i]: node i's), -1 if any is unknown */
static double cpu_servers(int *threads, double *each) {
    double sum = 0;
    int th = 0;
    if (!o_npids) return -1;
    for (int i = 0; i < o_npids; i++) {
        int t = 0;
        double x = cpu_pid(o_pids[i], &t);
        if (each) each[i] = x;
        if (x < 0) return -1;
        sum += x;
        th += t;
    }
    if (threads) *threads = th;
    return sum;
}
/* a /proc/PID/status figure summed over --server-pids, -1 if any is unknown */
static long status_kb_servers(const char *key) {
    long sum = 0;
    if (!o_npids) return -1;
    for (int i = 0; i < o_npids; i++) {
        long v = status_kb(o_pids[i], key);
        if (v < 0) return -1;
        sum += v;
    }
    return sum;
}
/* "A,B,C" into out[] (at most MAX_NODES positive numbers); the count, or -1 */
static int parse_list(const char *s, int *out, int lo, int hi) {
    int n = 0;
    while (*s) {
        char *e;
        long v = strtol(s, &e, 10);
        if (e == s || v < lo || v > hi || n == MAX_NODES || (*e && *e != ',')) return -1;
        out[n++] = (int)v;
        s = *e ? e + 1 : e;
    }
    return n;
}
/* whole-box busy and total jiffies (/proc/stat) */
static void box_cpu(unsigned long long *busy, unsigned long long *total) {
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    *busy = *total = 0;
    if (!f) return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
        for (int i = 0; i < 8; i++) *total += v[i];
        *busy = *total - v[3] - v[4];
    }
    fclose(f);
}

/* ---------------------------------------------------------------- output */
static void update_events(struct client *c) {
    struct epoll_event ev = {0};
    ev.events = EPOLLIN | (c->want_out ? EPOLLOUT : 0);
    ev.data.u32 = (uint32_t)c->idx;
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}
static void kill_client(struct client *c, const char *why) {
    if (c->state != CS_OPEN && c->state != CS_CONNECTING) return;
    if (c->state == CS_OPEN) {
        if (phase >= PH_RUN) disconnects_run++; else disconnects_pre++;
    }
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = CS_DEAD;
    if (o_verbose) fprintf(stderr, "client %d closed: %s\n", c->idx, why);
    if (why) { char b[200]; snprintf(b, sizeof b, "client %d: %s", c->idx, why); note_error(b); }
}
static void out_append(struct client *c, const char *s, size_t n) {
    if (c->ooff && c->ooff == c->olen) c->ooff = c->olen = 0;
    if (c->olen + n > c->ocap) {
        if (c->ooff) { memmove(c->obuf, c->obuf + c->ooff, c->olen - c->ooff); c->olen -= c->ooff; c->ooff = 0; }
        if (c->olen + n > c->ocap) {
            size_t nc = c->ocap ? c->ocap : 1024;
            while (nc < c->olen + n) nc *= 2;
            c->obuf = xrealloc(c->obuf, nc);
            c->ocap = nc;
        }
    }
    memcpy(c->obuf + c->olen, s, n);
    c->olen += n;
}
static void out_printf(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(struct client *c, const char *fmt, ...) {
    char b[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n > 0) out_append(c, b, (size_t)n < sizeof b ? (size_t)n : sizeof b - 1);
}
static void flush_out(struct client *c) {
    if (c->state != CS_OPEN) return;
    while (c->ooff < c->olen) {
        ssize_t n = send(c->fd, c->obuf + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);
        if (n > 0) { c->ooff += (size_t)n; bytes_out += (uint64_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out) { c->want_out = 1; update_events(c); }
            return;
        }
        kill_client(c, n < 0 ? strerror(errno) : "send returned 0");
        return;
    }
    c->ooff = c->olen = 0;
    if (c->want_out) { c->want_out = 0; update_events(c); }
}

/* one message: text = "bm S Q TS" [" " + 'x'*k], length max(payload, hdr+2), as loadgen's */
static void append_msg(struct client *c, long seq, int64_t ts) {
    char line[MAX_PAYLOAD + 128];
    int h = snprintf(line, sizeof line, "bm %d %ld %lld", c->idx, seq, (long long)ts);
    if (h + 2 <= o_payload) {
        line[h++] = ' ';
        memset(line + h, 'x', (size_t)(o_payload - h));
        h = o_payload;
    }
    line[h++] = '\n';
    if (c->json) {
        /* acked mode: the same text in a say with a ref (the seq) and an id */
        char js[MAX_PAYLOAD + 256];
        int n = snprintf(js, sizeof js, "{\"type\":\"say\",\"room\":\"%s%d\",\"text\":\"%.*s\",\"ref\":\"%ld\"", o_prefix,
                         c->home, h - 1, line, seq);
        if (o_ids) n += snprintf(js + n, sizeof js - (size_t)n, ",\"id\":\"u%d-%ld\"", c->idx, seq);
        n += snprintf(js + n, sizeof js - (size_t)n, "}\n");
        out_append(c, js, (size_t)n);
    } else {
        out_append(c, line, (size_t)h);
    }
    c->sent++;
    total_sent++;
}

/* ------------------------------------------------------------ room names */
/* index of room NAME (prefix + number < R), -1 for the default room, -2 otherwise */
static int room_index(const char *name, size_t len) {
    size_t dl = strlen(o_default_room), pl = strlen(o_prefix);
    if (len == dl && !strncasecmp(name, o_default_room, dl)) return -1;
    if (len <= pl || strncasecmp(name, o_prefix, pl)) return -2;
    long v = 0;
    for (size_t i = pl; i < len; i++) {
        if (name[i] < '0' || name[i] > '9' || i - pl > 9) return -2;
        v = v * 10 + (name[i] - '0');
    }
    if (len - pl > 1 && name[pl] == '0') return -2; /* r01 is not r1 */
    return v < R ? (int)v : -2;
}
/* the room name after "#" in a notice: up to ':' '.' ' ' or the end */
static int room_after_hash(const char *p, const char *end) {
    const char *q = p;
    while (q < end && *q != ':' && *q != '.' && *q != ' ' && *q != ',') q++;
    return room_index(p, (size_t)(q - p));
}

/* ------------------------------------------------------- delivery checks */
static void ack_ready(int s) {
    struct client *sc = &C[s];
    sc->acked++;
    if (!sc->inq) { sc->inq = 1; readyq[rq_tail++ % (unsigned)NC] = s; }
}
static void record(struct client *r, int s, long q, int64_t ts, int64_t now) {
    uint64_t msg = (uint64_t)s * (uint64_t)M + (uint64_t)q;
    uint64_t bit = msg * (uint64_t)SL + (uint64_t)r->slot;
    uint8_t mask = (uint8_t)(1u << (bit & 7));
    if (dupbits[bit >> 3] & mask) { duplicated++; return; }
    dupbits[bit >> 3] |= mask;
    delivered++;
    int64_t lat = now - ts;
    if (lat < 0) lat = 0;
    int b = hbucket((uint64_t)lat);
    hist_all[b]++;
    lat_sum += (double)lat;
    if (lat > lat_max) lat_max = lat;
    if (r->reader) {
        delivered_readers++; hist_r[b]++; lat_sum_r += (double)lat;
        if (lat > lat_max_r) lat_max_r = lat;
    } else {
        delivered_members++; hist_m[b]++; lat_sum_m += (double)lat;
        if (lat > lat_max_m) lat_max_m = lat;
    }
    if (!firstrx[msg]) firstrx[msg] = now;
    int64_t lag = now - firstrx[msg];
    int lb = hbucket((uint64_t)lag);
    if (r->reader) {
        hlag_r[lb]++; lag_sum_r += (double)lag;
        if (lag > lag_max_r) lag_max_r = lag;
    } else {
        hlag_m[lb]++; lag_sum_m += (double)lag;
        if (lag > lag_max_m) lag_max_m = lag;
    }
    int32_t *mx = &maxseq[(size_t)s * (size_t)SL + (size_t)r->slot];
    if (q < *mx) reordered++; else *mx = (int32_t)q;
    t_last_deliv = t_progress = now;
    /* acked mode: a message leaves flight on its ack, not on its deliveries */
    if (++rxcount[msg] == (uint16_t)need_rx[s] && !o_acked && sendts[msg] >= 0) { sendts[msg] = -1; ack_ready(s); }
}

/* acked mode: the room seq `rseq` a JSON member saw, for message (s, q): its
 * acks and messages together must run 1 by 1, and every receiver must see a
 * message under the seq its ack gave it */
static void note_seq(struct client *c, int s, long q, long long rseq) {
    if (c->last_seq && rseq != c->last_seq + 1) seq_breaks++;
    if (rseq > c->last_seq) c->last_seq = rseq;
    int32_t *ms = &msgseq[(size_t)s * (size_t)M + (size_t)q];
    if (!*ms) *ms = (int32_t)rseq;
    else if (*ms != rseq) seq_mismatch++;
}

static int parse_num(const char **pp, const char *end, long long *out) {
    const char *p = *pp;
    long long v = 0;
    if (p >= end || *p < '0' || *p > '9') return 0;
    while (p < end && *p >= '0' && *p <= '9') { v = v * 10 + (*p - '0'); p++; if (p - *pp > 19) return 0; }
    *out = v;
    *pp = p;
    return 1;
}

/* "NAME: TEXT" as relayed, in room `room` (-1 default, -2 unknown); rseq:
 * the room's seq of it (JSON mode), or 0 */
static void handle_msg(struct client *r, int room, const char *name, size_t nlen, const char *t, size_t len, long long rseq,
                       int64_t now) {
    while (len && (t[len - 1] == '\r' || t[len - 1] == ' ')) len--;
    if (len < 3 || t[0] != 'b' || t[1] != 'm' || t[2] != ' ') { foreign_lines++; return; }
    const char *p = t + 3, *end = t + len;
    long long s, q, ts;
    if (!parse_num(&p, end, &s) || p >= end || *p++ != ' ' || !parse_num(&p, end, &q) || p >= end ||
        *p++ != ' ' || !parse_num(&p, end, &ts)) { bad_lines++; return; }
    size_t hdr = (size_t)(p - t);
    size_t want = hdr + 2 <= (size_t)o_payload ? (size_t)o_payload : hdr;
    if (len != want) { bad_lines++; return; }
    if (p < end) {
        if (*p++ != ' ') { bad_lines++; return; }
        for (; p < end; p++) if (*p != 'x') { bad_lines++; return; }
    }
    if (s < 0 || s >= S || q < 0 || q >= M || q >= C[s].sent || ts > now || ts < t_prog0) { bad_lines++; return; }
    /* the name the server shows must be the sender's */
    {
        const char *np = name + 1, *ne = name + nlen;
        long long ns;
        if (nlen < 2 || name[0] != 'u' || (np[0] == '0' && nlen > 2) || !parse_num(&np, ne, &ns) || np != ne || ns != s) {
            bad_lines++;
            return;
        }
    }
    if (phase < PH_RUN) { foreign_lines++; return; }
    if (s == r->idx) { self_echo++; return; }
    /* the right room, to a member of it */
    int home = C[s].home;
    if (room != home || (!r->reader && r->home != home)) { misrouted++; return; }
    if (!r->active) { foreign_lines++; return; }
    if (rseq > 0 && rseq < INT32_MAX) note_seq(r, (int)s, (long)q, rseq);
    record(r, (int)s, (long)q, (int64_t)ts, now);
}

/* ----------------------------------------------------------- plain mode */
static void check_entered(struct client *c, int64_t now) {
    if (c->entered || c->answers < c->need || (!o_enter && !o_keep_default && !c->left_default)) return;
    c->entered = 1;
    c->t_entered = now;
    entered_cnt++;
    if (phase == PH_ENTER && now > t_enter_last) t_enter_last = now;
}

static void send_joins(struct client *c) {
    if (o_enter) {
        for (int i = 0; i < o_joins; i++) out_printf(c, "/join #%s%d\n", o_prefix, (c->idx + i) % R);
        joins_sent += (uint64_t)o_joins;
    } else if (c->reader) {
        for (int i = 0; i < R; i++) out_printf(c, "/join #%s%d\n", o_prefix, i);
        joins_sent += (uint64_t)R;
    } else {
        out_printf(c, "/join #%s%d\n", o_prefix, c->home);
        joins_sent++;
    }
    if (!o_enter && !o_keep_default) out_printf(c, "/part %s\n", o_default_room);
    c->joins_sent = 1;
    flush_out(c);
}

static void on_notice(struct client *c, const char *p, size_t len, int64_t now) {
    const char *end = p + len;
    if (len >= 7 && !strncmp(p, "* Last ", 7)) { c->in_history = 1; return; }
    if (len >= 16 && !strncmp(p, "* End of history", 16)) { c->in_history = 0; return; }
    if (len > 10 && !strncmp(p, "* Now in #", 10)) {
        int room = room_after_hash(p + 10, end);
        if (room < 0 || !c->joins_sent) { unexpected_answers++; return; }
        c->cur = room;
        c->answers++;
        joins_answered++;
        if (phase == PH_ENTER) t_progress = now;
        if (o_enter) {
            const char *on = strstr(p, " online");
            if (on) {
                const char *d = on;
                while (d > p && d[-1] >= '0' && d[-1] <= '9') d--;
                int k = d < on ? atoi(d) : 0;
                if (k > room_maxk[room]) room_maxk[room] = k;
            }
        }
        check_entered(c, now);
        return;
    }
    if (len > 12 && !strncmp(p, "* You left #", 12)) {
        if (room_after_hash(p + 12, end) == -1) c->left_default = 1;
        check_entered(c, now);
        return;
    }
    if (len > 19 && !strncmp(p, "* Now talking in #", 18)) {
        int room = room_after_hash(p + 18, end);
        if (room >= 0) c->cur = room;
        return;
    }
    notices++;
}

/* ----------------------------------------------------------- JSON mode */
/* acked mode's members: the server's events are one JSON object a line, with
 * "type" first (as chat writes them); only the few fields we need are read,
 * and our texts and names hold nothing JSON escapes */
static const char *json_strval(const char *line, size_t len, const char *key, size_t *vlen) {
    char pat[32];
    int pl = snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = memmem(line, len, pat, (size_t)pl);
    if (!p) return NULL;
    p += pl;
    const char *e = memchr(p, '"', len - (size_t)(p - line));
    if (!e) return NULL;
    *vlen = (size_t)(e - p);
    return p;
}
static long long json_numval(const char *line, size_t len, const char *key) {
    char pat[32];
    int pl = snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = memmem(line, len, pat, (size_t)pl);
    long long v;
    if (!p) return -1;
    p += pl;
    return parse_num(&p, line + len, &v) ? v : -1;
}
static int starts(const char *line, size_t len, const char *prefix) {
    size_t n = strlen(prefix);
    return len >= n && !memcmp(line, prefix, n);
}

/* {"type":"ack","room":R,"ref":Q,"seq":N}: message Q of this sender is stored */
static void on_ack(struct client *c, const char *line, size_t len, int64_t now) {
    size_t rl = 0, fl = 0;
    const char *rn = json_strval(line, len, "room", &rl), *rf = json_strval(line, len, "ref", &fl), *p = rf;
    long long rseq = json_numval(line, len, "seq"), q = -1;
    if (!c->sender || !rf || !parse_num(&p, rf + fl, &q) || p != rf + fl || q >= c->sent || rseq <= 0 || rseq >= INT32_MAX ||
        !rn || room_index(rn, rl) != c->home) {
        bad_acks++;
        note_error(line);
        return;
    }
    size_t msg = (size_t)c->idx * (size_t)M + (size_t)q;
    uint8_t mask = (uint8_t)(1u << (msg & 7));
    if (ackbits[msg >> 3] & mask) { bad_acks++; note_error("a message acked twice"); return; }
    ackbits[msg >> 3] |= mask;
    acks++;
    t_last_ack = t_progress = now;
    note_seq(c, c->idx, (long)q, rseq);
    if (sendts[msg] < 0) { late_acks++; return; } /* given up on before */
    int64_t lat = now - sendts[msg];
    if (lat < 0) lat = 0;
    hist_ack[hbucket((uint64_t)lat)]++;
    ack_lat_sum += (double)lat;
    if (lat > ack_lat_max) ack_lat_max = lat;
    sendts[msg] = -1;
    ack_ready(c->idx);
}

static void on_json_line(struct client *c, const char *line, size_t len, int64_t now) {
    if (starts(line, len, "{\"type\":\"message\"")) {
        size_t rl = 0, fl = 0, tl = 0;
        const char *rn = json_strval(line, len, "room", &rl), *fr = json_strval(line, len, "from", &fl);
        const char *tx = json_strval(line, len, "text", &tl);
        long long rseq = json_numval(line, len, "seq");
        if (!rn || !fr || !tx || rseq <= 0) { bad_lines++; return; }
        handle_msg(c, room_index(rn, rl), fr, fl, tx, tl, rseq, now);
        return;
    }
    if (starts(line, len, "{\"type\":\"ack\"")) { on_ack(c, line, len, now); return; }
    if (starts(line, len, "{\"type\":\"error\"")) {
        if (!c->registered) c->reg_failed = 1;
        else server_errors++;
        note_error(line);
        return;
    }
    if (starts(line, len, "{\"type\":\"welcome\"")) {
        if (!c->registered) { c->registered = 1; registered_cnt++; c->left_default = 1; }
        return;
    }
    if (starts(line, len, "{\"type\":\"room\"")) {
        size_t rl = 0;
        const char *rn = json_strval(line, len, "room", &rl);
        int room = rn ? room_index(rn, rl) : -2;
        if (room >= 0 && room == c->home && c->registered && !c->entered) {
            c->cur = room;
            c->answers++;
            joins_answered++;
            check_entered(c, now);
        } else if (room != -1) {
            unexpected_answers++;
        }
        return;
    }
    notices++; /* join, leave, members, notice, ... */
}

static void on_line(struct client *c, char *line, size_t len, int64_t now) {
    if (!c->banner) {            /* the one banner line, then our name (or hello) */
        c->banner = 1;
        if (c->json) {
            out_printf(c, "{\"type\":\"hello\",\"name\":\"u%d\",\"rooms\":[\"%s%d\"%s%s%s]}\n", c->idx, o_prefix, c->home,
                       o_keep_default ? ",\"" : "", o_keep_default ? o_default_room : "", o_keep_default ? "\"" : "");
            joins_sent++;
            c->joins_sent = 1;
        } else {
            out_printf(c, "u%d\n", c->idx);
        }
        flush_out(c);
        return;
    }
    if (c->json) { on_json_line(c, line, len, now); return; }
    if (!c->registered) {
        if (!strncmp(line, "! ", 2)) { c->reg_failed = 1; note_error(line); return; }
        if (!strncmp(line, "* Last ", 7)) { c->in_history = 1; return; }
        if (!strncmp(line, "* End of history", 16)) { c->in_history = 0; return; }
        if (c->in_history) return;
        if (!strncmp(line, "* ", 2)) { /* the welcome */
            c->registered = 1;
            registered_cnt++;
            if (!o_enter) send_joins(c); /* enter mode: all at once, later */
            return;
        }
        foreign_lines++;
        return;
    }
    /* "[#room] " names another room than the current one */
    int room = c->cur;
    char *p = line;
    if (len > 3 && p[0] == '[' && p[1] == '#') {
        char *e = memchr(p, ']', len);
        if (e && (size_t)(e - line) + 1 < len && e[1] == ' ') {
            room = room_index(p + 2, (size_t)(e - p - 2));
            p = e + 2;
        }
    }
    size_t plen = len - (size_t)(p - line);
    if (plen >= 2 && p[0] == '*' && p[1] == ' ') {
        if (p == line) on_notice(c, p, plen, now);
        else notices++;
        return;
    }
    if (plen >= 2 && p[0] == '!' && p[1] == ' ') {
        server_errors++;
        if (phase == PH_ENTER) join_errors++;
        note_error(p);
        return;
    }
    if (c->in_history) return; /* replayed on entering: not ours to count */
    char *colon = memmem(p, plen, ": ", 2);
    if (colon) { handle_msg(c, room, p, (size_t)(colon - p), colon + 2, plen - (size_t)(colon + 2 - p), 0, now); return; }
    if (plen) foreign_lines++;
}

static size_t parse_lines(struct client *c, char *b, size_t n, int64_t now) {
    size_t i = 0;
    while (i < n && c->state == CS_OPEN) {
        char *nl = memchr(b + i, '\n', n - i);
        if (!nl) break;
        char *line = b + i;
        size_t len = (size_t)(nl - line);
        if (len && line[len - 1] == '\r') len--;
        line[len] = 0;
        i = (size_t)(nl - b) + 1;
        on_line(c, line, len, now);
    }
    return i;
}

static char *scratch;
static size_t scratch_cap;
static void on_readable(struct client *c) {
    for (int iter = 0; iter < 4 && c->state == CS_OPEN; iter++) {
        size_t off = (size_t)c->clen;
        if (scratch_cap < off + RECV_CHUNK + 1) {
            scratch_cap = off + RECV_CHUNK + 1;
            scratch = xrealloc(scratch, scratch_cap);
        }
        if (off) memcpy(scratch, c->carry, off);
        ssize_t n = recv(c->fd, scratch + off, RECV_CHUNK, 0);
        if (n > 0) {
            if (o_quickack) { int one = 1; setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one); }
            int64_t now = now_ns();
            bytes_in += (uint64_t)n;
            t_last_rx_any = now;
            size_t tot = off + (size_t)n;
            size_t used = parse_lines(c, scratch, tot, now);
            size_t left = tot - used;
            if (left > MAX_CARRY) { bad_lines++; left = 0; }
            if (left > (size_t)c->ccap) { c->ccap = (int)left * 2; c->carry = xrealloc(c->carry, (size_t)c->ccap); }
            if (left) memcpy(c->carry, scratch + used, left);
            c->clen = (int)left;
            if (n < RECV_CHUNK) break;
            continue;
        }
        if (n == 0) { kill_client(c, phase >= PH_RUN ? "server closed connection" : "server closed connection during setup"); return; }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        kill_client(c, strerror(errno));
        return;
    }
}

/* ------------------------------------------------------------- connect */
static void start_connect(struct client *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { c->state = CS_FAILED; conn_failures++; note_error(strerror(errno)); return; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (o_quickack) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    c->fd = fd;
    const struct sockaddr_in *to = &srv[c->idx % o_nports];
    int r = connect(fd, (const struct sockaddr *)to, sizeof *to);
    if (r < 0 && errno != EINPROGRESS) {
        char b[128];
        snprintf(b, sizeof b, "connect: %s", strerror(errno));
        note_error(b);
        close(fd);
        c->fd = -1;
        c->state = CS_FAILED;
        conn_failures++;
        return;
    }
    struct epoll_event ev = {0};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = (uint32_t)c->idx;
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    c->state = CS_CONNECTING;
    if (r == 0) { c->state = CS_OPEN; connected_cnt++; update_events(c); }
}
static void on_connect_event(struct client *c) {
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) {
        char b[128];
        snprintf(b, sizeof b, "connect: %s", strerror(err));
        note_error(b);
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
        c->state = CS_FAILED;
        conn_failures++;
        return;
    }
    c->state = CS_OPEN; /* plain mode: wait for the banner, then send the name */
    connected_cnt++;
    update_events(c);
}

/* ---------------------------------------------------------- join logic */
static int usable(const struct client *c) { return c->state == CS_OPEN && !c->reg_failed; }
/* posting: every open client has all its answers; enter: every open client registered */
static int all_ready(void) {
    for (int i = 0; i < NC; i++) {
        const struct client *c = &C[i];
        if (!usable(c)) continue;
        if (o_enter ? !c->registered : !c->entered) return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- sends */
static void pump(struct client *c, int64_t now) {
    if (!c->sender || c->state != CS_OPEN) return;
    int any = 0;
    while (c->sent < M && c->sent - c->acked < o_window) {
        if (!t_first_send) t_first_send = now;
        sendts[(size_t)c->idx * (size_t)M + (size_t)c->sent] = now;
        append_msg(c, c->sent, now);
        any = 1;
    }
    if (any) flush_out(c);
}
/* a message that has not reached everybody after --give-up seconds stops
 * holding a window slot (it still counts as lost unless it arrives later) */
static void giveup_scan(int64_t now) {
    int64_t lim = (int64_t)(o_giveup * 1e9);
    for (int s = 0; s < S; s++) {
        struct client *c = &C[s];
        if (!c->sender) continue;
        int64_t *ts = &sendts[(size_t)s * (size_t)M];
        while (c->oldest < c->sent) {
            if (ts[c->oldest] < 0) { c->oldest++; continue; }
            if (now - ts[c->oldest] < lim) break;
            ts[c->oldest] = -1;
            gave_up++;
            c->oldest++;
            ack_ready(s);
        }
    }
}
static void start_run(int64_t now) {
    A = 0;
    memset(room_active, 0, sizeof *room_active * (size_t)R);
    active_readers = 0;
    for (int i = 0; i < NC; i++) {
        struct client *c = &C[i];
        if (c->state == CS_OPEN && c->reg_failed) reg_failures++;
        if (!usable(c) || !c->registered) { if (usable(c)) reg_failures++; continue; }
        if (!c->entered) { join_incomplete++; continue; }
        c->active = 1;
        if (c->reader) active_readers++;
        else { room_active[c->home]++; c->sender = 1; A++; }
    }
    expect_run = 0;
    for (int s = 0; s < S; s++) {
        need_rx[s] = room_active[C[s].home] - 1 + active_readers;
        if (C[s].sender) expect_run += (uint64_t)M * (uint64_t)need_rx[s];
    }
    phase = PH_RUN;
    t_run0 = t_progress = now;
    if (A == 0) { note_error("no member entered its room; nothing to measure"); phase = PH_DONE; }
    else for (int s = 0; s < S; s++) pump(&C[s], now);
}
static void start_enter(int64_t now) {
    phase = PH_ENTER;
    t_enter0 = t_progress = now;
    for (int i = 0; i < NC; i++) {
        struct client *c = &C[i];
        if (c->state == CS_OPEN && c->reg_failed) reg_failures++;
        if (!usable(c) || !c->registered) { if (usable(c)) reg_failures++; continue; }
        c->active = 1;
        A++;
    }
    /* all the /join lines at once: one write per client, in one pass */
    for (int i = 0; i < NC; i++) if (C[i].active) send_joins(&C[i]);
}

/* ---------------------------------------------------------------- usage */
static void usage(int rc) {
    fprintf(rc ? stderr : stdout,
        "roomload %s -- chat rooms load generator (plain mode, loopback only)\n"
        "usage: roomload --port P [options]\n"
        "  --host H              server address, must be 127.x.x.x (default 127.0.0.1)\n"
        "  --port P              server port (required, or --ports)\n"
        "  --ports P1,P2,...     the ports of a cluster's nodes: client k connects to P(k mod n)\n"
        "  --rooms R             rooms (default 1)\n"
        "  --members K           posting members per room (default clients / rooms)\n"
        "  --clients N           posting: R x K members (give one of --members, --clients);\n"
        "                        enter mode: clients (default 1000)\n"
        "  --reader-in-all-rooms one extra member in every room that only reads\n"
        "  --readers X           X such readers (default 0)\n"
        "  --messages M          messages per posting member (default 100)\n"
        "  --window W            messages per member in flight (default 8)\n"
        "  --payload B           message text size in bytes (default 40, max %d)\n"
        "  --keep-default        members stay in the default room (default: /part it after joining)\n"
        "  --default-room NAME   the server's default room (default lobby)\n"
        "  --room-prefix STR     room names are STR0, STR1, ... (default r)\n"
        "  --acked               posting members speak JSON mode; a message leaves flight on its ack\n"
        "                        (stored), so acked_per_s and ack_latency_ms are the figures\n"
        "  --no-ids              acked mode: says carry no message id\n"
        "  --enter-only          connect and register all, then each client sends --joins-per-client\n"
        "                        /join lines at once (client k: rooms (k+i) mod R); no messages\n"
        "  --joins-per-client J  enter mode: rooms per client (default 10, <= rooms)\n"
        "  --connect-rate C      connections per second; 0 = all at once (default 0)\n"
        "  --connect-timeout S   give up on pending connects after S (default 20)\n"
        "  --join-timeout S      max wait for registration and rooms entered (default 30)\n"
        "  --quiet S             silence required before the run starts (default 0.25, max wait 3 s)\n"
        "  --stall S             end the run when nothing arrived for S seconds (default 5)\n"
        "  --give-up S           free the window slot of a message not delivered to everybody\n"
        "                        after S seconds (default 3; it may still arrive)\n"
        "  --timeout S           hard stop for the whole process (default 60)\n"
        "  --server-pid PID      sample the server's CPU and RSS from /proc\n"
        "  --server-pids A,B,... the same, summed over several processes (a cluster's nodes)\n"
        "  --redis-pid PID       sample Redis's CPU and RSS apart (redis_cpu_s, ...)\n"
        "  --label L             free text copied into the JSON\n"
        "  --no-quickack         leave delayed ACKs on (default: TCP_QUICKACK after every recv)\n"
        "  -v, --verbose         progress on stderr\n",
        RL_VERSION, MAX_PAYLOAD);
    exit(rc);
}

static void json_str(const char *k, const char *v) {
    printf("\"%s\":\"", k);
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if ((unsigned char)*p < 32) printf("\\u%04x", *p);
        else putchar(*p);
    }
    printf("\",");
}
static void json_lat(const char *k, const uint64_t *h, int64_t mx, double sum, uint64_t n) {
    printf("\"%s\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f,\"mean\":%.3f},", k,
           hpercentile(h, 50) / 1e6, hpercentile(h, 90) / 1e6, hpercentile(h, 99) / 1e6, hpercentile(h, 99.9) / 1e6,
           (double)mx / 1e6, n ? sum / (double)n / 1e6 : 0);
}

int main(int argc, char **argv) {
    static struct option lo[] = {
        {"host", 1, 0, 'H'}, {"port", 1, 0, 'p'}, {"clients", 1, 0, 'n'}, {"rooms", 1, 0, 'R'},
        {"members", 1, 0, 'K'}, {"messages", 1, 0, 'm'}, {"window", 1, 0, 'w'}, {"timeout", 1, 0, 't'},
        {"payload", 1, 0, 'b'}, {"connect-rate", 1, 0, 'c'}, {"connect-timeout", 1, 0, 1},
        {"join-timeout", 1, 0, 2}, {"stall", 1, 0, 3}, {"quiet", 1, 0, 4}, {"server-pid", 1, 0, 5},
        {"label", 1, 0, 7}, {"verbose", 0, 0, 'v'}, {"help", 0, 0, 8}, {"no-quickack", 0, 0, 9},
        {"give-up", 1, 0, 11}, {"reader-in-all-rooms", 0, 0, 12}, {"readers", 1, 0, 13},
        {"enter-only", 0, 0, 14}, {"joins-per-client", 1, 0, 15}, {"keep-default", 0, 0, 16},
        {"default-room", 1, 0, 17}, {"room-prefix", 1, 0, 18}, {"ports", 1, 0, 19}, {"server-pids", 1, 0, 20},
        {"redis-pid", 1, 0, 21}, {"acked", 0, 0, 22}, {"no-ids", 0, 0, 23}, {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "H:p:n:R:K:m:w:t:b:c:v", lo, NULL)) != -1) {
        switch (opt) {
        case 'H': o_host = optarg; break;
        case 'p': o_ports[0] = atoi(optarg); o_nports = 1; break;
        case 'n': o_clients = atoi(optarg); break;
        case 'R': o_rooms = atoi(optarg); break;
        case 'K': o_members = atoi(optarg); break;
        case 'm': o_messages = atol(optarg); break;
        case 'w': o_window = atoi(optarg); break;
        case 't': o_timeout = atof(optarg); break;
        case 'b': o_payload = atoi(optarg); break;
        case 'c': o_connect_rate = atof(optarg); break;
        case 1: o_connect_timeout = atof(optarg); break;
        case 2: o_join_timeout = atof(optarg); break;
        case 3: o_stall = atof(optarg); break;
        case 4: o_quiet = atof(optarg); break;
        case 5: o_pids[0] = atoi(optarg); o_npids = 1; break;
        case 7: o_label = optarg; break;
        case 'v': o_verbose = 1; break;
        case 8: usage(0); break;
        case 9: o_quickack = 0; break;
        case 11: o_giveup = atof(optarg); break;
        case 12: if (o_readers < 1) o_readers = 1; break;
        case 13: o_readers = atoi(optarg); break;
        case 14: o_enter = 1; break;
        case 15: o_joins = atoi(optarg); break;
        case 16: o_keep_default = 1; break;
        case 17: o_default_room = optarg; break;
        case 18: o_prefix = optarg; break;
        case 19: if ((o_nports = parse_list(optarg, o_ports, 1, 65535)) < 1) usage(1); break;
        case 20: if ((o_npids = parse_list(optarg, o_pids, 1, 1 << 30)) < 1) usage(1); break;
        case 21: o_redis_pid = atoi(optarg); break;
        case 22: o_acked = 1; break;
        case 23: o_ids = 0; break;
        default: usage(1);
        }
    }
    if (o_nports < 1 || o_ports[0] <= 0 || o_ports[0] > 65535 || o_rooms < 1 || o_rooms > MAX_ROOMS || o_messages < 1 || o_window < 1 ||
        o_payload < 1 || o_payload > MAX_PAYLOAD || o_timeout <= 0 || o_readers < 0 || !o_prefix[0])
        usage(1);
    R = o_rooms;
    if (o_enter) {
        NC = o_clients > 0 ? o_clients : 1000;
        if (o_joins < 1 || o_joins > R) { fprintf(stderr, "roomload: --joins-per-client must be 1..rooms\n"); return 1; }
        S = 0; P = 0; X = 0; M = 1; SL = 1;
    } else {
        if (o_members > 0) P = o_members;
        else if (o_clients > 0 && o_clients % R == 0) P = o_clients / R;
        else { fprintf(stderr, "roomload: give --members, or --clients divisible by --rooms\n"); return 1; }
        if (o_members > 0 && o_clients > 0 && o_clients != R * P) { fprintf(stderr, "roomload: --clients must be rooms x members\n"); return 1; }
        if (P < 1 || (P < 2 && o_readers < 1 && !o_acked)) {
            fprintf(stderr, "roomload: a room needs 2 members, or 1 and a reader (or --acked)\n");
            return 1;
        }
        X = o_readers;
        S = R * P;
        NC = S + X;
        SL = P + X;
        M = o_messages;
        if (SL > 65535) { fprintf(stderr, "roomload: too many receivers per message\n"); return 1; }
    }
    if (NC > 60000) { fprintf(stderr, "roomload: at most 60000 clients\n"); return 1; }
    if (!strcmp(o_host, "localhost")) o_host = "127.0.0.1";
    memset(srv, 0, sizeof srv);
    for (int i = 0; i < o_nports; i++) {
        srv[i].sin_family = AF_INET;
        srv[i].sin_port = htons((uint16_t)o_ports[i]);
        if (inet_pton(AF_INET, o_host, &srv[i].sin_addr) != 1 || (ntohl(srv[i].sin_addr.s_addr) >> 24) != 127) {
            fprintf(stderr, "roomload: --host must be a loopback IPv4 address (127.x.x.x)\n");
            return 1;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)NC + 16)
        fprintf(stderr, "roomload: warning: RLIMIT_NOFILE %lu < clients+16\n", (unsigned long)rl.rlim_cur);

    uint64_t msgs = (uint64_t)(S ? S : 1) * (uint64_t)M;
    uint64_t bits = msgs * (uint64_t)SL;
    if (bits / 8 > (1ULL << 31) || msgs * 22 > (1ULL << 31)) { fprintf(stderr, "roomload: senders*messages*receivers too large for the duplicate bitmap\n"); return 1; }
    C = calloc((size_t)NC, sizeof *C);
    dupbits = calloc((size_t)(bits / 8 + 1), 1);
    rxcount = calloc((size_t)msgs, sizeof *rxcount);
    sendts = calloc((size_t)msgs, sizeof *sendts);
    firstrx = calloc((size_t)msgs, sizeof *firstrx);
    maxseq = malloc((size_t)(S ? S : 1) * (size_t)SL * sizeof *maxseq);
    need_rx = calloc((size_t)(S ? S : 1), sizeof *need_rx);
    room_active = calloc((size_t)R, sizeof *room_active);
    room_maxk = calloc((size_t)R, sizeof *room_maxk);
    room_joiners = calloc((size_t)R, sizeof *room_joiners);
    readyq = calloc((size_t)NC, sizeof *readyq);
    msgseq = calloc((size_t)msgs, sizeof *msgseq);
    ackbits = calloc((size_t)(msgs / 8 + 1), 1);
    if (!msgseq || !ackbits || !C || !dupbits || !rxcount || !sendts || !firstrx || !maxseq || !need_rx || !room_active || !room_maxk || !room_joiners || !readyq) {
        fprintf(stderr, "roomload: out of memory\n");
        return 2;
    }
    memset(maxseq, 0xff, (size_t)(S ? S : 1) * (size_t)SL * sizeof *maxseq);
    for (int i = 0; i < NC; i++) {
        struct client *c = &C[i];
        c->idx = i; c->fd = -1; c->cur = -1;
        if (o_enter) { c->home = -1; c->need = o_joins; for (int j = 0; j < o_joins; j++) room_joiners[(i + j) % R]++; }
        else if (i < S) { c->home = i / P; c->slot = i % P; c->need = 1; c->json = (unsigned char)o_acked; }
        else { c->reader = 1; c->home = -1; c->slot = P + (i - S); c->need = R; }
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);

    t_prog0 = now_ns();
    int64_t hard_stop = t_prog0 + (int64_t)(o_timeout * 1e9);
    long rss_before = status_kb_servers("VmRSS"), rss_joined = -1;
    double srv_cpu0 = -1, self_cpu0 = 0, self_cpu_setup = cpu_self(), redis_cpu0 = -1;
    double srv_each0[MAX_NODES], srv_each1[MAX_NODES];
    unsigned long long box_b0 = 0, box_t0 = 0;
    int next_conn = 0;
    int64_t last_report = t_prog0, last_scan = t_prog0;
    struct epoll_event evs[1024];

    while (phase != PH_DONE) {
        int64_t now = now_ns();
        if (now >= hard_stop) { timed_out = 1; break; }

        /* ----- phase transitions */
        if (phase == PH_CONNECT) {
            while (next_conn < NC) {
                if (o_connect_rate > 0 && now < t_prog0 + (int64_t)((double)next_conn * 1e9 / o_connect_rate)) break;
                start_connect(&C[next_conn++]);
            }
            int pending = 0;
            for (int i = 0; i < next_conn; i++) pending += C[i].state == CS_CONNECTING;
            int64_t conn_deadline = t_prog0 + (int64_t)(o_connect_timeout * 1e9) +
                                    (o_connect_rate > 0 ? (int64_t)((double)NC * 1e9 / o_connect_rate) : 0);
            if (next_conn == NC && (!pending || now > conn_deadline)) {
                for (int i = 0; i < NC; i++)
                    if (C[i].state == CS_CONNECTING) {
                        epoll_ctl(epfd, EPOLL_CTL_DEL, C[i].fd, NULL);
                        close(C[i].fd);
                        C[i].fd = -1;
                        C[i].state = CS_FAILED;
                        conn_failures++;
                        note_error("connect timed out");
                    }
                t_connect_done = now;
                phase = PH_JOIN;
            }
        }
        if (phase == PH_JOIN) {
            int ready = all_ready();
            if (ready || now > t_connect_done + (int64_t)(o_join_timeout * 1e9)) {
                if (!ready) {
                    join_timed_out = 1;
                    if (o_verbose)
                        for (int i = 0; i < NC && i < 200; i++)
                            if (usable(&C[i]) && !(o_enter ? C[i].registered : C[i].entered))
                                fprintf(stderr, "  client %d registered=%d answers=%d/%d left_default=%d\n", i,
                                        C[i].registered, C[i].answers, C[i].need, C[i].left_default);
                }
                t_join_done = now;
                phase = PH_QUIET;
            }
        }
        if (phase == PH_QUIET) {
            int64_t last = t_last_rx_any > t_join_done ? t_last_rx_any : t_join_done;
            int quiet_ok = now - last >= (int64_t)(o_quiet * 1e9);
            if (!quiet_ok && now - t_join_done > (int64_t)3e9) { quiet_ok = 1; quiet_timed_out = 1; }
            if (quiet_ok) {
                rss_joined = status_kb_servers("VmRSS");
                self_cpu0 = cpu_self();
                srv_cpu0 = cpu_servers(NULL, srv_each0);
                redis_cpu0 = cpu_pid(o_redis_pid, NULL);
                box_cpu(&box_b0, &box_t0);
                measuring = 1;
                if (o_enter) start_enter(now); else start_run(now);
            }
        }
        if (phase == PH_RUN) {
            if (delivered >= expect_run && (!o_acked || acks >= (uint64_t)A * (uint64_t)M)) { t_end = now; phase = PH_DONE; break; }
            if (now - t_progress > (int64_t)(o_stall * 1e9)) { stalled = 1; t_end = now; phase = PH_DONE; break; }
        }
        if (phase == PH_ENTER) {
            int left = 0;
            for (int i = 0; i < NC; i++) left += C[i].active && C[i].state == CS_OPEN && !C[i].entered;
            if (!left) { t_end = now; phase = PH_DONE; break; }
            if (now - t_progress > (int64_t)(o_stall * 1e9) || now - t_enter0 > (int64_t)(o_join_timeout * 1e9)) {
                stalled = 1; t_end = now; phase = PH_DONE; break;
            }
        }
        if (o_verbose && now - last_report > 1000000000LL) {
            last_report = now;
            fprintf(stderr, "[%.1fs] phase=%d connected=%ld registered=%ld entered=%ld sent=%ld delivered=%llu\n",
                    secs(now - t_prog0), phase, connected_cnt, registered_cnt, entered_cnt, total_sent,
                    (unsigned long long)delivered);
        }

        /* ----- wait for events */
        int64_t wake = now + 50000000LL;
        if (phase == PH_CONNECT && o_connect_rate > 0 && next_conn < NC) {
            int64_t d = t_prog0 + (int64_t)((double)next_conn * 1e9 / o_connect_rate);
            if (d < wake) wake = d;
        }
        if (phase == PH_QUIET) wake = now + 10000000LL;
        int tmo = (int)((wake - now + 999999) / 1000000);
        if (tmo < 0) tmo = 0;
        int ne = epoll_wait(epfd, evs, 1024, tmo);
        for (int k = 0; k < ne; k++) {
            struct client *c = &C[evs[k].data.u32];
            if (c->state == CS_CONNECTING) {
                if (evs[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connect_event(c);
                if (c->state != CS_OPEN) continue;
            }
            if (c->state != CS_OPEN) continue;
            if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
            if (c->state == CS_OPEN && (evs[k].events & EPOLLOUT)) flush_out(c);
        }
        /* senders that got credit back */
        if (phase == PH_RUN) {
            int64_t t = now_ns();
            if (t - last_scan > 50000000LL) { last_scan = t; giveup_scan(t); }
            while (rq_head != rq_tail) {
                struct client *c = &C[readyq[rq_head++ % (unsigned)NC]];
                c->inq = 0;
                pump(c, t);
            }
        }
    }
    if (!t_end) t_end = now_ns();

    /* ------------------------------------------------------------ report */
    double self_cpu_run = measuring ? cpu_self() - self_cpu0 : 0;
    double srv_cpu_run = -1;
    int srv_threads = 0;
    if (srv_cpu0 >= 0) { double x = cpu_servers(&srv_threads, srv_each1); if (x >= 0) srv_cpu_run = x - srv_cpu0; }
    double redis_cpu_run = -1;
    if (redis_cpu0 >= 0) { double x = cpu_pid(o_redis_pid, NULL); if (x >= 0) redis_cpu_run = x - redis_cpu0; }
    unsigned long long box_b1 = 0, box_t1 = 0;
    box_cpu(&box_b1, &box_t1);
    long rss_end = status_kb_servers("VmRSS"), hwm_end = status_kb_servers("VmHWM");
    int64_t t_start = o_enter ? t_enter0 : t_run0;
    double run_wall = t_start ? secs(t_end - t_start) : 0;
    int64_t t_conn = t_connect_done ? t_connect_done - t_prog0 : 0;
    int64_t t_join = t_join_done && t_connect_done ? t_join_done - t_connect_done : 0;
    int open_end = 0;
    for (int i = 0; i < NC; i++) open_end += C[i].state == CS_OPEN;

    printf("{");
    if (o_label) json_str("label", o_label);
    printf("\"roomload\":\"%s\",\"proto\":\"%s\",\"mode\":\"%s\",", RL_VERSION, o_acked ? "chat-json" : "chat-plain",
           o_enter ? "enter" : o_acked ? "acked" : "rooms");
    printf("\"quickack\":%s,\"connect_rate\":%g,", o_quickack ? "true" : "false", o_connect_rate);
    printf("\"clients\":%d,\"clients_active\":%d,\"connect_failures\":%ld,\"registration_failures\":%ld,", NC,
           o_enter ? A : A + active_readers, conn_failures, reg_failures);
    printf("\"connect_s\":%.3f,\"join_s\":%.3f,\"join_wait_timed_out\":%s,\"join_incomplete\":%ld,", secs(t_conn), secs(t_join),
           join_timed_out ? "true" : "false", join_incomplete);
    printf("\"rooms\":%d,\"ports\":%d,", R, o_nports);
    printf("\"joins_sent\":%llu,\"joins_answered\":%llu,\"unexpected_answers\":%llu,", (unsigned long long)joins_sent,
           (unsigned long long)joins_answered, (unsigned long long)unexpected_answers);
    uint64_t expected = 0, expected_active = 0;
    if (o_enter) {
        int incomplete = 0, short_rooms = 0;
        for (int i = 0; i < NC; i++) incomplete += !C[i].entered;
        for (int r = 0; r < R; r++) short_rooms += room_maxk[r] != room_joiners[r];
        int mn = NC, mx = 0;
        for (int r = 0; r < R; r++) { if (room_joiners[r] < mn) mn = room_joiners[r]; if (room_joiners[r] > mx) mx = room_joiners[r]; }
        /* per-client time from the burst to its last answer */
        for (int i = 0; i < NC; i++)
            if (C[i].entered && C[i].t_entered >= t_enter0) hist_all[hbucket((uint64_t)(C[i].t_entered - t_enter0))]++;
        int64_t last = t_enter_last > t_enter0 ? t_enter_last : t_end;
        printf("\"joins_per_client\":%d,\"members_per_room\":%d,\"members_per_room_max\":%d,", o_joins, mn, mx);
        printf("\"entered\":%ld,\"enter_incomplete\":%d,\"join_errors\":%llu,\"rooms_short\":%d,", entered_cnt, incomplete,
               (unsigned long long)join_errors, short_rooms);
        printf("\"enter_s\":%.3f,\"total_s\":%.3f,", incomplete ? secs(t_end - t_enter0) : secs(last - t_enter0),
               secs((incomplete ? t_end : last) - t_prog0));
        printf("\"enter_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},", hpercentile(hist_all, 50) / 1e6,
               hpercentile(hist_all, 90) / 1e6, hpercentile(hist_all, 99) / 1e6, hpercentile(hist_all, 100) / 1e6);
        printf("\"server_errors\":%llu,\"disconnects\":%llu,\"foreign_lines\":%llu,", (unsigned long long)server_errors,
               (unsigned long long)(disconnects_pre + disconnects_run), (unsigned long long)foreign_lines);
        printf("\"server_rss_kb_before\":%ld,\"server_rss_kb_registered\":%ld,", rss_before, rss_joined);
        printf("\"open_at_end\":%d,", open_end);
    } else {
        for (int s = 0; s < S; s++) {
            expected += (uint64_t)M * (uint64_t)(P - 1 + X);
            if (C[s].sender) expected_active += (uint64_t)M * (uint64_t)need_rx[s];
        }
        double elapsed = t_first_send && t_last_deliv > t_first_send ? secs(t_last_deliv - t_first_send) : 0;
        printf("\"members_per_room\":%d,\"extra_readers\":%d,\"senders\":%d,", P, X, S);
        printf("\"messages_per_client\":%ld,\"payload_bytes\":%d,\"window\":%d,\"rate_per_client\":0,", M, o_payload, o_window);
        printf("\"expected_deliveries\":%llu,\"expected_active\":%llu,\"sent\":%ld,\"delivered\":%llu,\"lost\":%llu,\"lost_active\":%llu,",
               (unsigned long long)expected, (unsigned long long)expected_active, total_sent, (unsigned long long)delivered,
               (unsigned long long)(expected > delivered ? expected - delivered : 0),
               (unsigned long long)(expected_active > delivered ? expected_active - delivered : 0));
        uint64_t sent_exp = 0;
        for (int s = 0; s < S; s++) if (C[s].sender) sent_exp += (uint64_t)C[s].sent * (uint64_t)need_rx[s];
        uint64_t exp_readers = (uint64_t)total_sent * (uint64_t)active_readers;
        printf("\"not_sent\":%llu,\"lost_of_sent\":%llu,\"gave_up\":%llu,",
               (unsigned long long)((uint64_t)A * (uint64_t)M > (uint64_t)total_sent ? (uint64_t)A * (uint64_t)M - (uint64_t)total_sent : 0),
               (unsigned long long)(sent_exp > delivered ? sent_exp - delivered : 0), (unsigned long long)gave_up);
        printf("\"delivered_members\":%llu,\"delivered_readers\":%llu,\"lost_readers\":%llu,", (unsigned long long)delivered_members,
               (unsigned long long)delivered_readers, (unsigned long long)(exp_readers > delivered_readers ? exp_readers - delivered_readers : 0));
        printf("\"duplicated\":%llu,\"reordered\":%llu,\"corrupt_lines\":%llu,\"misrouted\":%llu,\"foreign_lines\":%llu,\"self_echo\":%llu,\"server_errors\":%llu,",
               (unsigned long long)duplicated, (unsigned long long)reordered, (unsigned long long)bad_lines, (unsigned long long)misrouted,
               (unsigned long long)foreign_lines, (unsigned long long)self_echo, (unsigned long long)server_errors);
        printf("\"disconnects\":%llu,\"elapsed_s\":%.3f,\"deliveries_per_s\":%.0f,\"messages_per_s\":%.0f,", (unsigned long long)disconnects_run,
               elapsed, elapsed > 0 ? (double)delivered / elapsed : 0, elapsed > 0 ? (double)total_sent / elapsed : 0);
        json_lat("latency_ms", hist_all, lat_max, lat_sum, delivered);
        json_lat("member_latency_ms", hist_m, lat_max_m, lat_sum_m, delivered_members);
        if (X) json_lat("reader_latency_ms", hist_r, lat_max_r, lat_sum_r, delivered_readers);
        json_lat("member_lag_ms", hlag_m, lag_max_m, lag_sum_m, delivered_members);
        if (X) json_lat("reader_lag_ms", hlag_r, lag_max_r, lag_sum_r, delivered_readers);
        if (o_acked) {
            uint64_t want = (uint64_t)A * (uint64_t)M;
            double ael = t_first_send && t_last_ack > t_first_send ? secs(t_last_ack - t_first_send) : 0;
            printf("\"ids\":%s,\"acks\":%llu,\"acks_expected\":%llu,\"acks_lost\":%llu,\"late_acks\":%llu,\"bad_acks\":%llu,",
                   o_ids ? "true" : "false", (unsigned long long)acks, (unsigned long long)want,
                   (unsigned long long)(want > acks ? want - acks : 0), (unsigned long long)late_acks, (unsigned long long)bad_acks);
            printf("\"seq_breaks\":%llu,\"seq_mismatch\":%llu,\"ack_elapsed_s\":%.3f,\"acked_per_s\":%.0f,",
                   (unsigned long long)seq_breaks, (unsigned long long)seq_mismatch, ael, ael > 0 ? (double)acks / ael : 0);
            json_lat("ack_latency_ms", hist_ack, ack_lat_max, ack_lat_sum, acks - late_acks);
        }
        printf("\"stalled\":%s,\"timed_out\":%s,", stalled ? "true" : "false", timed_out ? "true" : "false");
    }
    printf("\"run_wall_s\":%.3f,", run_wall);
    printf("\"bytes_out\":%llu,\"bytes_in\":%llu,", (unsigned long long)bytes_out, (unsigned long long)bytes_in);
    printf("\"loadgen_cpu_s\":%.3f,\"loadgen_cpu_pct\":%.1f,\"loadgen_setup_cpu_s\":%.3f,", self_cpu_run,
           run_wall > 0 ? 100.0 * self_cpu_run / run_wall : 0, measuring ? self_cpu0 - self_cpu_setup : cpu_self() - self_cpu_setup);
    if (srv_cpu_run >= 0)
        printf("\"server_cpu_s\":%.3f,\"server_cpu_pct\":%.1f,\"server_threads\":%d,", srv_cpu_run,
               run_wall > 0 ? 100.0 * srv_cpu_run / run_wall : 0, srv_threads);
    if (box_t1 > box_t0 && box_t0)
        printf("\"box_busy_pct\":%.1f,", 100.0 * (double)(box_b1 - box_b0) / (double)(box_t1 - box_t0) * (double)sysconf(_SC_NPROCESSORS_ONLN));
    if (o_npids) printf("\"server_rss_kb_end\":%ld,\"server_hwm_kb\":%ld,", rss_end, hwm_end);
    if (o_npids > 1) { /* a cluster: the sums above, and each node's share */
        printf("\"server_pids\":%d,\"server_cpu_s_each\":[", o_npids);
        for (int i = 0; i < o_npids; i++)
            printf("%s%.3f", i ? "," : "", srv_cpu_run >= 0 ? srv_each1[i] - srv_each0[i] : -1.0);
        printf("],\"server_hwm_kb_each\":[");
        for (int i = 0; i < o_npids; i++) printf("%s%ld", i ? "," : "", status_kb(o_pids[i], "VmHWM"));
        printf("],");
    }
    if (redis_cpu_run >= 0)
        printf("\"redis_cpu_s\":%.3f,\"redis_cpu_pct\":%.1f,\"redis_rss_kb_end\":%ld,\"redis_hwm_kb\":%ld,", redis_cpu_run,
               run_wall > 0 ? 100.0 * redis_cpu_run / run_wall : 0, status_kb(o_redis_pid, "VmRSS"), status_kb(o_redis_pid, "VmHWM"));
    if (first_error[0]) json_str("first_error", first_error);
    printf("\"notes\":[");
    printf("\"roomload: 1 thread, epoll, loopback, plain mode; shares the box's %ld cores with the server\"", sysconf(_SC_NPROCESSORS_ONLN));
    if (o_enter) {
        printf(",\"enter: all clients registered first, then every client's /join lines written in one pass; enter_s = that pass to the last '* Now in' answer\"");
    } else {
        if (o_acked)
            printf(",\"acked: members in JSON mode; a message stays in flight until its sender has the ack (stored)\"");
        else
            printf(",\"closed loop: a message stays in flight until every other member of its room and every reader got it\"");
        if (o_nports > 1) printf(",\"client k connects to port k mod %d of the list\"", o_nports);
        printf(",\"latency = receive time (per recv batch) - send time, CLOCK_MONOTONIC, histogram resolution ~0.8%%\"");
        printf(",\"elapsed_s runs from first send to last delivery\"");
        if (!o_keep_default) printf(",\"members left the default room before the run\"");
    }
    if (join_timed_out) printf(",\"join wait timed out: started without every client in\"");
    if (quiet_timed_out) printf(",\"pre-run quiet period not reached within 3 s\"");
    if (stalled) printf(",\"run ended by --stall (or, entering, --join-timeout): nothing arrived for %.1f s\"", o_stall);
    if (timed_out) printf(",\"run ended by --timeout\"");
    printf("]}\n");
    fflush(stdout);

    fprintf(stderr, "roomload %s%s%s clients=%d rooms=%d connect_failures=%ld connect=%.2fs join=%.2fs\n",
            o_label ? "[" : "", o_label ? o_label : "", o_label ? "] " : "", NC, R, conn_failures, secs(t_conn), secs(t_join));
    if (o_enter) {
        fprintf(stderr, "  entered %ld/%d (%d joins each): %.3fs after the burst; server RSS peak %ld kB\n", entered_cnt, NC, o_joins,
                secs((t_enter_last > t_enter0 ? t_enter_last : t_end) - t_enter0), hwm_end);
    } else {
        fprintf(stderr, "  delivered %llu/%llu (lost %llu dup %llu reord %llu corrupt %llu misrouted %llu) = %.0f deliveries/s\n",
                (unsigned long long)delivered, (unsigned long long)expected,
                (unsigned long long)(expected > delivered ? expected - delivered : 0), (unsigned long long)duplicated,
                (unsigned long long)reordered, (unsigned long long)bad_lines, (unsigned long long)misrouted,
                t_last_deliv > t_first_send ? (double)delivered / secs(t_last_deliv - t_first_send) : 0);
        fprintf(stderr, "  latency ms p50 %.3f p99 %.3f max %.3f (readers p50 %.3f p99 %.3f) | roomload cpu %.2fs (%.0f%%)%s%s\n",
                hpercentile(hist_all, 50) / 1e6, hpercentile(hist_all, 99) / 1e6, (double)lat_max / 1e6,
                hpercentile(hist_r, 50) / 1e6, hpercentile(hist_r, 99) / 1e6, self_cpu_run,
                run_wall > 0 ? 100.0 * self_cpu_run / run_wall : 0, stalled ? " STALLED" : "", timed_out ? " TIMED-OUT" : "");
        if (o_acked)
            fprintf(stderr, "  acks %llu/%llu (bad %llu, seq breaks %llu, seq mismatch %llu) = %.0f acked/s, ack ms p50 %.3f p99 %.3f\n",
                    (unsigned long long)acks, (unsigned long long)A * (unsigned long long)M, (unsigned long long)bad_acks,
                    (unsigned long long)seq_breaks, (unsigned long long)seq_mismatch,
                    t_last_ack > t_first_send ? (double)acks / secs(t_last_ack - t_first_send) : 0,
                    hpercentile(hist_ack, 50) / 1e6, hpercentile(hist_ack, 99) / 1e6);
    }
    if (srv_cpu_run >= 0) fprintf(stderr, "  server cpu %.2fs (%.0f%%), RSS %ld kB, peak %ld kB%s\n", srv_cpu_run,
                                  run_wall > 0 ? 100.0 * srv_cpu_run / run_wall : 0, rss_end, hwm_end,
                                  o_npids > 1 ? " (summed over the nodes)" : "");
    if (redis_cpu_run >= 0) fprintf(stderr, "  redis cpu %.2fs (%.0f%%)\n", redis_cpu_run, run_wall > 0 ? 100.0 * redis_cpu_run / run_wall : 0);
    if (first_error[0]) fprintf(stderr, "  first error: %s\n", first_error);
    for (int i = 0; i < NC; i++) if (C[i].fd >= 0) close(C[i].fd);
    return 0;
}
