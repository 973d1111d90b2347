/*
 * bench_flood.c - load generator for the end-to-end benchmark.
 *
 * Connects two accounts over TLS, then sends COUNT OMEMO-0.3-shaped chat
 * messages (as Conversations sends them) from A to B's full JID, keeping at
 * most WINDOW in flight, and waits until B has received them all. With
 * --pid it reads the server's CPU time (utime + stime in /proc/PID/stat)
 * just before the first and just after the last message, so connection
 * set-up and TLS handshakes are not counted. A warm-up batch is sent and
 * received before the measured one.
 *
 * --callgrind, for a server running under valgrind --tool=callgrind, zeroes
 * its counters (callgrind_control -z PID) after the warm-up and dumps them
 * (callgrind_control -d PID) after the measured batch; the caller reads the
 * instruction count from the dump.
 *
 * --verify instead sends a few plaintext and a few OMEMO messages and
 * reports how many of each were delivered and how many bounced.
 *
 * Output, one line: key=value pairs for scripts/bench to read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strophe.h>

#include "bench_util.h"

#define STALL_SECONDS 20

struct peer {
    xmpp_conn_t *conn;
    const char *jid;
    const char *pass;
    bool ready;
    bool failed;
};

struct flood {
    struct peer a, b;
    const char *host;
    unsigned short port;
    long pid;
    unsigned long count, warmup, window;
    bool verify;
    bool callgrind;
    /* Progress. */
    unsigned long sent, received, bounced, plain_received, omemo_received;
    unsigned long target; /* received + bounced that ends a batch */
    char to[512];         /* B's full JID */
};

static const char omemo_fmt[] =
    "<message type='chat' to='%s' id='m%lu'>" BENCH_OMEMO_OPEN BENCH_OMEMO_CLOSE
    "<origin-id xmlns='urn:xmpp:sid:0' id='m%lu'/>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/>"
    "</message>";

static const char plain_fmt[] =
    "<message type='chat' to='%s' id='p%lu'>"
    "<body>plain text %lu</body>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/>"
    "</message>";

/* utime + stime of PID in microseconds, or -1. */
static double cpu_us(long pid)
{
    char path[64], buf[2048];
    unsigned long utime, stime;
    const char *p;
    FILE *f;
    size_t n;
    int i;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces: fields count from its ')'. */
    p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    for (i = 0; i < 12 && p != NULL; i++)
        p = strchr(p + 1, ' ');
    if (p == NULL || sscanf(p, " %lu %lu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

/* Runs callgrind_control OPTION on the server; 0 or -1. */
static int callgrind_control(const struct flood *f, const char *option)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "callgrind_control %s %ld >/dev/null 2>&1",
             option, f->pid);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_flood: callgrind_control %s %ld failed\n",
                option, f->pid);
        return -1;
    }
    return 0;
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *data)
{
    struct flood *f = data;
    const char *type = xmpp_stanza_get_type(st);
    const char *id = xmpp_stanza_get_id(st);

    (void)conn;
    if (type != NULL && strcmp(type, "error") == 0) {
        f->bounced++;
        return 1;
    }
    if (id == NULL)
        return 1;
    if (id[0] == 'm')
        f->omemo_received++;
    else if (id[0] == 'p')
        f->plain_received++;
    f->received++;
    return 1;
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t status, int error,
                    xmpp_stream_error_t *stream_error, void *data)
{
    struct peer *p = data;

    (void)error;
    (void)stream_error;
    if (status == XMPP_CONN_CONNECT) {
        xmpp_send_raw_string(conn, "<presence/>");
        p->ready = true;
        return;
    }
    if (!p->ready || status != XMPP_CONN_DISCONNECT)
        fprintf(stderr, "bench_flood: %s: connection failed\n", p->jid);
    p->failed = true;
}

static int peer_connect(xmpp_ctx_t *ctx, struct flood *f, struct peer *p)
{
    p->conn = xmpp_conn_new(ctx);
    if (p->conn == NULL)
        return -1;
    xmpp_conn_set_jid(p->conn, p->jid);
    xmpp_conn_set_pass(p->conn, p->pass);
    xmpp_conn_set_flags(p->conn, XMPP_CONN_FLAG_MANDATORY_TLS |
                                     XMPP_CONN_FLAG_TRUST_TLS |
                                     XMPP_CONN_FLAG_DISABLE_SM);
    xmpp_handler_add(p->conn, on_message, NULL, "message", NULL, f);
    return xmpp_connect_client(p->conn, f->host, f->port, on_conn, p) ==
                   XMPP_EOK
               ? 0
               : -1;
}

/* Runs the loop until COND holds; -1 after STALL_SECONDS without progress
 * or when a connection fails. */
#define PROGRESS(f) ((f)->sent + (f)->received + (f)->bounced)

static int run_until(xmpp_ctx_t *ctx, struct flood *f,
                     bool (*cond)(const struct flood *))
{
    unsigned long last = PROGRESS(f);
    double since = bench_now_s();

    while (!cond(f)) {
        if (f->a.failed || f->b.failed)
            return -1;
        xmpp_run_once(ctx, 1);
        if (PROGRESS(f) != last) {
            last = PROGRESS(f);
            since = bench_now_s();
        } else if (bench_now_s() - since > STALL_SECONDS) {
            fprintf(stderr,
                    "bench_flood: stalled: sent %lu received %lu "
                    "bounced %lu\n",
                    f->sent, f->received, f->bounced);
            return -1;
        }
    }
    return 0;
}

