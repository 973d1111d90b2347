/*
 * xmpp_search.c - the end-to-end half of bench_directory: one logged-in
 * user sends every query of the file to the directory component as an
 * XEP-0055 search with a data form, one at a time, and times each from
 * the send to the answer.
 *
 *   bench_directory xmpp [--host IP] [--port N] [--field VAR] [--max N]
 *                        JID PASSWORD COMPONENT QUERIES OUT
 *
 * The form is asked for first (XEP-0055 §3.1); the query goes into
 * --field, by default the first text-single field other than FORM_TYPE.
 * Each search asks for --max results (XEP-0059, default 30, as in the SQL
 * half). Each item names a person by its "jid" field (the legacy item's
 * jid attribute): their JID, or their address at the component (the
 * employee number lower-cased and XEP-0106 escaped, "@COMPONENT"), read
 * back as the employee number. The found share is that of the SQL half
 * (dirbench_found), asked after the answer, untimed, of the database
 * SMARTOFFICE_DB.
 *
 * OUT gets one line per query: category, ms, found share, items, and
 * "ok" or the error condition the component answered with.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strophe.h>

#include "dirbench.h"
#include "bench_util.h"
#include "st_db.h"

#define NS_SEARCH "jabber:iq:search"
#define NS_DATA "jabber:x:data"
#define NS_RSM "http://jabber.org/protocol/rsm"
#define ANSWER_SECONDS 10.0
#define WARMUP 20
#define ITEMS_MAX 100
#define ID_MAX 320

struct client {
    xmpp_ctx_t *ctx;
    xmpp_conn_t *conn;
    const char *host;
    unsigned short port;
    const char *jid;
    const char *pass;
    const char *to;
    const char *field;
    char field_buf[128];
    const char *max;
    bool ready;
    bool failed;
    bool closing;
    struct st_db *db; /* the oracle's */
    /* the answer awaited */
    bool answered;
    char ids[ITEMS_MAX][ID_MAX]; /* employee numbers or JIDs of the items */
    size_t n_ids;
    double found;
    size_t items;
    char error[64];
};

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t status, int error,
                    xmpp_stream_error_t *stream_error, void *data)
{
    struct client *c = data;

    (void)conn;
    (void)error;
    (void)stream_error;
    if (status == XMPP_CONN_CONNECT) {
        c->ready = true;
        return;
    }
    if (!c->failed && !c->closing)
        fprintf(stderr, "bench_directory: %s: connection %s\n", c->jid,
                c->ready ? "lost" : "failed");
    c->failed = true;
}

/* Runs the loop until the awaited answer came or ANSWER_SECONDS passed. */
static int wait_answer(struct client *c)
{
    double t0 = bench_now_s();

    while (!c->answered) {
        if (c->failed)
            return -1;
        if (bench_now_s() - t0 > ANSWER_SECONDS) {
            fprintf(stderr, "bench_directory: no answer from %s in %.0f s\n",
                    c->to, ANSWER_SECONDS);
            return -1;
        }
        xmpp_run_once(c->ctx, 1);
    }
    return 0;
}

/* A new child NAME (in NS when not NULL) of PARENT; NULL when out of
 * memory. The child is borrowed: PARENT holds it. */
static xmpp_stanza_t *add_child(xmpp_ctx_t *ctx, xmpp_stanza_t *parent,
                                const char *name, const char *ns)
{
    xmpp_stanza_t *child = xmpp_stanza_new(ctx);

    if (child == NULL)
        return NULL;
    xmpp_stanza_set_name(child, name);
    if (ns != NULL)
        xmpp_stanza_set_ns(child, ns);
    xmpp_stanza_add_child(parent, child);
    xmpp_stanza_release(child);
    return child;
}

/* Adds TEXT (escaped by libstrophe) to PARENT. */
static int add_text(xmpp_ctx_t *ctx, xmpp_stanza_t *parent, const char *text)
{
    xmpp_stanza_t *t = xmpp_stanza_new(ctx);

    if (t == NULL)
        return -1;
    xmpp_stanza_set_text(t, text);
    xmpp_stanza_add_child(parent, t);
    xmpp_stanza_release(t);
    return 0;
}

/* Adds <field var=VAR><value>VALUE</value></field> to FORM. */
static int add_field(xmpp_ctx_t *ctx, xmpp_stanza_t *form, const char *var,
                     const char *type, const char *value)
{
    xmpp_stanza_t *f = add_child(ctx, form, "field", NULL), *v;

    if (f == NULL)
        return -1;
    xmpp_stanza_set_attribute(f, "var", var);
    if (type != NULL)
        xmpp_stanza_set_attribute(f, "type", type);
    v = add_child(ctx, f, "value", NULL);
    return v != NULL ? add_text(ctx, v, value) : -1;
}

