/*
 * crowd_net.c -- crowd's sockets, clocks, /proc sampling and histograms.
 * The same scheme as the rig's loadgen.c (non-blocking sockets on one epoll,
 * TCP_NODELAY and TCP_QUICKACK, a receive time taken once per recv()), so
 * that crowd's latencies mean what loadgen's mean.
 */
#define _GNU_SOURCE
#include "crowd.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in srv;

int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
double secs(int64_t ns) { return (double)ns / 1e9; }
void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n);
    if (!q && n) { fprintf(stderr, "crowd: out of memory\n"); exit(2); }
    return q;
}
/* the first error only, made safe to print inside a JSON string */
void note_error(const char *s) {
    if (first_error[0]) return;
    snprintf(first_error, sizeof first_error, "%s", s);
    for (char *p = first_error; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 32) *p = '?';
}

/* ------------------------------------------------------------ /proc */
double cpu_self(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
/* a process's CPU seconds, all threads (-1: unknown) */
double cpu_pid(int pid, int *threads) {
    char path[64], buf[1024];
    if (pid <= 0) return -1;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return -1;
    p += 2;
    unsigned long long v[20] = {0};
    for (int i = 0; i < 18 && *p; i++) {
        while (*p == ' ') p++;
        v[i] = strtoull(p, &p, 10);
        if (i == 0) { while (*p && *p != ' ') p++; } /* the state is a letter */
    }
    if (threads) *threads = (int)v[17];
    return (double)(v[11] + v[12]) / (double)sysconf(_SC_CLK_TCK);
}
/* VmRSS, VmHWM ... of /proc/PID/status in kB (-1: unknown) */
long status_kb(int pid, const char *key) {
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
void box_cpu(unsigned long long *busy, unsigned long long *total) {
    unsigned long long v[8] = {0};
    *busy = *total = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
        for (int i = 0; i < 8; i++) *total += v[i];
        *busy = *total - v[3] - v[4]; /* all but idle and iowait */
    }
    fclose(f);
}

/* ------------------------------------------------------- histograms */
static int hbucket(uint64_t v) {
    if (v < 256) return (int)v;
    int e = 63 - __builtin_clzll(v);
    return 256 + (e - 8) * 128 + (int)((v >> (e - HSUB)) & 127);
}
static double hvalue(int b) {
    if (b < 256) return b;
    int e = (b - 256) / 128 + 8, sub = (b - 256) % 128;
    return (double)((uint64_t)(128 + sub) << (e - HSUB)) + (double)(1ULL << (e - HSUB)) / 2;
}
void hist_add(struct hist *h, int64_t v) {
    if (v < 0) v = 0;
    h->b[hbucket((uint64_t)v)]++;
    h->n++;
    h->sum += (double)v;
    if (v > h->max) h->max = v;
}
double hist_pct(const struct hist *h, double p) {
    if (!h->n) return 0;
    uint64_t want = (uint64_t)(p / 100.0 * (double)h->n), acc = 0;
    if (want >= h->n) want = h->n - 1;
    for (int i = 0; i < HBUCKETS; i++)
        if ((acc += h->b[i]) > want) return hvalue(i);
    return 0;
}

/* ---------------------------------------------------------- sockets */
void net_init(void) {
    srv.sin_family = AF_INET;
    srv.sin_port = htons((uint16_t)o_port);
    inet_pton(AF_INET, "127.0.0.1", &srv.sin_addr);
}
static void set_events(struct client *c) {
    struct epoll_event ev = {.events = EPOLLIN | (c->want_out ? EPOLLOUT : 0), .data.u32 = (uint32_t)c->idx};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}
void kill_client(struct client *c, const char *why) {
    if (c->state != CS_OPEN && c->state != CS_CONNECTING) return;
    if (c->state == CS_OPEN) { if (phase >= PH_RUN) disconnects_run++; else disconnects_setup++; }
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = CS_DEAD;
    char b[200];
    snprintf(b, sizeof b, "client %d: %s", c->idx, why);
    note_error(b);
    if (o_verbose) fprintf(stderr, "crowd: %s\n", b);
}
void out_append(struct client *c, const char *s, size_t n) {
    if (c->ooff && c->ooff == c->olen) c->ooff = c->olen = 0;
    if (c->olen + n > c->ocap && c->ooff) {
        memmove(c->obuf, c->obuf + c->ooff, c->olen - c->ooff);
        c->olen -= c->ooff;
        c->ooff = 0;
    }
    if (c->olen + n > c->ocap) {
        size_t nc = c->ocap ? c->ocap : 256;
        while (nc < c->olen + n) nc *= 2;
        c->obuf = xrealloc(c->obuf, nc);
        c->ocap = nc;
    }
    memcpy(c->obuf + c->olen, s, n);
    c->olen += n;
}
void out_printf(struct client *c, const char *fmt, ...) {
    char b[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n > 0) out_append(c, b, (size_t)n < sizeof b ? (size_t)n : sizeof b - 1);
}
void flush_out(struct client *c) {
    while (c->state == CS_OPEN && c->ooff < c->olen) {
        ssize_t n = send(c->fd, c->obuf + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);
        if (n > 0) { c->ooff += (size_t)n; bytes_out += (uint64_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out) { c->want_out = 1; set_events(c); }
            return;
        }
        kill_client(c, n < 0 ? strerror(errno) : "send returned 0");
        return;
    }
    if (c->state == CS_OPEN && c->want_out) { c->want_out = 0; set_events(c); }
}
static void connected(struct client *c) {
    c->state = CS_OPEN;
    set_events(c);
    on_open(c);
}
void start_connect(struct client *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    c->t_conn = now_ns();
    if (fd < 0) { c->state = CS_FAILED; conn_failures++; note_error(strerror(errno)); return; }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    c->fd = fd;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)c->idx};
    int r = connect(fd, (struct sockaddr *)&srv, sizeof srv);
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
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    c->state = CS_CONNECTING;
    if (r == 0) connected(c);
}
void on_connect_event(struct client *c) {
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (!err) { connected(c); return; }
    char b[128];
    snprintf(b, sizeof b, "connect: %s", strerror(err));
    note_error(b);
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = CS_FAILED;
    conn_failures++;
}

