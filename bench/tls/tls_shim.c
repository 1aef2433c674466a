/*
 * tls_shim.c -- the TLS (OpenSSL) side of tls_shim.h; see there for use.
 *
 * loadgen.c drives non-blocking sockets with level-triggered epoll: it reads
 * until a recv() comes back short (or 4 times), then waits for EPOLLIN. Over
 * TLS, bytes can sit inside OpenSSL that the kernel no longer reports as
 * readable: plaintext left of a record that did not fit the caller's buffer,
 * and, with read-ahead, raw records read in one go. A client whose data sits
 * there waits for an event that never comes. Read-ahead is worth keeping: it
 * reads many records per read() instead of two read()s per record, which
 * is most of the loadgen's cost against a server that sends small records.
 * So:
 *   - recv() decrypts into the caller's buffer until OpenSSL needs more from
 *     the socket (then anything it holds is an incomplete record, and the
 *     rest will come as a kernel event) or the buffer is full;
 *   - when it returns with bytes still held (buffer full, or an end or error
 *     kept for the next call), the socket is marked ready, and epoll_wait()
 *     reports EPOLLIN for it itself (without blocking) until a recv() has
 *     taken everything: level-triggered, like the kernel;
 *   - connect() does the TCP connect and the handshake before it returns 0
 *     (bounded by LOADGEN_TLS_TIMEOUT), so loadgen sees a connected socket
 *     at once and never sees a handshake state.
 * Failures are returned through errno, which loadgen reports; OpenSSL's own
 * reason goes to stderr, for the first few.
 */
#include "tls_shim.h"
#undef connect
#undef send
#undef recv
#undef close
#undef epoll_ctl
#undef epoll_wait

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define READ_BUF (64 * 1024) /* OpenSSL's per-connection read-ahead buffer */

/* one per file descriptor */
struct slot {
    SSL *ssl;     /* NULL: not a TLS socket; every call passes through */
    int nonblock; /* the socket was non-blocking: recv may go on for more */
    int eof;      /* the peer ended the stream: recv returns 0 from now on */
    int fatal;    /* errno of a failure already seen: no close_notify after it */
    int ready;    /* OpenSSL holds bytes for recv: epoll_wait reports EPOLLIN */
    int queued;   /* in readyq */
    int epfd;     /* the epoll set the fd is in (-1: none), and its event */
    struct epoll_event ev;
};

static SSL_CTX *ctx;
static struct slot *slots;
static int nslots;
static int *readyq; /* fds that may be ready, so epoll_wait need not scan them all */
static int nready, readycap;
static int reports;
static int timeouts; /* handshakes that timed out: after a few, the rest fail at once */
#define MAX_TIMEOUTS 3

static void report(const char *what) {
    if (++reports > 5) { ERR_clear_error(); return; }
    unsigned long e = ERR_get_error();
    char why[256] = "";
    if (e) ERR_error_string_n(e, why, sizeof why);
    fprintf(stderr, "tls_shim: %s%s%s\n", what, why[0] ? ": " : "", why);
    if (reports == 5) fprintf(stderr, "tls_shim: (further TLS errors not shown)\n");
    ERR_clear_error();
}

static int init(void) {
    if (ctx) return 0;
    /* OpenSSL writes with write(), not send(MSG_NOSIGNAL): a peer that is gone
     * must give EPIPE, not kill the process (loadgen ignores SIGPIPE too) */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) { report("SSL_CTX_new"); errno = ENOMEM; return -1; }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    const char *ca = getenv("LOADGEN_TLS_CA");
    if (ca && *ca ? !SSL_CTX_load_verify_locations(ctx, ca, NULL) : !SSL_CTX_set_default_verify_paths(ctx)) {
        char b[300];
        snprintf(b, sizeof b, "cannot load the CA file %s", ca && *ca ? ca : "(system default)");
        report(b);
        SSL_CTX_free(ctx);
        ctx = NULL;
        errno = ENOENT;
        return -1;
    }
    /* loadgen retries a short or EAGAIN send with the rest of its buffer,
     * which may have moved (realloc) and grown since: both modes allow that */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_read_ahead(ctx, 1); /* see the top of the file */
    SSL_CTX_set_default_read_buffer_len(ctx, READ_BUF);
    /* a server that closes without close_notify has still just closed: recv
     * returns 0, as it would over TCP */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* every client is a new full handshake, like a new user */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return 0;
}

/* the slot of fd, grown on demand (NULL only for a bad fd or no memory) */
static struct slot *slot(int fd, int grow) {
    if (fd < 0) return NULL;
    if (fd >= nslots) {
        if (!grow) return NULL;
        int n = nslots ? nslots : 64;
        while (n <= fd) n *= 2;
        struct slot *p = realloc(slots, sizeof *p * (size_t)n);
        if (!p) { errno = ENOMEM; return NULL; }
        memset(p + nslots, 0, sizeof *p * (size_t)(n - nslots));
        for (int i = nslots; i < n; i++) p[i].epfd = -1;
        slots = p;
        nslots = n;
    }
    return &slots[fd];
}
static struct slot *tls(int fd) {
    struct slot *s = slot(fd, 0);
    return s && s->ssl ? s : NULL;
}