static bool both_ready(const struct flood *f)
{
    return f->a.ready && f->b.ready;
}

static bool all_done(const struct flood *f)
{
    return f->received + f->bounced >= f->target;
}

/* Sends OMEMO messages until N more have arrived, at most WINDOW in
 * flight. */
static int flood_batch(xmpp_ctx_t *ctx, struct flood *f, unsigned long n)
{
    unsigned long end = f->sent + n;

    f->target = f->received + f->bounced + n;
    while (f->sent < end) {
        while (f->sent < end &&
               f->sent - (f->received + f->bounced) < f->window) {
            xmpp_send_raw_string(f->a.conn, omemo_fmt, f->to, f->sent, f->sent);
            f->sent++;
        }
        if (f->a.failed || f->b.failed)
            return -1;
        xmpp_run_once(ctx, 1);
    }
    return run_until(ctx, f, all_done);
}

static int verify(xmpp_ctx_t *ctx, struct flood *f)
{
    unsigned long i, n = 10;

    f->target = f->received + f->bounced + 2 * n;
    for (i = 0; i < n; i++) {
        xmpp_send_raw_string(f->a.conn, plain_fmt, f->to, i, i);
        xmpp_send_raw_string(f->a.conn, omemo_fmt, f->to, i, i);
        f->sent += 2;
    }
    if (run_until(ctx, f, all_done) != 0)
        return -1;
    printf("verify omemo_delivered=%lu/%lu plain_delivered=%lu/%lu "
           "bounced=%lu\n",
           f->omemo_received, n, f->plain_received, n, f->bounced);
    return 0;
}

static int measure(xmpp_ctx_t *ctx, struct flood *f)
{
    double t0, t1, c0, c1;
    unsigned long got;

    if (flood_batch(ctx, f, f->warmup) != 0)
        return -1;
    if (f->callgrind && callgrind_control(f, "-z") != 0)
        return -1;
    got = f->received;
    c0 = f->pid > 0 ? cpu_us(f->pid) : 0;
    t0 = bench_now_s();
    if (flood_batch(ctx, f, f->count) != 0)
        return -1;
    t1 = bench_now_s();
    c1 = f->pid > 0 ? cpu_us(f->pid) : 0;
    if (f->callgrind && callgrind_control(f, "-d") != 0)
        return -1;
    got = f->received - got;
    if (got == 0) {
        fprintf(stderr, "bench_flood: nothing delivered (%lu bounced)\n",
                f->bounced);
        return -1;
    }
    printf("delivered=%lu bounced=%lu wall_s=%.3f msgs_per_s=%.0f "
           "server_cpu_us=%.0f cpu_us_per_msg=%.2f\n",
           got, f->bounced, t1 - t0, (double)got / (t1 - t0), c1 - c0,
           (c1 - c0) / (double)got);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_flood [--port N] [--host IP] [--pid PID] "
                    "[--count N] [--warmup N]\n"
                    "                   [--window N] [--verify] [--callgrind] "
                    "JID_A PASS_A JID_B PASS_B\n");
}

static int parse_args(int argc, char **argv, struct flood *f)
{
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--verify") == 0) {
            f->verify = true;
            continue;
        }
        if (strcmp(a, "--callgrind") == 0) {
            f->callgrind = true;
            continue;
        }
        if (i + 1 >= argc)
            return -1;
        if (strcmp(a, "--port") == 0)
            f->port = (unsigned short)atoi(argv[++i]);
        else if (strcmp(a, "--host") == 0)
            f->host = argv[++i];
        else if (strcmp(a, "--pid") == 0)
            f->pid = atol(argv[++i]);
        else if (strcmp(a, "--count") == 0)
            f->count = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--warmup") == 0)
            f->warmup = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--window") == 0)
            f->window = strtoul(argv[++i], NULL, 10);
        else
            return -1;
    }
    if (argc - i != 4 || f->count == 0 || f->window == 0 ||
        (f->callgrind && f->pid <= 0))
        return -1;
    f->a.jid = argv[i];
    f->a.pass = argv[i + 1];
    f->b.jid = argv[i + 2];
    f->b.pass = argv[i + 3];
    return 0;
}

int main(int argc, char **argv)
{
    struct flood f = {0};
    xmpp_ctx_t *ctx = NULL;
    int rc = 2;

    f.host = "127.0.0.1";
    f.port = 5222;
    f.count = 20000;
    f.warmup = 1000;
    f.window = 100;
    if (parse_args(argc, argv, &f) != 0) {
        usage();
        return 2;
    }
    xmpp_initialize();
    ctx = xmpp_ctx_new(NULL, NULL);
    if (ctx == NULL)
        goto out;
    rc = 1;
    if (peer_connect(ctx, &f, &f.a) != 0 || peer_connect(ctx, &f, &f.b) != 0)
        goto out_conn;
    if (run_until(ctx, &f, both_ready) != 0)
        goto out_conn;
    snprintf(f.to, sizeof(f.to), "%s", xmpp_conn_get_bound_jid(f.b.conn));
    if ((f.verify ? verify(ctx, &f) : measure(ctx, &f)) == 0)
        rc = 0;
out_conn:
    if (f.a.conn != NULL) {
        xmpp_disconnect(f.a.conn);
        xmpp_conn_release(f.a.conn);
    }
    if (f.b.conn != NULL) {
        xmpp_disconnect(f.b.conn);
        xmpp_conn_release(f.b.conn);
    }
    xmpp_ctx_free(ctx);
out:
    xmpp_shutdown();
    return rc;
}
