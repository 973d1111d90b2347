/*
 * dir_chat.c - the chat interface: a message's body is a query, the
 * answer one line per match; "more" continues, "help" explains. The last
 * search of each requester (bare JID) is kept in memory, folded, so that
 * "more" can continue it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_handlers.h"
#include "dir_log.h"
#include "dir_stanza.h"
#include "dir_texts.h"

/* Room for one answer: a page of lines of four fields each. */
#define LINE_MAX_BYTES 1024

struct chat_ctx {
    xmpp_conn_t *conn;
    xmpp_stanza_t *msg;
    struct dir_app *app;
    const char *bare;
};

/* Sends TEXT as the body of a chat message in answer to C's message. */
static void send_text(struct chat_ctx *c, const char *text)
{
    xmpp_stanza_t *reply = dir_reply_new(c->msg, "chat");

    if (reply == NULL)
        return;
    if (dir_add_text_child(reply, "body", text) == NULL) {
        xmpp_stanza_release(reply);
        return;
    }
    dir_send_release(c->conn, reply);
}

/* Cuts blanks on both ends, in place. */
static char *trim(char *s)
{
    char *end;

    s += strspn(s, " \t\r\n");
    end = s + strlen(s);
    while (end > s && strchr(" \t\r\n", end[-1]) != NULL)
        *--end = '\0';
    return s;
}

static bool is_word(const char *text, const char *en, const char *ur)
{
    return strcasecmp(text, en) == 0 || strcmp(text, ur) == 0;
}

static bool append(char *out, size_t outlen, size_t *n, const char *text)
{
    size_t len = strlen(text);

    if (*n + len + 1 > outlen)
        return false;
    memcpy(out + *n, text, len + 1);
    *n += len;
    return true;
}

/* The status shown after a person who is not active, in both scripts;
 * NULL for active people. */
static const char *status_text(const char *status)
{
    if (strcmp(status, "on_leave") == 0)
        return DIR_T_ON_LEAVE;
    if (strcmp(status, "suspended") == 0)
        return DIR_T_SUSPENDED;
    if (strcmp(status, "retired") == 0)
        return DIR_T_RETIRED;
    return NULL;
}

/* Whether a chat line offers the person's address: not to people who can
 * no longer be written to (retired or suspended). */
static bool reachable(const char *status)
{
    return strcmp(status, "retired") != 0 && strcmp(status, "suspended") != 0;
}

/* "Name — نام, designation, office, city: xmpp:jid", with " (STATUS)"
 * after the city for people not active, and no link for people retired
 * or suspended. */
static bool append_entry(char *out, size_t outlen, size_t *n,
                         const struct dir_service *svc,
                         const struct st_dir_entry *e)
{
    char jid[3072], line[LINE_MAX_BYTES + 3072], link[3080] = "";
    const char *status = status_text(e->status);

    if (!dir_entry_address(svc, e, jid, sizeof(jid)))
        return false;
    if (reachable(e->status))
        snprintf(link, sizeof(link), ": xmpp:%s", jid);
    snprintf(line, sizeof(line), "%s%s — %s, %s, %s, %s%s%s%s%s",
             *n > 0 ? "\n" : "", e->name_en, e->name_ur, e->designation,
             e->unit_en, e->city_en, status != NULL ? " (" : "",
             status != NULL ? status : "", status != NULL ? ")" : "", link);
    return append(out, outlen, n, line);
}

static void send_page(struct chat_ctx *c, const struct st_dir_page *page)
{
    size_t outlen = (size_t)ST_DIR_PAGE_MAX * (LINE_MAX_BYTES + 3072) + 256;
    char *out = malloc(outlen);
    size_t i, n = 0;

    if (out == NULL)
        return;
    out[0] = '\0';
    for (i = 0; i < page->n; i++)
        if (!append_entry(out, outlen, &n, &c->app->svc, &page->entry[i]))
            break;
    if (page->n == 0)
        append(out, outlen, &n, DIR_T_NO_MATCH);
    else if (page->more)
        append(out, outlen, &n, "\n" DIR_T_MORE);
    send_text(c, out);
    free(out);
}

/* Runs STATE's search from its cursor, answers, and moves the cursor on
 * (or forgets the search after its last page). */
static void run(struct chat_ctx *c, struct dir_page_state *state)
{
    struct dir_service *svc = &c->app->svc;
    struct dir_outcome res = {0};
    struct st_dir_page *page = calloc(1, sizeof(*page));

    if (page == NULL)
        return;
    if (dir_service_take(svc, c->bare, &res) != DIR_OK ||
        dir_service_search(svc, &state->query, state->cursor,
                           svc->cfg->page_size, page, &res) != DIR_OK) {
        dir_send_outcome(c->conn, c->msg, svc, &res);
        free(page);
        return;
    }
    send_page(c, page);
    if (page->more && page->n > 0)
        snprintf(state->cursor, sizeof(state->cursor), "%s", page->last);
    else
        dir_pages_drop(c->app->chats, c->bare);
    st_dir_page_clear(page);
    free(page);
}

static void more(struct chat_ctx *c)
{
    struct dir_page_state *state;

    state = dir_pages_get(c->app->chats, c->bare, dir_now_ms());
    if (state == NULL) {
        send_text(c, DIR_T_NO_SEARCH);
        return;
    }
    run(c, state);
}

static void search(struct chat_ctx *c, const char *text)
{
    struct dir_request req = {text, NULL, NULL, NULL, NULL};
    struct dir_outcome res = {0};
    struct dir_query *q = malloc(sizeof(*q));
    struct dir_page_state *state;

    if (q == NULL)
        return;
    if (dir_query_parse(&req, q, &res) != DIR_OK) {
        dir_send_outcome(c->conn, c->msg, &c->app->svc, &res);
        free(q);
        return;
    }
    state = dir_pages_put(c->app->chats, c->bare, dir_now_ms());
    if (state != NULL) {
        state->query = *q;
        state->has_query = true;
        run(c, state);
    }
    free(q);
}

void dir_chat_handle(xmpp_conn_t *conn, xmpp_stanza_t *msg, struct dir_app *app)
{
    struct chat_ctx c = {conn, msg, app, NULL};
    struct dir_outcome res = {0};
    xmpp_stanza_t *body = xmpp_stanza_get_child_by_name(msg, "body");
    char bare[2100];
    char *raw, *text;
    bool too_long;

    res.status = dir_service_admit(&app->svc, xmpp_stanza_get_from(msg), bare,
                                   sizeof(bare));
    if (res.status != DIR_OK) {
        dir_send_outcome(conn, msg, &app->svc, &res);
        return;
    }
    c.bare = bare;
    raw = dir_text_of(xmpp_stanza_get_context(msg), body, &too_long);
    if (raw == NULL) {
        res.status = too_long ? DIR_EREFUSED : DIR_EINTERNAL;
        res.refusal = SO_DQUERY_TOO_LONG;
        dir_send_outcome(conn, msg, &app->svc, &res);
        return;
    }
    text = trim(raw);
    if (is_word(text, "help", "مدد") || strcmp(text, "?") == 0)
        send_text(&c, DIR_T_HELP);
    else if (is_word(text, "more", "مزید") || strcasecmp(text, "next") == 0)
        more(&c);
    else
        search(&c, text);
    free(raw);
}
