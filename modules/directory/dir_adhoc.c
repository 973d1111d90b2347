/*
 * dir_adhoc.c - the ad-hoc command "search" (XEP-0050): execute returns
 * the search form; submitting it returns the first page as a result form,
 * with a "next" action while more pages follow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dir_form.h"
#include "dir_handlers.h"
#include "dir_log.h"
#include "dir_stanza.h"
#include "dir_texts.h"

/* Session ids: 16 random bytes in hex. */
#define SESSION_ID_LEN 32

struct command_ctx {
    xmpp_conn_t *conn;
    xmpp_stanza_t *iq;
    xmpp_stanza_t *cmd;
    struct dir_app *app;
    const char *bare;
    char sessionid[SESSION_ID_LEN + 1];
    char key[DIR_PAGES_KEY_MAX];
};

static bool new_session_id(char *out)
{
    unsigned char raw[SESSION_ID_LEN / 2];
    size_t i;

    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return false;
    for (i = 0; i < sizeof(raw); i++)
        sprintf(out + 2 * i, "%02x", raw[i]);
    return true;
}

/* Key of a session: its id and the full JID that owns it. */
static bool make_key(struct command_ctx *c)
{
    int n = snprintf(c->key, sizeof(c->key), "%s\n%s", c->sessionid,
                     xmpp_stanza_get_from(c->iq));

    return n > 0 && (size_t)n < sizeof(c->key);
}

static void command_error(struct command_ctx *c, const char *app)
{
    const char *en = DIR_E_BADREQ_EN, *ur = DIR_E_BADREQ_UR;

    if (app != NULL && strcmp(app, "bad-sessionid") == 0) {
        en = DIR_E_SESSION_EN;
        ur = DIR_E_SESSION_UR;
    }
    /* XEP-0050 §4.6: bad-request with a specific condition */
    dir_send_error_app(c->conn, c->iq, "modify", "bad-request", app,
                       DIR_NS_COMMANDS, en, ur);
}

/* The reply's <command/>, with STATUS and, when EXECUTE is not NULL,
 * <actions execute=EXECUTE><EXECUTE/></actions>. */
static xmpp_stanza_t *command_reply(struct command_ctx *c, xmpp_stanza_t *reply,
                                    const char *status, const char *execute)
{
    xmpp_stanza_t *cmd = dir_add_child(reply, "command", DIR_NS_COMMANDS);
    xmpp_stanza_t *actions;

    if (cmd == NULL ||
        xmpp_stanza_set_attribute(cmd, "node", DIR_COMMAND_NODE) ||
        xmpp_stanza_set_attribute(cmd, "sessionid", c->sessionid) ||
        xmpp_stanza_set_attribute(cmd, "status", status))
        return NULL;
    if (execute == NULL)
        return cmd;
    actions = dir_add_child(cmd, "actions", NULL);
    if (actions == NULL ||
        xmpp_stanza_set_attribute(actions, "execute", execute) ||
        dir_add_child(actions, execute, NULL) == NULL)
        return NULL;
    return cmd;
}

static bool add_note(xmpp_stanza_t *cmd, const char *text)
{
    xmpp_stanza_t *note = dir_add_text_child(cmd, "note", text);

    return note != NULL &&
           xmpp_stanza_set_attribute(note, "type", "info") == XMPP_EOK;
}

static void send_or_fail(struct command_ctx *c, xmpp_stanza_t *reply, bool ok)
{
    struct dir_outcome res = {DIR_EINTERNAL, SO_DQUERY_OK, 0, DIR_BAD_ANY};

    if (ok) {
        dir_send_release(c->conn, reply);
        return;
    }
    if (reply != NULL)
        xmpp_stanza_release(reply);
    dir_send_outcome(c->conn, c->iq, &c->app->svc, &res);
}

/* First step: the form. */
static void send_form(struct command_ctx *c)
{
    xmpp_stanza_t *reply = dir_reply_new(c->iq, "result");
    xmpp_stanza_t *cmd = command_reply(c, reply, "executing", "complete");
    xmpp_stanza_t *x;

    dir_service_cities(&c->app->svc);
    x = dir_form_add(cmd, "form", DIR_T_FORM_TITLE, DIR_T_INSTRUCTIONS);
    send_or_fail(c, reply,
                 x != NULL && dir_form_search_fields(x, &c->app->svc, false));
}

/* Runs the search of STATE from its cursor and answers with the page. */
static void send_page(struct command_ctx *c, struct dir_page_state *state)
{
    struct dir_service *svc = &c->app->svc;
    struct dir_outcome res = {0};
    struct st_dir_page *page = calloc(1, sizeof(*page));
    xmpp_stanza_t *reply = NULL, *cmd, *x;
    bool more, ok;

    res.status = DIR_EINTERNAL;
    if (page == NULL)
        goto fail;
    if (dir_service_take(svc, c->bare, &res) != DIR_OK ||
        dir_service_search(svc, &state->query, state->cursor,
                           svc->cfg->page_size, page, &res) != DIR_OK)
        goto fail;
    more = page->more && page->n > 0;
    reply = dir_reply_new(c->iq, "result");
    cmd = command_reply(c, reply, more ? "executing" : "completed",
                        more ? "next" : NULL);
    x = dir_form_add(cmd, "result", DIR_T_RESULT_TITLE, NULL);
    ok = x != NULL && dir_form_results(x, svc, page) &&
         add_note(cmd, more ? DIR_T_NEXT_PAGE : DIR_T_NO_MORE);
    if (more)
        snprintf(state->cursor, sizeof(state->cursor), "%s", page->last);
    else
        dir_pages_drop(c->app->sessions, c->key);
    send_or_fail(c, reply, ok);
    st_dir_page_clear(page);
    free(page);
    return;
fail:
    dir_send_outcome(c->conn, c->iq, svc, &res);
    free(page);
}

