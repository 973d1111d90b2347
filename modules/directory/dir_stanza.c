/*
 * dir_stanza.c - replies and bilingual errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_log.h"
#include "dir_stanza.h"
#include "dir_texts.h"

xmpp_stanza_t *dir_add_child(xmpp_stanza_t *parent, const char *name,
                             const char *ns)
{
    xmpp_stanza_t *child;

    if (parent == NULL)
        return NULL;
    child = xmpp_stanza_new(xmpp_stanza_get_context(parent));
    if (child == NULL)
        return NULL;
    if (xmpp_stanza_set_name(child, name) != XMPP_EOK ||
        (ns != NULL && xmpp_stanza_set_ns(child, ns) != XMPP_EOK) ||
        xmpp_stanza_add_child_ex(parent, child, 0) != XMPP_EOK) {
        xmpp_stanza_release(child);
        return NULL;
    }
    return child;
}

xmpp_stanza_t *dir_add_text_child(xmpp_stanza_t *parent, const char *name,
                                  const char *text)
{
    xmpp_stanza_t *elem = dir_add_child(parent, name, NULL);
    xmpp_stanza_t *t;

    if (elem == NULL || text == NULL || text[0] == '\0')
        return elem;
    t = xmpp_stanza_new(xmpp_stanza_get_context(parent));
    if (t == NULL)
        return NULL;
    if (xmpp_stanza_set_text(t, text) != XMPP_EOK ||
        xmpp_stanza_add_child_ex(elem, t, 0) != XMPP_EOK) {
        xmpp_stanza_release(t);
        return NULL;
    }
    return elem;
}

xmpp_stanza_t *dir_reply_new(xmpp_stanza_t *req, const char *type)
{
    xmpp_stanza_t *r = xmpp_stanza_new(xmpp_stanza_get_context(req));
    const char *id = xmpp_stanza_get_id(req);
    const char *from = xmpp_stanza_get_from(req);
    const char *to = xmpp_stanza_get_to(req);

    if (r == NULL)
        return NULL;
    if (xmpp_stanza_set_name(r, xmpp_stanza_get_name(req)) != XMPP_EOK ||
        xmpp_stanza_set_type(r, type) != XMPP_EOK ||
        (id != NULL && xmpp_stanza_set_id(r, id) != XMPP_EOK) ||
        (from != NULL && xmpp_stanza_set_to(r, from) != XMPP_EOK) ||
        (to != NULL && xmpp_stanza_set_from(r, to) != XMPP_EOK)) {
        xmpp_stanza_release(r);
        return NULL;
    }
    return r;
}

void dir_send_release(xmpp_conn_t *conn, xmpp_stanza_t *reply)
{
    xmpp_send(conn, reply);
    xmpp_stanza_release(reply);
}

static xmpp_stanza_t *add_text(xmpp_stanza_t *err, const char *lang,
                               const char *text)
{
    xmpp_stanza_t *t = dir_add_text_child(err, "text", text);

    if (t == NULL)
        return NULL;
    xmpp_stanza_set_ns(t, DIR_NS_STANZAS);
    xmpp_stanza_set_attribute(t, "xml:lang", lang);
    return t;
}

void dir_send_error(xmpp_conn_t *conn, xmpp_stanza_t *req, const char *type,
                    const char *condition, const char *text_en,
                    const char *text_ur)
{
    dir_send_error_app(conn, req, type, condition, NULL, NULL, text_en,
                       text_ur);
}

void dir_send_error_app(xmpp_conn_t *conn, xmpp_stanza_t *req, const char *type,
                        const char *condition, const char *app,
                        const char *app_ns, const char *text_en,
                        const char *text_ur)
{
    const char *rtype = xmpp_stanza_get_type(req);
    xmpp_stanza_t *reply, *err;

    /* RFC 6120 §8.3.1: an error is never answered with an error */
    if (rtype != NULL && strcmp(rtype, "error") == 0)
        return;
    reply = dir_reply_new(req, "error");
    err = dir_add_child(reply, "error", NULL);
    if (err == NULL)
        goto out;
    xmpp_stanza_set_attribute(err, "type", type);
    if (dir_add_child(err, condition, DIR_NS_STANZAS) == NULL ||
        add_text(err, "en", text_en) == NULL ||
        add_text(err, "ur", text_ur) == NULL ||
        (app != NULL && dir_add_child(err, app, app_ns) == NULL))
        goto out;
    xmpp_send(conn, reply);
