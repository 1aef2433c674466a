/*
 * crowd.h -- what the files of crowd (bench/scale/) share: options, clients,
 * counters.  crowd.c runs the phases and writes the JSON; crowd_net.c holds
 * the sockets, clocks and histograms; crowd_lines.c reads each protocol's
 * lines (presence, deliveries).  One process, one thread: plain globals.
 */
#ifndef CROWD_H
#define CROWD_H
#include <stddef.h>
#include <stdint.h>

#define CROWD_VERSION "1.0"
#define RECV_CHUNK (64 * 1024)
#define MAX_CARRY (1024 * 1024) /* a /who answer for 15 000 names is ~120 kB */
#define MAX_PAYLOAD 4000
#define MAX_CLIENTS 60000       /* local ports on one address */
#define MAX_POSTERS 10000

enum { P_CHAT, P_IRC, P_RAW };
enum { CS_NEW = 0, CS_CONNECTING, CS_OPEN, CS_DEAD, CS_FAILED };
enum { PH_CONNECT, PH_SETTLE, PH_QUIET, PH_WHO, PH_HOLD, PH_RUN, PH_DONE };
enum { WHO_NONE, WHO_ASKED, WHO_OK, WHO_BAD };

struct client {
    int fd, idx, state, slot;   /* slot: its poster number, -1 for a reader */
    unsigned char banner, welcomed, reg_failed, in_history, want_out, synced, who;
    int view;                   /* members this client knows to be in the room */
    int who_count, who_names;   /* /who answer: the count it says, the names it listed */
    int64_t t_conn;             /* connect() called */
    long sent;                  /* posters: messages written */
    char *carry; int clen, ccap;
    char *obuf; size_t ooff, olen, ocap;
};

/* options (crowd.c parses them) */
extern int o_port, o_proto, o_clients, o_posters, o_payload, o_who, o_server_pid, o_verbose;
extern long o_messages;
extern double o_rate, o_connect_rate, o_settle_timeout, o_timeout, o_stall, o_hold, o_quiet;
extern const char *o_channel, *o_label;

/* state */
extern struct client *C;
extern int N, P, phase, epfd;
extern int *poster_idx;        /* P: the client index of each poster */
extern uint8_t *presence;      /* N*N bits: (viewer, member) known to be in the room */
extern uint8_t *who_bits;      /* N bits per /who sample, scratch for the one being checked */
extern uint8_t *dupbits;       /* N*P*M bits: (receiver, poster slot, seq) delivered */
extern int32_t *maxseq;        /* N*P: highest seq a receiver has from a poster */
extern uint16_t *rxcount;      /* P*M: receivers that have (slot, seq) */
extern int64_t t_prog0, t_run0, t_last_rx_any, t_progress, t_last_deliv, t_first_send;
extern uint64_t delivered, delivered_posters, delivered_readers, duplicated, reordered;
extern uint64_t bad_lines, foreign_lines, self_echo, notices, server_errors, bytes_in, bytes_out;
extern uint64_t presence_dups, presence_bad, presence_summaries, leaves_seen, disconnects_run, disconnects_setup;
extern long conn_failures, reg_failures, welcomed_cnt, total_sent;
extern char first_error[256];

/* histograms: log-linear, ~0.8% resolution, values in ns (loadgen's) */
#define HSUB 7
#define HBUCKETS (256 + 56 * 128)
struct hist { uint64_t b[HBUCKETS], n; int64_t max; double sum; };
extern struct hist h_all, h_posters, h_readers, h_welcome;
void hist_add(struct hist *h, int64_t v);
double hist_pct(const struct hist *h, double p);

/* crowd_net.c */
int64_t now_ns(void);
double secs(int64_t ns);
void *xrealloc(void *p, size_t n);
void note_error(const char *s);
double cpu_self(void);
double cpu_pid(int pid, int *threads);
long status_kb(int pid, const char *key);
void box_cpu(unsigned long long *busy, unsigned long long *total);
void net_init(void);
void start_connect(struct client *c);
void on_connect_event(struct client *c);
void on_readable(struct client *c);
void out_printf(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_append(struct client *c, const char *s, size_t n);
void flush_out(struct client *c);
void kill_client(struct client *c, const char *why);

/* crowd_lines.c */
void on_open(struct client *c);
void handle_line(struct client *c, char *line, size_t len, int64_t now);
void send_message(struct client *c, long seq, int64_t ts);
void ask_who(struct client *c);
int members_now(void);
#endif