/* Reads what is there (at most 4 chunks, so one busy client cannot starve
 * the others), splits complete lines and keeps the rest for the next read. */
static char *scratch;
static size_t scratch_cap;
void on_readable(struct client *c) {
    for (int iter = 0; iter < 4 && c->state == CS_OPEN; iter++) {
        size_t off = (size_t)c->clen;
        if (scratch_cap < off + RECV_CHUNK + 1) { scratch_cap = off + RECV_CHUNK + 1; scratch = xrealloc(scratch, scratch_cap); }
        if (off) memcpy(scratch, c->carry, off);
        ssize_t n = recv(c->fd, scratch + off, RECV_CHUNK, 0);
        if (n == 0) { kill_client(c, "server closed connection"); return; }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) kill_client(c, strerror(errno));
            return;
        }
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        int64_t now = now_ns();
        bytes_in += (uint64_t)n;
        t_last_rx_any = now;
        size_t tot = off + (size_t)n, i = 0;
        while (i < tot && c->state == CS_OPEN) {
            char *nl = memchr(scratch + i, '\n', tot - i);
            if (!nl) break;
            char *line = scratch + i;
            size_t len = (size_t)(nl - line);
            if (len && line[len - 1] == '\r') len--;
            line[len] = 0;
            i = (size_t)(nl - scratch) + 1;
            handle_line(c, line, len, now);
        }
        if (c->state != CS_OPEN) return;
        size_t left = tot - i;
        if (left > MAX_CARRY) { bad_lines++; left = 0; }
        if (left > (size_t)c->ccap) { c->ccap = (int)left * 2; c->carry = xrealloc(c->carry, (size_t)c->ccap); }
        if (left) memcpy(c->carry, scratch + i, left);
        c->clen = (int)left;
        if (n < RECV_CHUNK) return;
    }
}
