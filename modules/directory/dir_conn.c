/*
 * dir_conn.c - connect, dispatch, reconnect.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dir_conn.h"
#include "dir_log.h"
#include "dir_stanza.h"
#include "dir_texts.h"
#include "so_jid.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
/* How long one turn of the event loop may wait for input. */
#define LOOP_WAIT_MS 200
/* Seconds between two lines counting the searches. */
#define SUMMARY_S 600
#define NS_PING "urn:xmpp:ping"

struct conn_state {
    const struct dir_config *cfg;
    struct dir_app *app;
    xmpp_ctx_t *ctx;
    xmpp_conn_t *conn; /* NULL between attempts */
    bool up;           /* the stream is authenticated */
    bool ended;        /* CONN is done with; release it */
    unsigned backoff_ms;
    uint64_t next_ms; /* next attempt */
};

/* Waits BACKOFF_MS, +-25 %, and doubles it for the next time. */
static void schedule_retry(struct conn_state *st, const char *why)
{
    unsigned wait = st->backoff_ms;
    unsigned jitter = wait / 2;

    if (jitter > 0)
        wait = wait - jitter / 2 + (unsigned)(random() % jitter);
    st->next_ms = dir_now_ms() + wait;
    dir_log(DIR_LOG_WARN, "%s %s:%u (%s), next attempt in %u ms",
            st->up ? "lost the server at" : "cannot connect to",
            st->cfg->server, st->cfg->port, why, wait);
    st->backoff_ms = st->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
                                                         : st->backoff_ms * 2;
    st->up = false;
    st->ended = true;
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                    xmpp_stream_error_t *stream_error, void *userdata)
{
    struct conn_state *st = userdata;
    const char *why = "closed";

    (void)conn;
    if (event == XMPP_CONN_CONNECT) {
        st->up = true;
        st->backoff_ms = BACKOFF_FIRST_MS;
        dir_log(DIR_LOG_INFO, "connected to %s:%u as %s", st->cfg->server,
                st->cfg->port, st->cfg->jid);
        return;
    }
    if (event != XMPP_CONN_DISCONNECT && event != XMPP_CONN_FAIL)
        return;
    if (stream_error != NULL)
        why = "stream error (wrong secret or jid?)";
    else if (error != 0)
        why = strerror(error);
    else if (!st->up)
        why = "refused or closed before the handshake";
    if (!st->ended)
        schedule_retry(st, why);
}

/* Answers an iq to an entry's address: only its vCard. */
static void iq_to_entry(xmpp_conn_t *conn, xmpp_stanza_t *iq,
                        xmpp_stanza_t *payload, struct dir_app *app)
{
    const char *ns = xmpp_stanza_get_ns(payload);

    if (ns != NULL && strcmp(ns, DIR_NS_VCARD) == 0 &&
        strcmp(xmpp_stanza_get_name(payload), "vCard") == 0) {
        dir_vcard_handle(conn, iq, app);
        return;
    }
    /* RFC 6120 §8.4: a namespace we do not serve */
    dir_send_error(conn, iq, "cancel", "service-unavailable",
                   DIR_E_UNSUPPORTED_EN, DIR_E_UNSUPPORTED_UR);
}

static void ping(xmpp_conn_t *conn, xmpp_stanza_t *iq)
{
    xmpp_stanza_t *reply = dir_reply_new(iq, "result");

    if (reply != NULL)
        dir_send_release(conn, reply);
}

static void iq_to_service(xmpp_conn_t *conn, xmpp_stanza_t *iq,
                          xmpp_stanza_t *payload, struct dir_app *app)
{
    const char *ns = xmpp_stanza_get_ns(payload);
    const char *name = xmpp_stanza_get_name(payload);
    bool get = strcmp(xmpp_stanza_get_type(iq), "get") == 0;

    if (ns == NULL)
        ns = "";
    if (strcmp(name, "query") == 0 && (strcmp(ns, DIR_NS_DISCO_INFO) == 0 ||
                                       strcmp(ns, DIR_NS_DISCO_ITEMS) == 0))
        dir_disco_handle(conn, iq, payload, app);
    else if (strcmp(name, "query") == 0 && strcmp(ns, DIR_NS_SEARCH) == 0)
        dir_search_handle(conn, iq, payload, app);
    else if (strcmp(name, "command") == 0 && strcmp(ns, DIR_NS_COMMANDS) == 0 &&
             !get)
        dir_adhoc_handle(conn, iq, payload, app);
    else if (strcmp(name, "vCard") == 0 && strcmp(ns, DIR_NS_VCARD) == 0)
        dir_vcard_handle(conn, iq, app);
    else if (strcmp(name, "ping") == 0 && strcmp(ns, NS_PING) == 0 && get)
        ping(conn, iq);
    else
        dir_send_error(conn, iq, "cancel", "service-unavailable",
                       DIR_E_UNSUPPORTED_EN, DIR_E_UNSUPPORTED_UR);
}

