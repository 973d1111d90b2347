/*
 * dir_disco.c - service discovery (XEP-0030) of the component and of its
 * command node (XEP-0050 §2).
 */
#include <string.h>

#include "dir_handlers.h"
#include "dir_stanza.h"
#include "dir_texts.h"

static const char *const service_features[] = {
    DIR_NS_DISCO_INFO, DIR_NS_SEARCH, DIR_NS_RSM,
    DIR_NS_COMMANDS,   DIR_NS_VCARD,  DIR_NS_DATA,
};

static xmpp_stanza_t *add_identity(xmpp_stanza_t *q, const char *category,
                                   const char *type, const char *name)
{
    xmpp_stanza_t *id = dir_add_child(q, "identity", NULL);

    if (id == NULL || xmpp_stanza_set_attribute(id, "category", category) ||
        xmpp_stanza_set_type(id, type) ||
        xmpp_stanza_set_attribute(id, "name", name))
        return NULL;
    return id;
}

static int add_feature(xmpp_stanza_t *q, const char *var)
{
    xmpp_stanza_t *f = dir_add_child(q, "feature", NULL);

    return f != NULL ? xmpp_stanza_set_attribute(f, "var", var) : -1;
}

static int info_service(xmpp_stanza_t *q)
{
    size_t i;

    if (add_identity(q, "directory", "user", DIR_NAME) == NULL)
        return -1;
    for (i = 0; i < sizeof(service_features) / sizeof(service_features[0]); i++)
        if (add_feature(q, service_features[i]) != 0)
            return -1;
    return 0;
}

/* XEP-0050 §2.3: a command node is an automation/command-node. */
static int info_command(xmpp_stanza_t *q)
{
    if (add_identity(q, "automation", "command-node", DIR_T_COMMAND) == NULL ||
        add_feature(q, DIR_NS_COMMANDS) != 0 || add_feature(q, DIR_NS_DATA))
        return -1;
    return 0;
}

static int items(xmpp_stanza_t *q, const char *jid)
{
    xmpp_stanza_t *item = dir_add_child(q, "item", NULL);

    if (item == NULL || xmpp_stanza_set_attribute(item, "jid", jid) ||
        xmpp_stanza_set_attribute(item, "node", DIR_COMMAND_NODE) ||
        xmpp_stanza_set_attribute(item, "name", DIR_T_COMMAND))
        return -1;
    return 0;
}

void dir_disco_handle(xmpp_conn_t *conn, xmpp_stanza_t *iq,
                      xmpp_stanza_t *query, struct dir_app *app)
{
    const char *ns = xmpp_stanza_get_ns(query);
    const char *node = xmpp_stanza_get_attribute(query, "node");
    const char *type = xmpp_stanza_get_type(iq);
    bool info = strcmp(ns, DIR_NS_DISCO_INFO) == 0;
    xmpp_stanza_t *reply, *q;
    int rc;

    if (strcmp(type, "get") != 0) {
        dir_send_error(conn, iq, "cancel", "not-allowed", DIR_E_UNSUPPORTED_EN,
                       DIR_E_UNSUPPORTED_UR);
        return;
    }
    reply = dir_reply_new(iq, "result");
    q = dir_add_child(reply, "query", ns);
    if (q == NULL)
        goto fail;
    if (node != NULL)
        xmpp_stanza_set_attribute(q, "node", node);
    if (info && node == NULL)
        rc = info_service(q);
    else if (info && strcmp(node, DIR_COMMAND_NODE) == 0)
        rc = info_command(q);
    else if (!info && (node == NULL || strcmp(node, DIR_NS_COMMANDS) == 0))
        rc = items(q, app->svc.cfg->jid);
    else if (!info && strcmp(node, DIR_COMMAND_NODE) == 0)
        rc = 0; /* a command node has no items */
    else
        goto not_found;
    if (rc != 0)
        goto fail;
    dir_send_release(conn, reply);
    return;
not_found:
    /* XEP-0030 §3.1: an unknown node is item-not-found */
    xmpp_stanza_release(reply);
    dir_send_error(conn, iq, "cancel", "item-not-found", DIR_E_NOENT_EN,
                   DIR_E_NOENT_UR);
    return;
fail:
    if (reply != NULL)
        xmpp_stanza_release(reply);
    dir_send_error(conn, iq, "wait", "resource-constraint", DIR_E_INTERNAL_EN,
                   DIR_E_INTERNAL_UR);
}
