/*
 * crowd.c -- one room of thousands: a join storm, then (optionally) a few
 * posters and many idle readers who all check and time every delivery.
 *
 * The rig's loadgen makes every client a sender and counts presence only;
 * issue 14 needs 15 000 clients of which 100 post at 5 msg/s, with latency
 * to ALL 15 000, and a join storm whose presence is checked name by name.
 *
 *   crowd --port P --proto chat|irc|raw --clients N [--connect-rate 1000]
 *         [--posters S --rate 5 --messages M --payload 40] [--who 3]
 *         [--settle-timeout 60 --hold 0 --stall 5 --timeout 300]
 *         [--server-pid PID] [--label L]
 *
 * Phases, each bounded: connect (paced, --connect-rate per second, 0 = all
 * at once); settle: until every open client is welcomed and its view of the
 * room (crowd_lines.c) is every open, welcomed client, or --settle-timeout;
 * quiet: until nothing arrived for 0.25 s (at most 3 s), then the server's
 * RSS is sampled; who: --who clients, one at a time, ask for the member list
 * (/who, NAMES) and check it is exactly everybody; hold: --hold seconds;
 * run (with --posters): S clients spread over the crowd post M messages each
 * at --rate per second, open loop, each text carrying its scheduled send time
 * (a late crowd or a server that pushes back shows up as latency), until
 * every other client has every message, or nothing arrives for --stall
 * seconds after the last send, or --timeout.  raw (ideal-c): no welcome and
 * no presence; the settle phase repeats one "uK: sync" line until everybody
 * has one, so that no message goes out before the relay has accepted all.
 *
 * One JSON object on stdout (loadgen's field names where they mean the same),
 * a summary on stderr.  Build: cc -O2 -Wall -Wextra -o crowd crowd*.c
 */
#define _GNU_SOURCE
#include "crowd.h"
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

int o_port, o_proto = P_CHAT, o_clients = 1000, o_posters, o_payload = 40, o_who = 3, o_server_pid, o_verbose;
long o_messages = 50;
double o_rate = 5, o_connect_rate = 1000, o_settle_timeout = 60, o_timeout = 300, o_stall = 5, o_hold, o_quiet = 0.25;
const char *o_channel = "#bench", *o_label;

struct client *C;
int N, P, phase = PH_CONNECT, epfd;
int *poster_idx;
uint8_t *presence, *who_bits, *dupbits;
int32_t *maxseq;
uint16_t *rxcount;
int64_t t_prog0, t_run0, t_last_rx_any, t_progress, t_last_deliv, t_first_send;
uint64_t delivered, delivered_posters, delivered_readers, duplicated, reordered;
uint64_t bad_lines, foreign_lines, self_echo, notices, server_errors, bytes_in, bytes_out;
uint64_t presence_dups, presence_bad, presence_summaries, leaves_seen, disconnects_run, disconnects_setup;
long conn_failures, reg_failures, welcomed_cnt, total_sent;
char first_error[256];
struct hist h_all, h_posters, h_readers, h_welcome;

static const char *proto_names[] = {"chat", "irc", "raw"};

