/*
 * xmpp-probe - a line-oriented XMPP client for the integration tests.
 *
 *   xmpp-probe --jid JID --pass PASSWORD --port N [--host A]
 *
 * Logs in as JID over STARTTLS, trusting any server certificate (the test
 * instances use a self-signed one). Then it is a pipe:
 *
 *   stdin   one raw stanza per line, sent as is; an empty line is ignored;
 *           "!quit" or end of input closes the stream.
 *   stdout  "ready FULLJID" once bound, then every stanza received after
 *           that as XML on one line (newlines inside text are written as
 *           &#10;), then "closed" when the stream ends.
 *   stderr  one line per connection failure.
 *
 * It never sends anything of its own accord (not even presence), so a test
 * decides every stanza on the wire. Exit status: 0 after a clean close,
 * 1 when the login failed, 2 on bad arguments.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strophe.h>

#define PROBE_LINE_MAX (1024 * 1024)
#define PROBE_TICK_MS 10

struct probe {
    xmpp_ctx_t *ctx;
    xmpp_conn_t *conn;
    int ready;    /* bound and announced */
    int finished; /* the stream ended, for good or bad */
    int failed;   /* it ended before "ready" */
    int quitting; /* we asked for the close */
    char *line;   /* stdin bytes not yet sent, PROBE_LINE_MAX + 1 */
    size_t used;
    int stdin_open;
};

/* Writes TEXT on one line of stdout, escaping its line breaks. */
static void print_line(const char *text, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (text[i] == '\n')
            fputs("&#10;", stdout);
        else if (text[i] == '\r')
            fputs("&#13;", stdout);
        else
            putchar(text[i]);
    }
    putchar('\n');
    fflush(stdout);
}

static int on_stanza(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *data)
{
    struct probe *p = data;
    char *text = NULL;
    size_t len = 0;

    (void)conn;
    if (xmpp_stanza_to_text(stanza, &text, &len) != XMPP_EOK) {
        fprintf(stderr, "xmpp-probe: could not serialise a stanza\n");
        return 1;
    }
    print_line(text, len);
    xmpp_free(p->ctx, text);
    return 1;
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                    xmpp_stream_error_t *stream_error, void *data)
{
    struct probe *p = data;

    (void)stream_error;
    if (event == XMPP_CONN_CONNECT) {
        xmpp_handler_add(conn, on_stanza, NULL, NULL, NULL, p);
        p->ready = 1;
        printf("ready %s\n", xmpp_conn_get_bound_jid(conn));
        fflush(stdout);
        return;
    }
    if (!p->ready) {
        fprintf(stderr, "xmpp-probe: login failed (error %d)\n", error);
        p->failed = 1;
    } else if (!p->quitting) {
        fprintf(stderr, "xmpp-probe: the server closed the stream\n");
    }
    p->finished = 1;
    xmpp_stop(p->ctx);
}

static void start_quit(struct probe *p)
{
    if (p->quitting)
        return;
    p->quitting = 1;
    xmpp_disconnect(p->conn);
}

/* Sends each complete line in the buffer and keeps the rest. */
static void send_lines(struct probe *p)
{
    char *start = p->line;
    char *nl;

    while ((nl = memchr(start, '\n', p->used - (start - p->line)))) {
        size_t len = nl - start;

        if (len == 5 && memcmp(start, "!quit", 5) == 0)
            start_quit(p);
        else if (len > 0 && !p->quitting)
            xmpp_send_raw(p->conn, start, len);
        start = nl + 1;
    }
    p->used -= start - p->line;
    memmove(p->line, start, p->used);
}

/* Reads whatever stdin has without blocking. */
static void poll_stdin(struct probe *p)
{
    struct pollfd pfd = {.fd = 0, .events = POLLIN};
    ssize_t n;

    if (!p->stdin_open || poll(&pfd, 1, 0) <= 0)
        return;
    if (p->used == PROBE_LINE_MAX) {
        fprintf(stderr, "xmpp-probe: input line too long, closing\n");
        start_quit(p);
        return;
    }
    n = read(0, p->line + p->used, PROBE_LINE_MAX - p->used);
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) {
        p->stdin_open = 0;
        start_quit(p);
        return;
    }
    p->used += n;
    send_lines(p);
}

static int parse_args(int argc, char **argv, const char **jid,
                      const char **pass, const char **host,
                      unsigned short *port)
{
    int i;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--jid") == 0)
            *jid = argv[i + 1];
        else if (strcmp(argv[i], "--pass") == 0)
            *pass = argv[i + 1];
        else if (strcmp(argv[i], "--host") == 0)
            *host = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            *port = (unsigned short)atoi(argv[i + 1]);
        else
            return -1;
    }
    if (i != argc || !*jid || !*pass || *port == 0)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *jid = NULL, *pass = NULL, *host = "127.0.0.1";
    unsigned short port = 0;
    struct probe p = {.stdin_open = 1};
    int rc = 1;

    if (parse_args(argc, argv, &jid, &pass, &host, &port) != 0) {
        fprintf(stderr, "usage: xmpp-probe --jid JID --pass PASSWORD "
                        "--port N [--host A]\n");
        return 2;
    }
    p.line = malloc(PROBE_LINE_MAX + 1);
    if (!p.line)
        goto out;
    xmpp_initialize();
    p.ctx = xmpp_ctx_new(NULL, NULL);
    if (!p.ctx)
        goto out_lib;
    p.conn = xmpp_conn_new(p.ctx);
    if (!p.conn)
        goto out_ctx;
    xmpp_conn_set_flags(p.conn, XMPP_CONN_FLAG_MANDATORY_TLS |
                                    XMPP_CONN_FLAG_TRUST_TLS |
                                    XMPP_CONN_FLAG_DISABLE_SM);
    xmpp_conn_set_jid(p.conn, jid);
    xmpp_conn_set_pass(p.conn, pass);
    if (xmpp_connect_client(p.conn, host, port, on_conn, &p) != XMPP_EOK) {
        fprintf(stderr, "xmpp-probe: cannot connect to %s:%u\n", host, port);
        goto out_conn;
    }
    while (!p.finished) {
        xmpp_run_once(p.ctx, PROBE_TICK_MS);
        if (p.ready)
            poll_stdin(&p);
    }
    puts("closed");
    fflush(stdout);
    rc = p.failed ? 1 : 0;
out_conn:
    xmpp_conn_release(p.conn);
out_ctx:
    xmpp_ctx_free(p.ctx);
out_lib:
    xmpp_shutdown();
out:
    free(p.line);
    return rc;
}