/* The only element child of STANZA; NULL when there is none or more. */
static xmpp_stanza_t *only_child(xmpp_stanza_t *stanza)
{
    xmpp_stanza_t *c, *found = NULL;

    for (c = xmpp_stanza_get_children(stanza); c != NULL;
         c = xmpp_stanza_get_next(c)) {
        if (!xmpp_stanza_is_tag(c))
            continue;
        if (found != NULL)
            return NULL;
        found = c;
    }
    return found;
}

static int on_iq(xmpp_conn_t *conn, xmpp_stanza_t *iq, void *userdata)
{
    struct conn_state *st = userdata;
    const char *type = xmpp_stanza_get_type(iq);
    xmpp_stanza_t *payload;
    struct so_jid to;

    if (type == NULL || xmpp_stanza_get_from(iq) == NULL ||
        xmpp_stanza_get_id(iq) == NULL ||
        !so_jid_split(xmpp_stanza_get_to(iq), &to))
        return 1; /* nothing a reply could be addressed or matched to */
    if (strcmp(type, "get") != 0 && strcmp(type, "set") != 0)
        return 1; /* results and errors: we ask nothing */
    /* RFC 6120 §8.2.3: a get or set holds exactly one child */
    payload = only_child(iq);
    if (payload == NULL) {
        dir_send_error(conn, iq, "modify", "bad-request", DIR_E_BADREQ_EN,
                       DIR_E_BADREQ_UR);
        return 1;
    }
    if (to.local_len > 0)
        iq_to_entry(conn, iq, payload, st->app);
    else
        iq_to_service(conn, iq, payload, st->app);
    return 1;
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *msg, void *userdata)
{
    struct conn_state *st = userdata;
    const char *type = xmpp_stanza_get_type(msg);

    if (xmpp_stanza_get_from(msg) == NULL || xmpp_stanza_get_to(msg) == NULL)
        return 1;
    /* chat and normal only; never answer an error (RFC 6120 §8.3.1) */
    if (type != NULL && strcmp(type, "chat") != 0 &&
        strcmp(type, "normal") != 0)
        return 1;
    if (xmpp_stanza_get_child_by_name(msg, "body") == NULL)
        return 1; /* chat states, receipts: nothing to answer */
    dir_chat_handle(conn, msg, st->app);
    return 1;
}

/* A presence of TYPE (NULL: available) from the component to TO. */
static void send_presence(xmpp_conn_t *conn, xmpp_stanza_t *req,
                          const char *type)
{
    xmpp_stanza_t *p = xmpp_presence_new(xmpp_conn_get_context(conn));

    if (p == NULL)
        return;
    if (type != NULL)
        xmpp_stanza_set_type(p, type);
    xmpp_stanza_set_to(p, xmpp_stanza_get_from(req));
    xmpp_stanza_set_from(p, xmpp_stanza_get_to(req));
    dir_send_release(conn, p);
}

/* Chat clients add the directory to their roster: accept, and show it
 * online. */
static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *pres, void *userdata)
{
    const char *type = xmpp_stanza_get_type(pres);

    (void)userdata;
    if (type == NULL || xmpp_stanza_get_from(pres) == NULL ||
        xmpp_stanza_get_to(pres) == NULL)
        return 1;
    if (strcmp(type, "subscribe") == 0) {
        send_presence(conn, pres, "subscribed");
        send_presence(conn, pres, NULL);
    } else if (strcmp(type, "probe") == 0) {
        send_presence(conn, pres, NULL);
    }
    return 1;
}

/* libstrophe's own lines: warnings and errors only (its debug level
 * shows the traffic, which may hold queries). */