out:
    if (reply != NULL)
        xmpp_stanza_release(reply);
}

void dir_send_outcome(xmpp_conn_t *conn, xmpp_stanza_t *req,
                      struct dir_service *svc, const struct dir_outcome *out)
{
    char en[160], ur[200];

    switch (out->status) {
    case DIR_OK:
        return;
    case DIR_EBADREQ:
        if (out->bad_field == DIR_BAD_UNIT)
            dir_send_error(conn, req, "modify", "bad-request", DIR_E_UNIT_EN,
                           DIR_E_UNIT_UR);
        else if (out->bad_field == DIR_BAD_CITY)
            dir_send_error(conn, req, "modify", "bad-request", DIR_E_CITY_EN,
                           DIR_E_CITY_UR);
        else
            dir_send_error(conn, req, "modify", "bad-request", DIR_E_BADREQ_EN,
                           DIR_E_BADREQ_UR);
        return;
    case DIR_EFORBIDDEN:
        dir_send_error(conn, req, "auth", "forbidden", DIR_E_FORBIDDEN_EN,
                       DIR_E_FORBIDDEN_UR);
        return;
    case DIR_EREFUSED:
        svc->refused++;
        dir_send_error(conn, req, "modify", "not-acceptable",
                       so_dquery_refusal_en(out->refusal),
                       so_dquery_refusal_ur(out->refusal));
        return;
    case DIR_ERATE:
        snprintf(en, sizeof(en), DIR_E_RATE_EN, out->retry_s);
        snprintf(ur, sizeof(ur), DIR_E_RATE_UR, out->retry_s);
        dir_send_error(conn, req, "wait", "resource-constraint", en, ur);
        return;
    case DIR_EUNAVAIL:
        /* the directory's own store is down, for a while: see
         * docs/modules/directory.md#errors for why this condition */
        dir_send_error(conn, req, "wait", "internal-server-error",
                       DIR_E_UNAVAIL_EN, DIR_E_UNAVAIL_UR);
        return;
    case DIR_ECURSOR:
        /* XEP-0059 §2.5: an unknown cursor is item-not-found */
        dir_send_error(conn, req, "cancel", "item-not-found", DIR_E_CURSOR_EN,
                       DIR_E_CURSOR_UR);
        return;
    case DIR_ENOENT:
        dir_send_error(conn, req, "cancel", "item-not-found", DIR_E_NOENT_EN,
                       DIR_E_NOENT_UR);
        return;
    case DIR_EBEFORE:
        dir_send_error(conn, req, "cancel", "feature-not-implemented",
                       DIR_E_BEFORE_EN, DIR_E_BEFORE_UR);
        return;
    case DIR_EINDEX:
        dir_send_error(conn, req, "cancel", "feature-not-implemented",
                       DIR_E_INDEX_EN, DIR_E_INDEX_UR);
        return;
    case DIR_ENOCOMMAND:
        dir_send_error(conn, req, "cancel", "item-not-found",
                       DIR_E_NOCOMMAND_EN, DIR_E_NOCOMMAND_UR);
        return;
    case DIR_EINTERNAL:
        dir_send_error(conn, req, "wait", "internal-server-error",
                       DIR_E_INTERNAL_EN, DIR_E_INTERNAL_UR);
        return;
    }
}

char *dir_text_of(xmpp_ctx_t *ctx, xmpp_stanza_t *elem, bool *too_long)
{
    xmpp_stanza_t *c;
    size_t total = 0;
    char *text, *copy;

    *too_long = false;
    for (c = xmpp_stanza_get_children(elem); c != NULL;
         c = xmpp_stanza_get_next(c)) {
        const char *t =
            xmpp_stanza_is_text(c) ? xmpp_stanza_get_text_ptr(c) : NULL;

        total += t != NULL ? strlen(t) : 0;
        if (total > DIR_FIELD_MAX) {
            *too_long = true;
            return NULL;
        }
    }
    text = xmpp_stanza_get_text(elem);
    copy = strdup(text != NULL ? text : "");
    if (text != NULL)
        xmpp_free(ctx, text);
    return copy;
}