/* A submitted form: a new search in this session. */
static void submit(struct command_ctx *c, xmpp_stanza_t *x,
                   struct dir_page_state *state)
{
    struct dir_fields fields = {0};
    struct dir_request req;
    struct dir_outcome res = {0};

    res.status = dir_form_read(xmpp_stanza_get_context(c->iq), x, &fields);
    if (res.status == DIR_EREFUSED)
        res.refusal = SO_DQUERY_TOO_LONG;
    if (res.status == DIR_OK) {
        dir_fields_request(&fields, &req);
        dir_query_parse(&req, &state->query, &res);
    }
    dir_fields_clear(&fields);
    if (res.status != DIR_OK) {
        dir_send_outcome(c->conn, c->iq, &c->app->svc, &res);
        return;
    }
    state->has_query = true;
    state->cursor[0] = '\0';
    send_page(c, state);
}

static void cancel(struct command_ctx *c)
{
    xmpp_stanza_t *reply = dir_reply_new(c->iq, "result");
    xmpp_stanza_t *cmd = command_reply(c, reply, "canceled", NULL);

    dir_pages_drop(c->app->sessions, c->key);
    send_or_fail(c, reply, cmd != NULL && add_note(cmd, DIR_T_CANCELED));
}

/* A request that names a session. */
static void continue_session(struct command_ctx *c, const char *action,
                             xmpp_stanza_t *x)
{
    struct dir_page_state *state;

    state = dir_pages_get(c->app->sessions, c->key, dir_now_ms());
    if (state == NULL) {
        command_error(c, "bad-sessionid");
        return;
    }
    if (strcmp(action, "cancel") == 0) {
        cancel(c);
        return;
    }
    if (strcmp(action, "prev") == 0) {
        command_error(c, "bad-action");
        return;
    }
    if (x != NULL && strcmp(action, "next") != 0) {
        submit(c, x, state);
        return;
    }
    if (state->has_query && strcmp(action, "complete") != 0) {
        send_page(c, state);
        return;
    }
    command_error(c, "bad-payload");
}

static bool known_action(const char *action)
{
    static const char *const actions[] = {"execute", "cancel", "prev", "next",
                                          "complete"};
    size_t i;

    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(action, actions[i]) == 0)
            return true;
    return false;
}

static void start_session(struct command_ctx *c, const char *action,
                          xmpp_stanza_t *x)
{
    struct dir_page_state *state;

    if (strcmp(action, "execute") != 0 && strcmp(action, "complete") != 0) {
        command_error(c, "bad-action");
        return;
    }
    if (!new_session_id(c->sessionid) || !make_key(c)) {
        command_error(c, NULL);
        return;
    }
    state = dir_pages_put(c->app->sessions, c->key, dir_now_ms());
    if (state == NULL) {
        command_error(c, NULL);
        return;
    }
    if (x != NULL)
        submit(c, x, state);
    else
        send_form(c);
}

void dir_adhoc_handle(xmpp_conn_t *conn, xmpp_stanza_t *iq, xmpp_stanza_t *cmd,
                      struct dir_app *app)
{
    struct command_ctx c;
    struct dir_outcome res = {0};
    const char *node = xmpp_stanza_get_attribute(cmd, "node");
    const char *action = xmpp_stanza_get_attribute(cmd, "action");
    const char *sid = xmpp_stanza_get_attribute(cmd, "sessionid");
    char bare[2100];
    xmpp_stanza_t *x;

    memset(&c, 0, sizeof(c));
    if (node == NULL || strcmp(node, DIR_COMMAND_NODE) != 0) {
        res.status = DIR_ENOCOMMAND;
        dir_send_outcome(conn, iq, &app->svc, &res);
        return;
    }
    res.status = dir_service_admit(&app->svc, xmpp_stanza_get_from(iq), bare,
                                   sizeof(bare));
    if (res.status != DIR_OK) {
        dir_send_outcome(conn, iq, &app->svc, &res);
        return;
    }
    c.conn = conn;
    c.iq = iq;
    c.cmd = cmd;
    c.app = app;
    c.bare = bare;
    if (action == NULL)
        action = "execute";
    if (!known_action(action)) {
        command_error(&c, "malformed-action");
        return;
    }
    x = xmpp_stanza_get_child_by_name_and_ns(cmd, "x", DIR_NS_DATA);
    if (sid == NULL) {
        start_session(&c, action, x);
        return;
    }
    if (strlen(sid) != SESSION_ID_LEN) {
        command_error(&c, "bad-sessionid");
        return;
    }
    memcpy(c.sessionid, sid, SESSION_ID_LEN + 1);
    if (!make_key(&c)) {
        command_error(&c, "bad-sessionid");
        return;
    }
    continue_session(&c, action, x);
}
