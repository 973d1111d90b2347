/*
 * dir_stanza.h - building replies and errors with libstrophe, and reading
 * untrusted stanzas safely.
 *
 * The add helpers attach what they create to PARENT, which owns it; they
 * return the new element, borrowed, or NULL when memory ran out (the
 * stanza is then incomplete and the caller sends an error instead).
 */
#ifndef DIR_STANZA_H
#define DIR_STANZA_H

#include <stdbool.h>
#include <strophe.h>

#include "dir_service.h"

#define DIR_NS_SEARCH "jabber:iq:search"
#define DIR_NS_RSM "http://jabber.org/protocol/rsm"
#define DIR_NS_COMMANDS "http://jabber.org/protocol/commands"
#define DIR_NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define DIR_NS_DISCO_ITEMS "http://jabber.org/protocol/disco#items"
#define DIR_NS_DATA "jabber:x:data"
#define DIR_NS_VCARD "vcard-temp"
#define DIR_NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

/* Longest text of one field we read from a stanza, in bytes. */
#define DIR_FIELD_MAX 1024

xmpp_stanza_t *dir_add_child(xmpp_stanza_t *parent, const char *name,
                             const char *ns);
/* <NAME>TEXT</NAME>; nothing inside when TEXT is NULL or "". */
xmpp_stanza_t *dir_add_text_child(xmpp_stanza_t *parent, const char *name,
                                  const char *text);

/* A reply to REQ of TYPE: same name and id, to and from swapped. The
 * caller owns it (xmpp_stanza_release). NULL when memory ran out. */
xmpp_stanza_t *dir_reply_new(xmpp_stanza_t *req, const char *type);

/* Sends REQ's reply of TYPE="result"-like REPLY and releases it. */
void dir_send_release(xmpp_conn_t *conn, xmpp_stanza_t *reply);

/* RFC 6120 §8.3: sends an error of TYPE and CONDITION with an English and
 * an Urdu text in answer to REQ. Never for a REQ of type error. */
void dir_send_error(xmpp_conn_t *conn, xmpp_stanza_t *req, const char *type,
                    const char *condition, const char *text_en,
                    const char *text_ur);

/* The same with an application-specific condition APP in APP_NS
 * (RFC 6120 §8.4), e.g. XEP-0050's <bad-sessionid/>. */
void dir_send_error_app(xmpp_conn_t *conn, xmpp_stanza_t *req, const char *type,
                        const char *condition, const char *app,
                        const char *app_ns, const char *text_en,
                        const char *text_ur);

/* Sends the error that stands for OUT's status (docs/modules/directory.md
 * #errors) and counts it in SVC. */
void dir_send_outcome(xmpp_conn_t *conn, xmpp_stanza_t *req,
                      struct dir_service *svc, const struct dir_outcome *out);

/* The text inside ELEM, owned by the caller (free), "" for none. NULL when
 * memory ran out or the text is longer than DIR_FIELD_MAX; *TOO_LONG says
 * which. */
char *dir_text_of(xmpp_ctx_t *ctx, xmpp_stanza_t *elem, bool *too_long);

#endif
