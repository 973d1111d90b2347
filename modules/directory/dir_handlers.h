/*
 * dir_handlers.h - the answers of the component, one file per protocol.
 *
 * Each handler gets a stanza addressed to the component, borrowed for the
 * call, that the dispatcher (dir_conn.c) has matched by element and
 * namespace; it answers with a result or an error and never trusts a
 * field of the stanza.
 */
#ifndef DIR_HANDLERS_H
#define DIR_HANDLERS_H

#include <strophe.h>

#include "dir_pages.h"
#include "dir_service.h"

#define DIR_COMMAND_NODE "search"

struct dir_app {
    struct dir_service svc;
    struct dir_pages *chats;    /* owned; keyed by bare JID */
    struct dir_pages *sessions; /* owned; ad-hoc sessions */
};

/* XEP-0030: QUERY is <query/> in disco#info or disco#items. */
void dir_disco_handle(xmpp_conn_t *conn, xmpp_stanza_t *iq,
                      xmpp_stanza_t *query, struct dir_app *app);

/* XEP-0055 with XEP-0059 paging: QUERY is <query xmlns='jabber:iq:search'>.
 */
void dir_search_handle(xmpp_conn_t *conn, xmpp_stanza_t *iq,
                       xmpp_stanza_t *query, struct dir_app *app);

/* XEP-0050: CMD is <command/> of an iq set. */
void dir_adhoc_handle(xmpp_conn_t *conn, xmpp_stanza_t *iq, xmpp_stanza_t *cmd,
                      struct dir_app *app);

/* XEP-0054: an iq with <vCard xmlns='vcard-temp'/>. */
void dir_vcard_handle(xmpp_conn_t *conn, xmpp_stanza_t *iq,
                      struct dir_app *app);

/* A message with a body: the chat interface. */
void dir_chat_handle(xmpp_conn_t *conn, xmpp_stanza_t *msg,
                     struct dir_app *app);

/* Reads the RSM request (XEP-0059) in PARENT, if any: *MAX (DEFAULT_MAX
 * when absent, at most ST_DIR_PAGE_MAX) and AFTER (a cursor, "" for the
 * start). DIR_OK, DIR_EBADREQ (also for a repeated <max/> or <after/>),
 * DIR_EBEFORE for <before/> or DIR_EINDEX for <index/>. */
enum dir_status dir_rsm_read(xmpp_stanza_t *parent, size_t default_max,
                             size_t *max, char *after, size_t afterlen);

#endif