static void set_ready(int fd, struct slot *s, int on) {
    s->ready = on;
    if (!on || s->queued) return;
    if (nready == readycap) {
        int n = readycap ? readycap * 2 : 64;
        int *p = realloc(readyq, sizeof *p * (size_t)n);
        if (!p) return; /* cannot happen in practice; the next recv retries */
        readyq = p;
        readycap = n;
    }
    readyq[nready++] = fd;
    s->queued = 1;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* wait until fd is ready for `events` or the deadline passes (errno ETIMEDOUT) */
static int wait_fd(int fd, short events, double deadline) {
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) { errno = ETIMEDOUT; return -1; }
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r > 0) return 0; /* errors show in the next call on fd */
        if (r < 0 && errno != EINTR) return -1;
    }
}

/* the name the certificate must carry: LOADGEN_TLS_NAME, else the address */
static int set_peer_name(SSL *ssl, const struct sockaddr *addr) {
    const char *name = getenv("LOADGEN_TLS_NAME");
    char ip[INET6_ADDRSTRLEN] = "";
    if (!name || !*name) {
        const void *a = addr->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr
                                                    : (const void *)&((const struct sockaddr_in *)addr)->sin_addr;
        if (!inet_ntop(addr->sa_family, a, ip, sizeof ip)) return 0;
        name = ip;
    }
    unsigned char bin[16];
    if (inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name); /* no SNI for addresses (RFC 6066) */
    return SSL_set1_host(ssl, name) && SSL_set_tlsext_host_name(ssl, name);
}

/* SSL_connect until done, failed or past the deadline: 0, or an errno */
static int handshake(SSL *ssl, int fd, double deadline) {
    /* handshakes are one after another: a server that never answers must not
     * hold the loadgen for clients x timeout */
    if (timeouts >= MAX_TIMEOUTS) return ETIMEDOUT;
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(ssl);
        if (r == 1) return 0;
        int e = SSL_get_error(ssl, r), sys = errno;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) == 0) continue;
            if (++timeouts == MAX_TIMEOUTS) report("TLS handshake timed out; the next ones fail at once");
            else report("TLS handshake timed out");
            return ETIMEDOUT;
        }
        long v = SSL_get_verify_result(ssl);
        if (v != X509_V_OK) {
            char b[300];
            snprintf(b, sizeof b, "server certificate rejected: %s", X509_verify_cert_error_string(v));
            report(b);
            return EKEYREJECTED;
        }
        /* an end during the handshake (SSL_OP_IGNORE_UNEXPECTED_EOF makes a
         * bare EOF look like a clean one) or a socket error */
        if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !sys)) {
            report("the server closed the connection during the TLS handshake");
            return ECONNRESET;
        }
        if (e == SSL_ERROR_SYSCALL) {
            report("TLS handshake failed (socket)");
            return sys;
        }
        report("TLS handshake failed");
        return EPROTO;
    }
}

int tls_shim_connect(int fd, const struct sockaddr *addr, socklen_t len) {
    if (init() < 0) return -1;
    struct slot *s = slot(fd, 1);
    if (!s) return -1;
    const char *t = getenv("LOADGEN_TLS_TIMEOUT");
    double deadline = now_s() + (t && atof(t) > 0 ? atof(t) : 10);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    /* non-blocking throughout, so that every wait below is bounded */
    if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return -1;
    int err = 0;
    SSL *ssl = NULL;
    if (connect(fd, addr, len) < 0) {
        socklen_t l = sizeof err;
        if (errno != EINPROGRESS && errno != EINTR) err = errno;
        else if (wait_fd(fd, POLLOUT, deadline) < 0) err = errno;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0) err = errno;
    }
    if (!err && (!(ssl = SSL_new(ctx)) || !SSL_set_fd(ssl, fd) || !set_peer_name(ssl, addr))) {
        report("cannot set up the TLS connection");
        err = ENOMEM;
    }
    if (!err) err = handshake(ssl, fd, deadline);
    if (!(flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags);
    if (err) {
        SSL_free(ssl);
        errno = err;
        return -1;
    }
    s->ssl = ssl;
    s->nonblock = !!(flags & O_NONBLOCK);
    s->eof = s->fatal = 0;
    /* read-ahead may have taken the server's first data with the handshake */
    set_ready(fd, s, SSL_has_pending(ssl));
    return 0;
}

