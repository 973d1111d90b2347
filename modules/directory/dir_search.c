/*
 * dir_search.c - jabber:iq:search (XEP-0055), legacy fields and data
 * form, paged with Result Set Management (XEP-0059).
 *
 * Legacy fields: <first/>, <last/> and <nick/> are words of a name, in
 * either script, joined into one query; <email/> adds the words of the
 * address's local part ("imran.khan@..." searches "imran khan"). A result
 * item has <first/> (the English name but its last word), <last/> (its
 * last word), <nick/> (the Urdu name) and <email/>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_form.h"
#include "dir_handlers.h"
#include "dir_log.h"
#include "dir_stanza.h"
#include "dir_texts.h"

/* Room for the four legacy fields joined, each at most the longest query
 * so_dquery takes (a longer one is refused as too long). */
#define LEGACY_MAX (4 * (SO_DQUERY_TEXT_MAX + 1))

static const char *const legacy_fields[] = {"first", "last", "nick", "email"};

static xmpp_stanza_t *child_in(xmpp_stanza_t *parent, const char *name,
                               const char *ns)
{
    return xmpp_stanza_get_child_by_name_and_ns(parent, name, ns);
}

/* Reads one RSM number. */
static bool read_count(xmpp_stanza_t *elem, size_t *out)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(elem);
    bool too_long;
    char *text = dir_text_of(ctx, elem, &too_long), *end;
    unsigned long v;
    bool ok;

    if (text == NULL)
        return false;
    v = strtoul(text, &end, 10);
    ok = text[0] >= '0' && text[0] <= '9' && *end == '\0' && v <= 1000000;
    free(text);
    *out = v;
    return ok;
}

/* How many child elements of PARENT are called NAME. */
static size_t children_named(xmpp_stanza_t *parent, const char *name)
{
    xmpp_stanza_t *c;
    size_t n = 0;

    for (c = xmpp_stanza_get_children(parent); c != NULL;
         c = xmpp_stanza_get_next(c)) {
        const char *cname = xmpp_stanza_get_name(c);

        if (xmpp_stanza_is_tag(c) && cname != NULL && strcmp(cname, name) == 0)
            n++;
    }
    return n;
}

enum dir_status dir_rsm_read(xmpp_stanza_t *parent, size_t default_max,
                             size_t *max, char *after, size_t afterlen)
{
    xmpp_stanza_t *set = child_in(parent, "set", DIR_NS_RSM);
    xmpp_stanza_t *e;
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(parent);
    bool too_long;
    char *text;

    *max = default_max;
    after[0] = '\0';
    if (set == NULL)
        return DIR_OK;
    /* paging backwards or by index needs cursors in both directions */
    if (xmpp_stanza_get_child_by_name(set, "before") != NULL)
        return DIR_EBEFORE;
    if (xmpp_stanza_get_child_by_name(set, "index") != NULL)
        return DIR_EINDEX;
    if (children_named(set, "max") > 1 || children_named(set, "after") > 1)
        return DIR_EBADREQ;
    e = xmpp_stanza_get_child_by_name(set, "max");
    if (e != NULL && !read_count(e, max))
        return DIR_EBADREQ;
    if (*max > ST_DIR_PAGE_MAX)
        *max = ST_DIR_PAGE_MAX; /* XEP-0059 §2.2: we may return fewer */
    e = xmpp_stanza_get_child_by_name(set, "after");
    if (e == NULL)
        return DIR_OK;
    text = dir_text_of(ctx, e, &too_long);
    if (text == NULL)
        return too_long ? DIR_ECURSOR : DIR_EBADREQ;
    if (strlen(text) >= afterlen) {
        free(text);
        return DIR_ECURSOR;
    }
    strcpy(after, text);
    free(text);
    return DIR_OK;
}

/* XEP-0059 §2.6: <set> with <first/> and <last/> of the page. */
static bool add_rsm(xmpp_stanza_t *q, const struct st_dir_page *page)
{
    xmpp_stanza_t *set = dir_add_child(q, "set", DIR_NS_RSM);

    if (set == NULL)
        return false;
    if (page->n == 0)
        return true;
    return dir_add_text_child(set, "first", page->first) != NULL &&
           dir_add_text_child(set, "last", page->last) != NULL;
}