/* The XEP-0055 search for TEXT as a submitted form with an RSM limit;
 * owned by the caller (xmpp_stanza_release), NULL when out of memory. */
static xmpp_stanza_t *search_iq(struct client *c, const char *id,
                                const char *text)
{
    xmpp_stanza_t *iq = xmpp_iq_new(c->ctx, "set", id), *q, *x, *set, *max;

    if (iq == NULL)
        return NULL;
    xmpp_stanza_set_to(iq, c->to);
    q = add_child(c->ctx, iq, "query", NS_SEARCH);
    x = q != NULL ? add_child(c->ctx, q, "x", NS_DATA) : NULL;
    if (x == NULL)
        goto fail;
    xmpp_stanza_set_type(x, "submit");
    if (add_field(c->ctx, x, "FORM_TYPE", "hidden", NS_SEARCH) != 0 ||
        add_field(c->ctx, x, c->field, NULL, text) != 0)
        goto fail;
    set = add_child(c->ctx, q, "set", NS_RSM);
    max = set != NULL ? add_child(c->ctx, set, "max", NULL) : NULL;
    if (max == NULL || add_text(c->ctx, max, c->max) != 0)
        goto fail;
    return iq;
fail:
    xmpp_stanza_release(iq);
    return NULL;
}

/* Notes the error condition of error stanza ST in C. */
static void note_error(struct client *c, xmpp_stanza_t *st)
{
    xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error"), *cond;
    const char *name = NULL;

    cond = e != NULL ? xmpp_stanza_get_children(e) : NULL;
    for (; cond != NULL; cond = xmpp_stanza_get_next(cond)) {
        if (xmpp_stanza_is_tag(cond) &&
            strcmp(xmpp_stanza_get_name(cond), "text") != 0) {
            name = xmpp_stanza_get_name(cond);
            break;
        }
    }
    snprintf(c->error, sizeof(c->error), "%s", name ? name : "error");
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* Notes the person ADDR names: its employee number when ADDR is an
 * address at the component (XEP-0106 unescaped, upper-cased), else ADDR
 * itself, a JID. */
static void note_id(struct client *c, const char *addr)
{
    size_t len = strlen(addr), tl = strlen(c->to), n = 0, i;
    char *out;

    if (c->n_ids == ITEMS_MAX || len >= ID_MAX)
        return;
    out = c->ids[c->n_ids++];
    if (len <= tl + 1 || addr[len - tl - 1] != '@' ||
        strcmp(addr + len - tl, c->to) != 0) {
        memcpy(out, addr, len + 1);
        return;
    }
    for (i = 0; i < len - tl - 1; i++) {
        char ch = addr[i];

        if (ch == '\\' && i + 2 < len - tl - 1 && hex_value(addr[i + 1]) >= 0 &&
            hex_value(addr[i + 2]) >= 0) {
            ch = (char)(hex_value(addr[i + 1]) * 16 + hex_value(addr[i + 2]));
            i += 2;
        }
        out[n++] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
    }
    out[n] = '\0';
}

/* Notes the person of ITEM: a form item's "jid" field, or a legacy
 * item's jid attribute. */
static void read_item(struct client *c, xmpp_stanza_t *item)
{
    const char *attr = xmpp_stanza_get_attribute(item, "jid"), *var;
    xmpp_stanza_t *f, *v;
    char *text;

    if (attr != NULL) {
        note_id(c, attr);
        return;
    }
    for (f = xmpp_stanza_get_children(item); f != NULL;
         f = xmpp_stanza_get_next(f)) {
        var =
            xmpp_stanza_is_tag(f) ? xmpp_stanza_get_attribute(f, "var") : NULL;
        if (var == NULL || strcmp(var, "jid") != 0)
            continue;
        v = xmpp_stanza_get_child_by_name(f, "value");
        text = v != NULL ? xmpp_stanza_get_text(v) : NULL;
        if (text != NULL)
            note_id(c, text);
        xmpp_free(c->ctx, text);
        return;
    }
}

/* Counts the items of a search result and notes whom they name. */
static void read_items(struct client *c, xmpp_stanza_t *query)
{
    xmpp_stanza_t *x, *item;

    x = xmpp_stanza_get_child_by_name_and_ns(query, "x", NS_DATA);
    item = xmpp_stanza_get_children(x != NULL ? x : query);
    for (; item != NULL; item = xmpp_stanza_get_next(item)) {
        if (!xmpp_stanza_is_tag(item) ||
            strcmp(xmpp_stanza_get_name(item), "item") != 0)
            continue;
        c->items++;
        read_item(c, item);
    }
}

static int on_answer(xmpp_conn_t *conn, xmpp_stanza_t *st, void *data)
{
    struct client *c = data;
    const char *type = xmpp_stanza_get_type(st);
    xmpp_stanza_t *q;

    (void)conn;
    c->answered = true;
    if (type == NULL || strcmp(type, "result") != 0) {
        note_error(c, st);
        return 0;
    }
    q = xmpp_stanza_get_child_by_name_and_ns(st, "query", NS_SEARCH);
    if (q != NULL)
        read_items(c, q);
    return 0;
}

/* Sets C's found share for the answer to Q. */
static int answer_found(struct client *c, const struct dirbench_query *q)
{
    const char *ids[ITEMS_MAX];
    size_t i;

    for (i = 0; i < c->n_ids; i++)
        ids[i] = c->ids[i];
    return dirbench_found(c->db, q, ids, c->n_ids,
                          (size_t)strtoul(c->max, NULL, 10), &c->found);
}

/* Sends Q's text and waits for the answer; sets *MS, then C's found
 * share. */
static int search_one(struct client *c, unsigned long n,
                      const struct dirbench_query *q, double *ms)
{
    char id[32];
    xmpp_stanza_t *iq;
    double t0;

    snprintf(id, sizeof(id), "s%lu", n);
    iq = search_iq(c, id, q->text);
    if (iq == NULL)
        return -1;
    c->answered = false;
    c->found = 0.0;
    c->n_ids = 0;
    c->items = 0;
    c->error[0] = '\0';
    xmpp_id_handler_add(c->conn, on_answer, id, c);
    t0 = bench_now_ns();
    xmpp_send(c->conn, iq);
    xmpp_stanza_release(iq);
    if (wait_answer(c) != 0)
        return -1;
    *ms = (bench_now_ns() - t0) / 1e6;
    return answer_found(c, q);
}

/* Picks the query field from the form of answer ST. */
static void read_form(struct client *c, xmpp_stanza_t *st)
{
    xmpp_stanza_t *x, *f;
    const char *var, *type;

    x = xmpp_stanza_get_child_by_name_and_ns(st, "query", NS_SEARCH);
    x = x != NULL ? xmpp_stanza_get_child_by_name_and_ns(x, "x", NS_DATA)
                  : NULL;
    f = x != NULL ? xmpp_stanza_get_children(x) : NULL;
    for (; f != NULL; f = xmpp_stanza_get_next(f)) {
        if (!xmpp_stanza_is_tag(f) ||
            strcmp(xmpp_stanza_get_name(f), "field") != 0)
            continue;
        var = xmpp_stanza_get_attribute(f, "var");
        type = xmpp_stanza_get_type(f);
        if (var == NULL || strcmp(var, "FORM_TYPE") == 0)
            continue;
        if (type == NULL || strcmp(type, "text-single") == 0) {
            snprintf(c->field_buf, sizeof(c->field_buf), "%s", var);
            c->field = c->field_buf;
            return;
        }
    }
}

static int on_form(xmpp_conn_t *conn, xmpp_stanza_t *st, void *data)
{
    struct client *c = data;
    const char *type = xmpp_stanza_get_type(st);

    (void)conn;
    c->answered = true;
    if (type != NULL && strcmp(type, "result") == 0)
        read_form(c, st);
    else
        note_error(c, st);
    return 0;
}

/* Asks the component for its search form (XEP-0055 §3.1) once. */
static int ask_form_once(struct client *c)
{
    xmpp_stanza_t *iq;

    iq = xmpp_iq_new(c->ctx, "get", "form");
    if (iq == NULL || add_child(c->ctx, iq, "query", NS_SEARCH) == NULL) {
        if (iq != NULL)
            xmpp_stanza_release(iq);
        return -1;
    }
    xmpp_stanza_set_to(iq, c->to);
    c->answered = false;
    xmpp_id_handler_add(c->conn, on_form, "form", c);
    xmpp_send(c->conn, iq);
    xmpp_stanza_release(iq);
    return wait_answer(c);
}

/* Picks the field unless --field named it. The component may still be
 * connecting to the server, which then answers with an error: asks again
 * for up to ANSWER_SECONDS. */
static int ask_form(struct client *c)
{
    double t0 = bench_now_s();

    while (c->field == NULL) {
        c->error[0] = '\0';
        if (ask_form_once(c) != 0)
            return -1;
        if (c->field != NULL)
            break;
        if (c->error[0] == '\0' || bench_now_s() - t0 > ANSWER_SECONDS) {
            fprintf(stderr, "bench_directory: %s offers no text field (%s)\n",
                    c->to, c->error[0] ? c->error : "no form");
            return -1;
        }
        usleep(100000);
    }
    return 0;
}

static int run_queries(struct client *c, const struct dirbench_query *q,
                       size_t n, FILE *out)
{
    unsigned long sent = 0;
    double ms;
    size_t i;

    for (i = 0; i < n && i < WARMUP; i++) {
        if (search_one(c, sent++, &q[i], &ms) != 0)
            return -1;
    }
    for (i = 0; i < n; i++) {
        if (search_one(c, sent++, &q[i], &ms) != 0)
            return -1;
        fprintf(out, "%s\t%.3f\t%.4f\t%zu\t%s\n", q[i].category, ms, c->found,
                c->items, c->error[0] ? c->error : "ok");
    }
    return 0;
}

static int connect_client(struct client *c)
{
    double t0 = bench_now_s();

    c->conn = xmpp_conn_new(c->ctx);
    if (c->conn == NULL)
        return -1;
    xmpp_conn_set_jid(c->conn, c->jid);
    xmpp_conn_set_pass(c->conn, c->pass);
    xmpp_conn_set_flags(c->conn, XMPP_CONN_FLAG_MANDATORY_TLS |
                                     XMPP_CONN_FLAG_TRUST_TLS |
                                     XMPP_CONN_FLAG_DISABLE_SM);
    if (xmpp_connect_client(c->conn, c->host, c->port, on_conn, c) != XMPP_EOK)
        return -1;
    while (!c->ready && !c->failed) {
        if (bench_now_s() - t0 > ANSWER_SECONDS)
            return -1;
        xmpp_run_once(c->ctx, 10);
    }
    return c->ready ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct client *c, int *first)
{
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
        if (i + 1 >= argc)
            return -1;
        if (strcmp(argv[i], "--host") == 0)
            c->host = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            c->port = (unsigned short)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--field") == 0)
            c->field = argv[i + 1];
        else if (strcmp(argv[i], "--max") == 0)
            c->max = argv[i + 1];
        else
            return -1;
    }
    if (argc - i != 5)
        return -1;
    c->jid = argv[i];
    c->pass = argv[i + 1];
    c->to = argv[i + 2];
    *first = i + 3;
    return 0;
}