/* after SSL_read/SSL_write returned rc <= 0: -1 with errno, or 0 for the end */
static ssize_t fail(struct slot *s, int rc, int sys) {
    switch (SSL_get_error(s->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        s->eof = 1;
        return 0;
    case SSL_ERROR_SYSCALL:
        s->fatal = sys ? sys : EPIPE;
        ERR_clear_error();
        break;
    default:
        s->fatal = EPROTO;
        report("TLS error");
    }
    errno = s->fatal;
    return -1;
}

ssize_t tls_shim_send(int fd, const void *buf, size_t len, int flags) {
    struct slot *s = tls(fd);
    if (!s) return send(fd, buf, len, flags);
    /* flags: MSG_NOSIGNAL is what loadgen passes; SIGPIPE is ignored (init) */
    if (s->fatal) { errno = s->fatal; return -1; }
    if (len == 0) return 0;
    ERR_clear_error();
    int n = SSL_write(s->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (n > 0) return n;
    ssize_t r = fail(s, n, errno);
    if (r == 0) { errno = EPIPE; r = -1; } /* writing after the peer's close_notify */
    return r;
}

ssize_t tls_shim_recv(int fd, void *buf, size_t len, int flags) {
    struct slot *s = tls(fd);
    if (!s) return recv(fd, buf, len, flags);
    if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL)) { errno = EOPNOTSUPP; return -1; } /* no MSG_PEEK etc. */
    if (s->fatal) { set_ready(fd, s, 0); errno = s->fatal; return -1; }
    if (s->eof) { set_ready(fd, s, 0); return 0; }
    size_t got = 0;
    int drained = 0; /* OpenSSL asked the socket for more and it had none */
    ssize_t r = 0;
    while (got < len) {
        /* a blocking socket would wait here for a record that may never come */
        if (got && !s->nonblock && !SSL_pending(s->ssl)) break;
        ERR_clear_error();
        int n = SSL_read(s->ssl, (char *)buf + got, len - got > INT_MAX ? INT_MAX : (int)(len - got));
        if (n > 0) { got += (size_t)n; continue; }
        int sys = errno;
        drained = SSL_get_error(s->ssl, n) == SSL_ERROR_WANT_READ;
        /* with bytes in hand they are returned, and an end or error is kept
         * (eof, fatal) for the next call, which `ready` brings about */
        r = fail(s, n, sys);
        break;
    }
    set_ready(fd, s, s->eof || s->fatal || (!drained && SSL_has_pending(s->ssl)));
    if (got) return (ssize_t)got;
    if (r == 0 && s->eof) s->ready = 0; /* the end is being returned now */
    if (r < 0 && s->fatal) s->ready = 0;
    return r;
}

int tls_shim_close(int fd) {
    struct slot *s = slot(fd, 0);
    if (s) {
        if (s->ssl) {
            /* one try at close_notify, so the server sees a clean TLS end; no
             * waiting for the peer's (a non-blocking socket may just refuse) */
            if (!s->fatal) SSL_shutdown(s->ssl);
            ERR_clear_error();
            SSL_free(s->ssl);
        }
        int queued = s->queued;
        memset(s, 0, sizeof *s);
        s->epfd = -1;
        s->queued = queued; /* still in readyq; dropped there as not ready */
    }
    return close(fd);
}

int tls_shim_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev) {
    int r = epoll_ctl(epfd, op, fd, ev);
    struct slot *s = r == 0 ? slot(fd, op != EPOLL_CTL_DEL) : NULL;
    if (s) {
        if (op == EPOLL_CTL_DEL) s->epfd = -1;
        else { s->epfd = epfd; s->ev = *ev; }
    }
    return r;
}

/* the kernel's events, plus EPOLLIN for every socket whose bytes OpenSSL
 * holds; with such a socket the kernel is only polled, not waited on */
int tls_shim_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout) {
    int want = 0;
    for (int i = 0; i < nready && !want; i++) {
        struct slot *s = &slots[readyq[i]];
        want = s->ready && s->epfd == epfd && (s->ev.events & EPOLLIN);
    }
    int n = epoll_wait(epfd, evs, max, want ? 0 : timeout);
    if (n < 0 || !want) return n;
    int k = 0;
    for (int i = 0; i < nready; i++) {
        int fd = readyq[i];
        struct slot *s = &slots[fd];
        if (!s->ready) { s->queued = 0; continue; }
        readyq[k++] = fd;
        if (s->epfd != epfd || !(s->ev.events & EPOLLIN)) continue;
        int j = 0;
        while (j < n && evs[j].data.u64 != s->ev.data.u64) j++;
        if (j < n) evs[j].events |= EPOLLIN;
        else if (n < max) { evs[n].events = EPOLLIN; evs[n].data = s->ev.data; n++; }
        /* no room: it stays ready, and the next call reports it */
    }
    nready = k;
    return n;
}