static bool answer_get(xmpp_stanza_t *q, const struct dir_service *svc)
{
    xmpp_stanza_t *x;
    size_t i;

    if (dir_add_text_child(q, "instructions", DIR_T_INSTRUCTIONS) == NULL)
        return false;
    for (i = 0; i < sizeof(legacy_fields) / sizeof(legacy_fields[0]); i++)
        if (dir_add_child(q, legacy_fields[i], NULL) == NULL)
            return false;
    x = dir_form_add(q, "form", DIR_T_FORM_TITLE, DIR_T_INSTRUCTIONS);
    return x != NULL && dir_form_search_fields(x, svc, true);
}

/* Appends TEXT (LEN bytes) and a space to OUT; false when full. */
static bool append_words(char *out, size_t *n, const char *text, size_t len)
{
    if (len == 0)
        return true;
    if (len > SO_DQUERY_TEXT_MAX || *n + len + 2 > LEGACY_MAX)
        return false;
    memcpy(out + *n, text, len);
    *n += len;
    out[(*n)++] = ' ';
    out[*n] = '\0';
    return true;
}

/* Joins the legacy fields of Q into one query text in OUT. */
static enum dir_status read_legacy(xmpp_stanza_t *q, char *out,
                                   struct dir_outcome *res)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(q);
    size_t i, n = 0;
    bool too_long, ok;

    out[0] = '\0';
    for (i = 0; i < sizeof(legacy_fields) / sizeof(legacy_fields[0]); i++) {
        xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(q, legacy_fields[i]);
        char *text;
        size_t len;

        if (e == NULL)
            continue;
        text = dir_text_of(ctx, e, &too_long);
        if (text == NULL) {
            res->status = too_long ? DIR_EREFUSED : DIR_EINTERNAL;
            res->refusal = SO_DQUERY_TOO_LONG;
            return res->status;
        }
        len = strlen(text);
        if (i == 3) /* email: the words of the local part */
            len = strcspn(text, "@");
        ok = append_words(out, &n, text, len);
        free(text);
        if (!ok) {
            res->status = DIR_EREFUSED;
            res->refusal = SO_DQUERY_TOO_LONG;
            return DIR_EREFUSED;
        }
    }
    if (n > 0)
        out[n - 1] = '\0';
    return DIR_OK;
}

/* Splits the English name at its last space into first and last. */
static bool add_legacy_item(xmpp_stanza_t *q, const struct dir_service *svc,
                            const struct st_dir_entry *e)
{
    xmpp_stanza_t *item = dir_add_child(q, "item", NULL);
    char jid[3072], first[1024];
    const char *space = strrchr(e->name_en, ' ');
    const char *last = space != NULL ? space + 1 : e->name_en;
    size_t flen = space != NULL ? (size_t)(space - e->name_en) : 0;

    if (item == NULL || !dir_entry_address(svc, e, jid, sizeof(jid)) ||
        xmpp_stanza_set_attribute(item, "jid", jid) != XMPP_EOK)
        return false;
    snprintf(first, sizeof(first), "%.*s", (int)flen, e->name_en);
    return dir_add_text_child(item, "first", first) != NULL &&
           dir_add_text_child(item, "last", last) != NULL &&
           dir_add_text_child(item, "nick", e->name_ur) != NULL &&
           dir_add_text_child(item, "email", e->email) != NULL;
}

static bool answer_page(xmpp_stanza_t *q, const struct dir_service *svc,
                        const struct st_dir_page *page, bool form)
{
    xmpp_stanza_t *x;
    size_t i;

    if (form) {
        x = dir_form_add(q, "result", DIR_T_RESULT_TITLE, NULL);
        if (x == NULL || !dir_form_results(x, svc, page))
            return false;
    } else {
        for (i = 0; i < page->n; i++)
            if (!add_legacy_item(q, svc, &page->entry[i]))
                return false;
    }
    return add_rsm(q, page);
}