/* Connects, runs QUERIES into OUT, disconnects. */
static int run_client(struct client *c, const char *queries, const char *path)
{
    struct dirbench_query *q;
    FILE *out = NULL;
    char err[512];
    size_t n;
    int rc = 1;

    q = dirbench_read_queries(queries, &n);
    if (q == NULL)
        return 1;
    if (st_db_open(getenv("SMARTOFFICE_DB"), &c->db, err, sizeof(err)) !=
        ST_OK) {
        fprintf(stderr, "bench_directory: %s\n", err);
        goto out_q;
    }
    c->ctx = xmpp_ctx_new(NULL, NULL);
    if (c->ctx == NULL)
        goto out_db;
    if (connect_client(c) != 0 || ask_form(c) != 0)
        goto out_conn;
    out = fopen(path, "w");
    if (out == NULL) {
        perror(path);
        goto out_conn;
    }
    setvbuf(out, NULL, _IOLBF, 0); /* a stopped run keeps its lines */
    rc = run_queries(c, q, n, out) == 0 ? 0 : 1;
    if (fclose(out) != 0) {
        perror(path);
        rc = 1;
    }
out_conn:
    if (c->conn != NULL) {
        c->closing = true;
        if (c->ready && !c->failed)
            xmpp_disconnect(c->conn);
        xmpp_conn_release(c->conn);
    }
    xmpp_ctx_free(c->ctx);
out_db:
    st_db_free(c->db);
out_q:
    free(q);
    return rc;
}

int dirbench_xmpp(int argc, char **argv)
{
    struct client c = {0};
    int first, rc;

    c.host = "127.0.0.1";
    c.port = 5222;
    c.max = "30";
    if (parse_args(argc, argv, &c, &first) != 0) {
        fprintf(stderr, "usage: bench_directory xmpp [--host IP] [--port N] "
                        "[--field VAR] [--max N]\n"
                        "           JID PASSWORD COMPONENT QUERIES OUT\n");
        return 2;
    }
    xmpp_initialize();
    rc = run_client(&c, argv[first], argv[first + 1]);
    xmpp_shutdown();
    return rc;
}