/* every open client welcomed and knowing every other one (raw: has a sync line) */
static int settled(void) {
    int members = members_now();
    for (int i = 0; i < N; i++) {
        struct client *c = &C[i];
        if (c->state == CS_CONNECTING) return 0;
        if (c->state != CS_OPEN || c->reg_failed) continue;
        if (!c->welcomed) return 0;
        if (o_proto == P_RAW ? !c->synced : c->view != members) return 0;
    }
    return 1;
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
static void json_hist(const char *k, const struct hist *h) {
    printf("\"%s\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f,\"mean\":%.3f,\"n\":%llu},", k,
           hist_pct(h, 50) / 1e6, hist_pct(h, 90) / 1e6, hist_pct(h, 99) / 1e6, hist_pct(h, 99.9) / 1e6,
           (double)h->max / 1e6, h->n ? h->sum / (double)h->n / 1e6 : 0, (unsigned long long)h->n);
}
static void usage(void) {
    fprintf(stderr, "usage: crowd --port P [--proto chat|irc|raw] [--clients N] [--connect-rate R] [--posters S --rate R\n"
                    "             --messages M --payload B] [--who K] [--settle-timeout S] [--hold S] [--stall S]\n"
                    "             [--timeout S] [--server-pid PID] [--label L] [--channel #C] [--verbose]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static struct option lo[] = {
        {"port", 1, 0, 'p'}, {"proto", 1, 0, 'P'}, {"clients", 1, 0, 'n'}, {"connect-rate", 1, 0, 'c'},
        {"posters", 1, 0, 's'}, {"rate", 1, 0, 'r'}, {"messages", 1, 0, 'm'}, {"payload", 1, 0, 'b'},
        {"who", 1, 0, 'w'}, {"settle-timeout", 1, 0, 'S'}, {"hold", 1, 0, 'h'}, {"stall", 1, 0, 'x'},
        {"timeout", 1, 0, 't'}, {"server-pid", 1, 0, 'i'}, {"label", 1, 0, 'l'}, {"channel", 1, 0, 'C'},
        {"quiet", 1, 0, 'q'}, {"verbose", 0, 0, 'v'}, {0, 0, 0, 0}};
    for (int ch; (ch = getopt_long(argc, argv, "", lo, NULL)) != -1;) {
        switch (ch) {
        case 'p': o_port = atoi(optarg); break;
        case 'P':
            if (!strcmp(optarg, "chat")) o_proto = P_CHAT;
            else if (!strcmp(optarg, "irc")) o_proto = P_IRC;
            else if (!strcmp(optarg, "raw")) o_proto = P_RAW;
            else usage();
            break;
        case 'n': o_clients = atoi(optarg); break;
        case 'c': o_connect_rate = atof(optarg); break;
        case 's': o_posters = atoi(optarg); break;
        case 'r': o_rate = atof(optarg); break;
        case 'm': o_messages = atol(optarg); break;
        case 'b': o_payload = atoi(optarg); break;
        case 'w': o_who = atoi(optarg); break;
        case 'S': o_settle_timeout = atof(optarg); break;
        case 'h': o_hold = atof(optarg); break;
        case 'x': o_stall = atof(optarg); break;
        case 't': o_timeout = atof(optarg); break;
        case 'i': o_server_pid = atoi(optarg); break;
        case 'l': o_label = optarg; break;
        case 'C': o_channel = optarg; break;
        case 'q': o_quiet = atof(optarg); break;
        case 'v': o_verbose = 1; break;
        default: usage();
        }
    }
    N = o_clients;
    P = o_posters;
    if (o_port <= 0 || o_port > 65535 || N < 2 || N > MAX_CLIENTS || P < 0 || P > N || P > MAX_POSTERS ||
        o_messages < 1 || o_messages > 100000 || o_rate <= 0 || o_payload < 1 || o_payload > MAX_PAYLOAD ||
        o_timeout <= 0 || o_who < 0)
        usage();
    if (o_proto == P_RAW) o_who = 0; /* a relay keeps no list */
    if (o_who > N) o_who = N;
    size_t dbits = (size_t)N * (size_t)(P ? P : 1) * (size_t)o_messages;
    if (dbits > (size_t)8 << 30) { fprintf(stderr, "crowd: clients x posters x messages is too large\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    C = calloc((size_t)N, sizeof *C);
    presence = o_proto == P_RAW ? NULL : calloc((size_t)N * (size_t)N / 8 + 1, 1);
    who_bits = calloc((size_t)N / 8 + 1, 1);
    dupbits = calloc(dbits / 8 + 1, 1);
    maxseq = malloc((size_t)N * (size_t)(P ? P : 1) * sizeof *maxseq);
    rxcount = calloc((size_t)(P ? P : 1) * (size_t)o_messages, sizeof *rxcount);
    poster_idx = calloc((size_t)(P ? P : 1), sizeof *poster_idx);
    if (!C || (o_proto != P_RAW && !presence) || !who_bits || !dupbits || !maxseq || !rxcount || !poster_idx) {
        fprintf(stderr, "crowd: out of memory\n");
        return 2;
    }
    memset(maxseq, 0xff, (size_t)N * (size_t)(P ? P : 1) * sizeof *maxseq);
    for (int i = 0; i < N; i++) { C[i].idx = i; C[i].fd = -1; C[i].slot = -1; }
    /* posters spread evenly over the crowd: some joined early, some late */
    for (int j = 0; j < P; j++) { poster_idx[j] = (int)((long)j * N / P); C[poster_idx[j]].slot = j; }
    net_init();
    epfd = epoll_create1(EPOLL_CLOEXEC);

    t_prog0 = now_ns();
    int64_t hard_stop = t_prog0 + (int64_t)(o_timeout * 1e9), t_connect_done = 0, t_settled = 0;
    int64_t t_phase = 0, t_end = 0, t_sync = 0, send_lag_max = 0;
    long rss_before = status_kb(o_server_pid, "VmRSS"), rss_settled = -1, hwm_settled = -1, rss_held = -1;
    double srv_cpu0 = cpu_pid(o_server_pid, NULL), srv_storm = -1, srv_run0 = -1, self_run0 = 0;
    unsigned long long box_b0 = 0, box_t0 = 0;
    int next_conn = 0, settle_timed_out = 0, quiet_timed_out = 0, timed_out = 0, stalled = 0;
    int who_i = 0, who_cur = -1, who_asked = 0, who_ok = 0, members_run = 0, posters_run = 0;
    uint64_t sched = 0, sched_total = (uint64_t)P * (uint64_t)o_messages, expect = 0, not_sent = 0;
    double gap_ns = P ? 1e9 / ((double)P * o_rate) : 0;
    struct epoll_event evs[1024];

    while (phase != PH_DONE) {
        int64_t now = now_ns();
        if (now >= hard_stop) { timed_out = 1; break; }
        if (phase == PH_CONNECT) {
            while (next_conn < N && (o_connect_rate <= 0 || now >= t_prog0 + (int64_t)((double)next_conn * 1e9 / o_connect_rate)))
                start_connect(&C[next_conn++]);
            int pending = 0;
            for (int i = 0; i < next_conn; i++) pending += C[i].state == CS_CONNECTING;
            int64_t deadline = t_prog0 + (int64_t)20e9 + (o_connect_rate > 0 ? (int64_t)((double)N * 1e9 / o_connect_rate) : 0);
            if (next_conn == N && (!pending || now > deadline)) {
                for (int i = 0; i < N; i++)
                    if (C[i].state == CS_CONNECTING) { kill_client(&C[i], "connect timed out"); C[i].state = CS_FAILED; conn_failures++; }
                t_connect_done = now;
                phase = PH_SETTLE;
            }
        }
        if (phase == PH_SETTLE) {
            if (o_proto == P_RAW && now - t_sync > 200000000LL) { /* one sync line, again every 0.2 s */
                for (int i = 0; i < N; i++)
                    if (C[i].state == CS_OPEN) { C[i].synced = 1; out_printf(&C[i], "u%d: sync\n", i); flush_out(&C[i]); break; }
                t_sync = now;
            }
            int done = settled();
            if (!done && now > t_connect_done + (int64_t)(o_settle_timeout * 1e9)) settle_timed_out = done = 1;
            if (done) { t_settled = now; phase = PH_QUIET; }
        }
        if (phase == PH_QUIET) {
            int64_t last = t_last_rx_any > t_settled ? t_last_rx_any : t_settled;
            int ok = now - last >= (int64_t)(o_quiet * 1e9);
            if (!ok && now - t_settled > (int64_t)3e9) ok = quiet_timed_out = 1;
            if (ok) {
                rss_settled = status_kb(o_server_pid, "VmRSS");
                hwm_settled = status_kb(o_server_pid, "VmHWM");
                double x = cpu_pid(o_server_pid, NULL);
                if (x >= 0 && srv_cpu0 >= 0) srv_storm = x - srv_cpu0;
                for (int i = 0; i < N; i++)
                    if (C[i].state == CS_OPEN && !C[i].welcomed) reg_failures++;
                phase = PH_WHO;
                t_phase = now;
            }
        }
        if (phase == PH_WHO) {
            /* one sample at a time (the answer is checked against one scratch set), each bounded by 10 s */
            if (who_cur >= 0 && (C[who_cur].who != WHO_ASKED || now - t_phase > (int64_t)10e9)) {
                if (C[who_cur].who == WHO_OK) who_ok++;
                else if (C[who_cur].who == WHO_ASKED) note_error("a /who (NAMES) got no answer within 10 s");
                who_cur = -1;
            }
            while (who_cur < 0 && who_i < o_who) {
                int at = o_who > 1 ? (int)((long)who_i * (N - 1) / (o_who - 1)) : N - 1;
                who_i++;
                for (int k = 0; k < N; k++) {
                    struct client *c = &C[(at + k) % N];
                    if (c->state == CS_OPEN && c->welcomed && c->who == WHO_NONE) { who_cur = c->idx; break; }
                }
                if (who_cur >= 0) { ask_who(&C[who_cur]); who_asked++; t_phase = now; }
            }
            if (who_cur < 0) { phase = PH_HOLD; t_phase = now; }
        }
        if (phase == PH_HOLD && now - t_phase >= (int64_t)(o_hold * 1e9)) {
            rss_held = status_kb(o_server_pid, "VmRSS");
            if (!P) { t_end = now; phase = PH_DONE; break; }
            members_run = members_now();
            for (int j = 0; j < P; j++) posters_run += C[poster_idx[j]].state == CS_OPEN && C[poster_idx[j]].welcomed;
            expect = (uint64_t)posters_run * (uint64_t)o_messages * (uint64_t)(members_run - 1);
            phase = PH_RUN;
            t_run0 = t_progress = now;
            self_run0 = cpu_self();
            srv_run0 = cpu_pid(o_server_pid, NULL);
            box_cpu(&box_b0, &box_t0);
        }
        if (phase == PH_RUN) {
            /* open loop: message g is due at t_run0 + g * gap; its text carries that time */
            while (sched < sched_total && now >= t_run0 + (int64_t)((double)sched * gap_ns)) {
                int64_t due = t_run0 + (int64_t)((double)sched * gap_ns);
                struct client *c = &C[poster_idx[sched % (uint64_t)P]];
                sched++;
                if (c->state != CS_OPEN || !c->welcomed) { not_sent++; continue; }
                if (!t_first_send) t_first_send = now;
                if (now - due > send_lag_max) send_lag_max = now - due;
                send_message(c, c->sent, due);
            }
            if (delivered >= expect && sched >= sched_total) { t_end = now; phase = PH_DONE; break; }
            if (sched >= sched_total && now - t_progress > (int64_t)(o_stall * 1e9)) { stalled = 1; t_end = now; break; }
        }
        int64_t wake = now + 50000000LL;
        if (phase == PH_RUN && sched < sched_total) {
            int64_t d = t_run0 + (int64_t)((double)sched * gap_ns);
            if (d < wake) wake = d;
        }
        if (phase == PH_CONNECT && o_connect_rate > 0 && next_conn < N) {
            int64_t d = t_prog0 + (int64_t)((double)next_conn * 1e9 / o_connect_rate);
            if (d < wake) wake = d;
        }
        if (phase == PH_QUIET || phase == PH_SETTLE) wake = now + 10000000LL;
        int tmo = (int)((wake - now + 999999) / 1000000);
        int ne = epoll_wait(epfd, evs, 1024, tmo < 0 ? 0 : tmo);
        for (int k = 0; k < ne; k++) {
            struct client *c = &C[evs[k].data.u32];
            if (c->state == CS_CONNECTING && (evs[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) on_connect_event(c);
            if (c->state != CS_OPEN) continue;
            if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
            if (c->state == CS_OPEN && (evs[k].events & EPOLLOUT)) flush_out(c);
        }
    }
    if (!t_end) t_end = now_ns();

    /* ------------------------------------------------------------ report */
    int ran = t_run0 > 0, threads = 0, open_end = 0, complete = 0, v_short = 0, v_over = 0, members = members_now();
    long v_missing = 0; /* members missing from the short views, summed: one per join a client never heard of */
    double self_run = ran ? cpu_self() - self_run0 : 0, srv_run = -1, wall = ran ? secs(t_end - t_run0) : 0;
    if (ran && srv_run0 >= 0) { double x = cpu_pid(o_server_pid, &threads); if (x >= 0) srv_run = x - srv_run0; }
    unsigned long long box_b1 = 0, box_t1 = 0;
    box_cpu(&box_b1, &box_t1);
    for (int i = 0; i < N; i++) {
        if (C[i].state != CS_OPEN) continue;
        open_end++;
        if (!C[i].welcomed || o_proto == P_RAW) continue;
        if (C[i].view == members) complete++;
        else if (C[i].view < members) { v_short++; v_missing += members - C[i].view; }
        else v_over++;
    }
    double elapsed = t_first_send && t_last_deliv > t_first_send ? secs(t_last_deliv - t_first_send) : 0;
    printf("{");
    if (o_label) json_str("label", o_label);
    printf("\"crowd\":\"%s\",", CROWD_VERSION);
    json_str("proto", proto_names[o_proto]);
    printf("\"mode\":\"%s\",\"clients\":%d,\"connect_rate\":%g,\"connect_failures\":%ld,\"registration_failures\":%ld,",
           P ? "held" : "storm", N, o_connect_rate, conn_failures, reg_failures);
    printf("\"welcomed\":%ld,\"connect_s\":%.3f,\"settle_s\":%.3f,\"settle_timed_out\":%s,\"quiet_timed_out\":%s,", welcomed_cnt,
           t_connect_done ? secs(t_connect_done - t_prog0) : 0, t_settled ? secs(t_settled - t_prog0) : 0,
           settle_timed_out ? "true" : "false", quiet_timed_out ? "true" : "false");
    printf("\"settle_timeout_s\":%g,", o_settle_timeout);
    json_hist("welcome_ms", &h_welcome);
    if (o_proto != P_RAW)
        printf("\"presence_checked\":true,\"views_complete\":%d,\"views_short\":%d,\"views_missing\":%ld,\"views_over\":%d,\"presence_dups\":%llu,"
               "\"presence_bad\":%llu,\"presence_summaries\":%llu,\"leaves_seen\":%llu,\"who_asked\":%d,\"who_ok\":%d,",
               complete, v_short, v_missing, v_over, (unsigned long long)presence_dups, (unsigned long long)presence_bad,
               (unsigned long long)presence_summaries,
               (unsigned long long)leaves_seen, who_asked, who_ok);
    else printf("\"presence_checked\":false,");
    printf("\"open_at_end\":%d,\"disconnects_setup\":%llu,\"disconnects\":%llu,", open_end, (unsigned long long)disconnects_setup,
           (unsigned long long)disconnects_run);
    printf("\"server_rss_kb_before\":%ld,\"server_rss_kb_settled\":%ld,\"server_hwm_kb_settled\":%ld,\"server_rss_kb_held\":%ld,",
           rss_before, rss_settled, hwm_settled, rss_held);
    printf("\"server_rss_kb_per_client\":%.2f,\"server_cpu_s_storm\":%.3f,", rss_before > 0 && rss_held > 0 && welcomed_cnt ?
           (double)(rss_held - rss_before) / (double)welcomed_cnt : -1.0, srv_storm);
    if (P) {
        printf("\"posters\":%d,\"posters_active\":%d,\"members_at_run\":%d,\"rate_per_client\":%g,\"messages_per_client\":%ld,"
               "\"payload_bytes\":%d,", P, posters_run, members_run, o_rate, o_messages, o_payload);
        printf("\"expected_deliveries\":%llu,\"sent\":%ld,\"not_sent\":%llu,\"delivered\":%llu,\"lost\":%llu,"
               "\"delivered_posters\":%llu,\"delivered_readers\":%llu,", (unsigned long long)expect, total_sent,
               (unsigned long long)not_sent, (unsigned long long)delivered,
               (unsigned long long)(expect > delivered ? expect - delivered : 0), (unsigned long long)delivered_posters,
               (unsigned long long)delivered_readers);
        printf("\"duplicated\":%llu,\"reordered\":%llu,\"corrupt_lines\":%llu,\"self_echo\":%llu,", (unsigned long long)duplicated,
               (unsigned long long)reordered, (unsigned long long)bad_lines, (unsigned long long)self_echo);
        printf("\"elapsed_s\":%.3f,\"deliveries_per_s\":%.0f,", elapsed, elapsed > 0 ? (double)delivered / elapsed : 0);
        json_hist("latency_ms", &h_all);
        json_hist("poster_latency_ms", &h_posters);
        json_hist("reader_latency_ms", &h_readers);
        printf("\"send_lag_ms_max\":%.3f,\"stalled\":%s,\"run_wall_s\":%.3f,", (double)send_lag_max / 1e6,
               stalled ? "true" : "false", wall);
        printf("\"loadgen_cpu_s\":%.3f,\"loadgen_cpu_pct\":%.1f,", self_run, wall > 0 ? 100 * self_run / wall : 0);
        if (srv_run >= 0)
            printf("\"server_cpu_s\":%.3f,\"server_cpu_pct\":%.1f,\"server_threads\":%d,", srv_run,
                   wall > 0 ? 100 * srv_run / wall : 0, threads);
        if (box_t1 > box_t0)
            printf("\"box_busy_pct\":%.1f,", 100.0 * (double)(box_b1 - box_b0) / (double)(box_t1 - box_t0) *
                                                 (double)sysconf(_SC_NPROCESSORS_ONLN));
    }
    printf("\"server_rss_kb_end\":%ld,\"server_hwm_kb\":%ld,\"loadgen_hwm_kb\":%ld,", status_kb(o_server_pid, "VmRSS"),
           status_kb(o_server_pid, "VmHWM"), status_kb(getpid(), "VmHWM"));
    printf("\"foreign_lines\":%llu,\"server_errors\":%llu,\"notices\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,",
           (unsigned long long)foreign_lines, (unsigned long long)server_errors, (unsigned long long)notices,
           (unsigned long long)bytes_in, (unsigned long long)bytes_out);
    if (first_error[0]) json_str("first_error", first_error);
    printf("\"timed_out\":%s,\"wall_s\":%.3f}\n", timed_out ? "true" : "false", secs(now_ns() - t_prog0));
    fflush(stdout);

    fprintf(stderr, "crowd %s%s%s %s N=%d: %ld welcomed, connect %.1fs, settled %.1fs%s; views %d complete of %d",
            o_label ? "[" : "", o_label ? o_label : "", o_label ? "]" : "", proto_names[o_proto], N, welcomed_cnt,
            t_connect_done ? secs(t_connect_done - t_prog0) : 0, t_settled ? secs(t_settled - t_prog0) : 0,
            settle_timed_out ? " (TIMED OUT)" : "", complete, open_end);
    fprintf(stderr, "; who %d/%d ok; RSS %ld -> %ld kB, peak %ld kB\n", who_ok, who_asked, rss_before, rss_settled,
            status_kb(o_server_pid, "VmHWM"));
    if (P)
        fprintf(stderr, "  %d posters x %ld at %g/s: delivered %llu/%llu (dup %llu reord %llu corrupt %llu), p99 %.1f ms, "
                        "p99.9 %.1f ms, crowd cpu %.0f%%%s%s\n", posters_run, o_messages, o_rate,
                (unsigned long long)delivered, (unsigned long long)expect, (unsigned long long)duplicated,
                (unsigned long long)reordered, (unsigned long long)bad_lines, hist_pct(&h_all, 99) / 1e6,
                hist_pct(&h_all, 99.9) / 1e6, wall > 0 ? 100 * self_run / wall : 0, stalled ? " STALLED" : "",
                timed_out ? " TIMED OUT" : "");
    if (first_error[0]) fprintf(stderr, "  first error: %s\n", first_error);
    for (int i = 0; i < N; i++) if (C[i].fd >= 0) close(C[i].fd);
    return 0;
}