/* Reads the request of a search set: the form or the legacy fields. */
static enum dir_status read_request(xmpp_stanza_t *q, struct dir_fields *f,
                                    char *legacy, struct dir_query *query,
                                    struct dir_outcome *res)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(q);
    xmpp_stanza_t *x = child_in(q, "x", DIR_NS_DATA);
    struct dir_request req;

    memset(&req, 0, sizeof(req));
    f->ctx = ctx;
    if (x != NULL) {
        res->status = dir_form_read(ctx, x, f);
        if (res->status == DIR_EREFUSED)
            res->refusal = SO_DQUERY_TOO_LONG; /* as for legacy fields */
        if (res->status != DIR_OK)
            return res->status;
        dir_fields_request(f, &req);
    } else {
        if (read_legacy(q, legacy, res) != DIR_OK)
            return res->status != DIR_OK ? res->status : DIR_EINTERNAL;
        req.q = legacy;
    }
    return dir_query_parse(&req, query, res);
}

static void search_set(xmpp_conn_t *conn, xmpp_stanza_t *iq,
                       xmpp_stanza_t *query, struct dir_app *app,
                       const char *bare)
{
    struct dir_service *svc = &app->svc;
    struct dir_fields fields = {0};
    struct dir_outcome res = {0};
    struct st_dir_page *page = NULL;
    struct dir_query *q = NULL;
    char *legacy = NULL;
    char after[ST_DIR_CURSOR_MAX];
    size_t max;
    bool form = child_in(query, "x", DIR_NS_DATA) != NULL;
    xmpp_stanza_t *reply = NULL, *rq;

    res.status = DIR_EINTERNAL;
    page = calloc(1, sizeof(*page));
    q = malloc(sizeof(*q));
    legacy = malloc(LEGACY_MAX);
    if (page == NULL || q == NULL || legacy == NULL)
        goto fail;
    res.status =
        dir_rsm_read(query, svc->cfg->page_size, &max, after, sizeof(after));
    if (res.status != DIR_OK ||
        read_request(query, &fields, legacy, q, &res) != DIR_OK ||
        dir_service_take(svc, bare, &res) != DIR_OK)
        goto fail;
    if (max > 0 && dir_service_search(svc, q, after, max, page, &res) != DIR_OK)
        goto fail;
    res.status = DIR_EINTERNAL;
    reply = dir_reply_new(iq, "result");
    rq = dir_add_child(reply, "query", DIR_NS_SEARCH);
    if (rq == NULL || !answer_page(rq, svc, page, form))
        goto fail;
    dir_send_release(conn, reply);
    reply = NULL;
    res.status = DIR_OK;
fail:
    if (reply != NULL)
        xmpp_stanza_release(reply);
    if (res.status != DIR_OK)
        dir_send_outcome(conn, iq, svc, &res);
    if (page != NULL)
        st_dir_page_clear(page);
    free(page);
    free(q);
    free(legacy);
    dir_fields_clear(&fields);
}

void dir_search_handle(xmpp_conn_t *conn, xmpp_stanza_t *iq,
                       xmpp_stanza_t *query, struct dir_app *app)
{
    struct dir_outcome res = {0};
    char bare[2100];
    xmpp_stanza_t *reply, *q;

    res.status = dir_service_admit(&app->svc, xmpp_stanza_get_from(iq), bare,
                                   sizeof(bare));
    if (res.status != DIR_OK) {
        dir_send_outcome(conn, iq, &app->svc, &res);
        return;
    }
    if (strcmp(xmpp_stanza_get_type(iq), "set") == 0) {
        search_set(conn, iq, query, app, bare);
        return;
    }
    dir_service_cities(&app->svc);
    reply = dir_reply_new(iq, "result");
    q = dir_add_child(reply, "query", DIR_NS_SEARCH);
    if (q == NULL || !answer_get(q, &app->svc)) {
        if (reply != NULL)
            xmpp_stanza_release(reply);
        res.status = DIR_EINTERNAL;
        dir_send_outcome(conn, iq, &app->svc, &res);
        return;
    }
    dir_send_release(conn, reply);
}
