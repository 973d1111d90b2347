/*
 * dir_vcard.c - vcard-temp (XEP-0054) of directory entries, at
 * EMPLOYEE_NO@<component> (lower-cased, XEP-0106 escaped), and of the
 * component itself.
 */
#include <stdio.h>
#include <string.h>

#include "dir_handlers.h"
#include "dir_stanza.h"
#include "dir_texts.h"
#include "so_jid.h"

/* <NAME><TYPE/>...<FIELD>TEXT</FIELD></NAME>, left out when TEXT is "". */
static bool add_typed(xmpp_stanza_t *vc, const char *name,
                      const char *const *types, const char *field,
                      const char *text)
{
    xmpp_stanza_t *e;

    if (text[0] == '\0')
        return true;
    e = dir_add_child(vc, name, NULL);
    if (e == NULL)
        return false;
    for (; *types != NULL; types++)
        if (dir_add_child(e, *types, NULL) == NULL)
            return false;
    return dir_add_text_child(e, field, text) != NULL;
}

static bool add_if(xmpp_stanza_t *vc, const char *name, const char *text)
{
    return text[0] == '\0' || dir_add_text_child(vc, name, text) != NULL;
}

static bool fill(xmpp_stanza_t *vc, const struct dir_service *svc,
                 const struct st_dir_entry *e)
{
    static const char *const tel[] = {"WORK", "VOICE", NULL};
    static const char *const email[] = {"INTERNET", NULL};
    static const char *const adr[] = {"WORK", NULL};
    xmpp_stanza_t *org;
    char jid[3072];

    if (!dir_entry_address(svc, e, jid, sizeof(jid)))
        return false;
    org = dir_add_child(vc, "ORG", NULL);
    return add_if(vc, "FN", e->name_en) && add_if(vc, "NICKNAME", e->name_ur) &&
           add_if(vc, "TITLE", e->designation) && org != NULL &&
           dir_add_text_child(org, "ORGNAME", svc->cfg->org_name) != NULL &&
           add_if(org, "ORGUNIT", e->unit_en) &&
           add_typed(vc, "TEL", tel, "NUMBER", e->office_phone) &&
           add_typed(vc, "EMAIL", email, "USERID", e->email) &&
           add_typed(vc, "ADR", adr, "LOCALITY", e->city_en) &&
           add_if(vc, "JABBERID", jid);
}

static void service_vcard(xmpp_conn_t *conn, xmpp_stanza_t *iq)
{
    xmpp_stanza_t *reply = dir_reply_new(iq, "result");
    xmpp_stanza_t *vc = dir_add_child(reply, "vCard", DIR_NS_VCARD);

    if (vc == NULL || dir_add_text_child(vc, "FN", DIR_NAME) == NULL) {
        if (reply != NULL)
            xmpp_stanza_release(reply);
        return;
    }
    dir_send_release(conn, reply);
}

static void entry_vcard(xmpp_conn_t *conn, xmpp_stanza_t *iq,
                        struct dir_app *app, const struct so_jid *to,
                        const char *bare)
{
    struct dir_outcome res = {0};
    struct st_dir_entry e;
    char employee_no[40];
    xmpp_stanza_t *reply, *vc;

    memset(&e, 0, sizeof(e));
    if (!dir_employee_from_local(to->local, to->local_len, employee_no,
                                 sizeof(employee_no))) {
        res.status = DIR_ENOENT;
        dir_send_outcome(conn, iq, &app->svc, &res);
        return;
    }
    if (dir_service_take(&app->svc, bare, &res) != DIR_OK ||
        dir_service_entry(&app->svc, employee_no, &e, &res) != DIR_OK) {
        dir_send_outcome(conn, iq, &app->svc, &res);
        st_dir_entry_clear(&e);
        return;
    }
    reply = dir_reply_new(iq, "result");
    vc = dir_add_child(reply, "vCard", DIR_NS_VCARD);
    if (vc != NULL && fill(vc, &app->svc, &e)) {
        dir_send_release(conn, reply);
    } else {
        if (reply != NULL)
            xmpp_stanza_release(reply);
        res.status = DIR_EINTERNAL;
        dir_send_outcome(conn, iq, &app->svc, &res);
    }
    st_dir_entry_clear(&e);
}

void dir_vcard_handle(xmpp_conn_t *conn, xmpp_stanza_t *iq, struct dir_app *app)
{
    struct dir_outcome res = {0};
    struct so_jid to;
    char bare[2100];

    if (strcmp(xmpp_stanza_get_type(iq), "get") != 0) {
        dir_send_error(conn, iq, "cancel", "not-allowed", DIR_E_UNSUPPORTED_EN,
                       DIR_E_UNSUPPORTED_UR);
        return;
    }
    if (!so_jid_split(xmpp_stanza_get_to(iq), &to) || to.local_len == 0) {
        service_vcard(conn, iq);
        return;
    }
    res.status = dir_service_admit(&app->svc, xmpp_stanza_get_from(iq), bare,
                                   sizeof(bare));
    if (res.status != DIR_OK) {
        dir_send_outcome(conn, iq, &app->svc, &res);
        return;
    }
    entry_vcard(conn, iq, app, &to, bare);
}
