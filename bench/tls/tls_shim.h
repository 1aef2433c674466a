/*
 * tls_shim.h -- every connection of the rig's unmodified loadgen.c over TLS.
 *
 *   cc -O2 -include bench/tls/tls_shim.h -o loadgen-tls RIG/loadgen.c \
 *      bench/tls/tls_shim.c -lssl -lcrypto
 *
 *   LOADGEN_TLS_CA       PEM file of the CA(s) the server's certificate must chain
 *                        to (unset: the system's default trust store)
 *   LOADGEN_TLS_NAME     the name checked against the certificate (unset: the IP
 *                        address connected to, as an IP SAN); a DNS name is also
 *                        sent as SNI
 *   LOADGEN_TLS_TIMEOUT  seconds for TCP connect + handshake (default 10)
 *
 * Force-included ahead of loadgen.c, it turns the socket calls loadgen makes
 * on its client sockets into TLS ones, and wraps epoll so that bytes OpenSSL
 * holds count as readable (see tls_shim.c). Anything else (socket,
 * setsockopt, getsockopt) works on the TCP socket below as before. The system
 * headers come first so that their declarations are not rewritten; the
 * macros are function-like, so other uses of these names are left alone.
 */
#ifndef TLS_SHIM_H
#define TLS_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* same (empty) definition as loadgen.c's: no redefinition */
#endif
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

int tls_shim_connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t tls_shim_send(int fd, const void *buf, size_t len, int flags);
ssize_t tls_shim_recv(int fd, void *buf, size_t len, int flags);
int tls_shim_close(int fd);
int tls_shim_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int tls_shim_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout);

#define connect(fd, addr, len) tls_shim_connect((fd), (addr), (len))
#define send(fd, buf, len, flags) tls_shim_send((fd), (buf), (len), (flags))
#define recv(fd, buf, len, flags) tls_shim_recv((fd), (buf), (len), (flags))
#define close(fd) tls_shim_close(fd)
#define epoll_ctl(epfd, op, fd, ev) tls_shim_epoll_ctl((epfd), (op), (fd), (ev))
#define epoll_wait(epfd, evs, max, timeout) tls_shim_epoll_wait((epfd), (evs), (max), (timeout))

#endif
