/*
 * dir_form.h - the data forms (XEP-0004) of the search (XEP-0055) and of
 * the ad-hoc command (XEP-0050): the search form, the result form, and
 * reading a submitted form.
 */
#ifndef DIR_FORM_H
#define DIR_FORM_H

#include <stdbool.h>
#include <strophe.h>

#include "dir_service.h"

/* Text fields of a request as received, owned (xmpp_free); NULL where
 * absent. */
struct dir_fields {
    xmpp_ctx_t *ctx;
    char *q;
    char *designation;
    char *grade;
    char *unit;
    char *city;
};

void dir_fields_clear(struct dir_fields *f);
/* Points REQ's fields at F's texts (borrowed from F). */
void dir_fields_request(const struct dir_fields *f, struct dir_request *req);

/* Adds <x xmlns='jabber:x:data' type=TYPE> with an optional title and
 * instructions under PARENT. Borrowed; NULL when memory ran out. */
xmpp_stanza_t *dir_form_add(xmpp_stanza_t *parent, const char *type,
                            const char *title, const char *instructions);

/* Adds the fields of the search form to X: FORM_TYPE jabber:iq:search,
 * q, designation, grade, unit (when WITH_UNIT), city (a list of SVC's
 * cities, or free text when none could be read). False when memory ran
 * out. */
bool dir_form_search_fields(xmpp_stanza_t *x, const struct dir_service *svc,
                            bool with_unit);

/* Adds PAGE to the result form X: <reported> and one <item> per entry.
 * False when memory ran out. */
bool dir_form_results(xmpp_stanza_t *x, const struct dir_service *svc,
                      const struct st_dir_page *page);

/*
 * Reads the submitted form X (type submit; a FORM_TYPE, when present,
 * must be jabber:iq:search) into *F (zeroed by the caller, freed with
 * dir_fields_clear whatever the result). Fields of other names are
 * ignored. Returns DIR_OK, DIR_EBADREQ (a second field of one name, a
 * field with several values), DIR_EREFUSED (a value longer than
 * DIR_FIELD_MAX: the caller's refusal is SO_DQUERY_TOO_LONG), or
 * DIR_EINTERNAL when memory ran out.
 */
enum dir_status dir_form_read(xmpp_ctx_t *ctx, xmpp_stanza_t *x,
                              struct dir_fields *f);

#endif