static void strophe_log(void *userdata, xmpp_log_level_t level,
                        const char *area, const char *msg)
{
    (void)userdata;
    if (level == XMPP_LEVEL_ERROR)
        dir_log(DIR_LOG_WARN, "libstrophe %s: %s", area, msg);
    else if (level == XMPP_LEVEL_WARN)
        dir_log(DIR_LOG_DEBUG, "libstrophe %s: %s", area, msg);
}

/*
 * libstrophe 0.12.2 allocates a connection's stream management state only
 * in xmpp_connect_client(), yet reads it for every stanza received, so a
 * component connection crashes on its first stanza. A client connect to
 * an empty host name allocates the state and then fails at once, before
 * the connection leaves the disconnected state; the component connect
 * that follows keeps it (stream management stays off).
 */
static void give_sm_state(xmpp_conn_t *conn)
{
    if (xmpp_connect_client(conn, "", 1, NULL, NULL) == XMPP_EOK)
        xmpp_disconnect(conn); /* not expected: a name that resolved */
}

static void start_attempt(struct conn_state *st)
{
    int rc;

    st->ended = false;
    st->conn = xmpp_conn_new(st->ctx);
    if (st->conn == NULL) {
        schedule_retry(st, "out of memory");
        return;
    }
    xmpp_conn_set_jid(st->conn, st->cfg->jid);
    xmpp_conn_set_pass(st->conn, st->cfg->secret);
    xmpp_conn_set_sockopt_callback(st->conn, xmpp_sockopt_cb_keepalive);
    give_sm_state(st->conn);
    xmpp_handler_add(st->conn, on_iq, NULL, "iq", NULL, st);
    xmpp_handler_add(st->conn, on_message, NULL, "message", NULL, st);
    xmpp_handler_add(st->conn, on_presence, NULL, "presence", NULL, st);
    dir_log(DIR_LOG_DEBUG, "connecting to %s:%u", st->cfg->server,
            st->cfg->port);
    rc = xmpp_connect_component(st->conn, st->cfg->server,
                                (unsigned short)st->cfg->port, on_conn, st);
    if (rc != XMPP_EOK && !st->ended)
        schedule_retry(st, "connect failed");
}

static void release_ended(struct conn_state *st)
{
    if (st->conn != NULL && st->ended) {
        xmpp_conn_release(st->conn);
        st->conn = NULL;
    }
}

/* Closes the stream, giving the server a moment to see it closed. */
static void shut_down(struct conn_state *st)
{
    int i;

    if (st->conn == NULL)
        return;
    if (!st->ended && xmpp_conn_is_connected(st->conn)) {
        st->ended = true; /* no retry from the callback */
        xmpp_disconnect(st->conn);
        for (i = 0; i < 10 && !xmpp_conn_is_disconnected(st->conn); i++)
            xmpp_run_once(st->ctx, 100);
    }
    xmpp_conn_release(st->conn);
    st->conn = NULL;
}

int dir_conn_run(const struct dir_config *cfg, struct dir_app *app,
                 volatile sig_atomic_t *stop)
{
    static const xmpp_log_t logger = {strophe_log, NULL};
    struct conn_state st;
    uint64_t summary_ms;

    memset(&st, 0, sizeof(st));
    st.cfg = cfg;
    st.app = app;
    st.backoff_ms = BACKOFF_FIRST_MS;
    srandom((unsigned)(dir_now_ms() ^ (uint64_t)getpid()));
    xmpp_initialize();
    st.ctx = xmpp_ctx_new(NULL, &logger);
    if (st.ctx == NULL) {
        xmpp_shutdown();
        return -1;
    }
    summary_ms = dir_now_ms();
    while (!*stop) {
        if (st.conn == NULL && dir_now_ms() >= st.next_ms)
            start_attempt(&st);
        xmpp_run_once(st.ctx, LOOP_WAIT_MS);
        release_ended(&st);
        if (dir_now_ms() - summary_ms >= SUMMARY_S * 1000u) {
            dir_service_summary(&app->svc, SUMMARY_S);
            summary_ms = dir_now_ms();
        }
    }
    dir_log(DIR_LOG_INFO, "stopping");
    shut_down(&st);
    dir_service_summary(&app->svc,
                        (unsigned)((dir_now_ms() - summary_ms) / 1000u));
    xmpp_ctx_free(st.ctx);
    xmpp_shutdown();
    return 0;
}
