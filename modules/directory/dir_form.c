/*
 * dir_form.c - search and result forms (XEP-0004).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_form.h"
#include "dir_stanza.h"
#include "dir_texts.h"

void dir_fields_clear(struct dir_fields *f)
{
    char **v[] = {&f->q, &f->designation, &f->grade, &f->unit, &f->city};
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (*v[i] != NULL)
            free(*v[i]);
        *v[i] = NULL;
    }
}

void dir_fields_request(const struct dir_fields *f, struct dir_request *req)
{
    req->q = f->q;
    req->designation = f->designation;
    req->grade = f->grade;
    req->unit = f->unit;
    req->city = f->city;
}

xmpp_stanza_t *dir_form_add(xmpp_stanza_t *parent, const char *type,
                            const char *title, const char *instructions)
{
    xmpp_stanza_t *x = dir_add_child(parent, "x", DIR_NS_DATA);

    if (x == NULL || xmpp_stanza_set_type(x, type) != XMPP_EOK)
        return NULL;
    if (title != NULL && dir_add_text_child(x, "title", title) == NULL)
        return NULL;
    if (instructions != NULL &&
        dir_add_text_child(x, "instructions", instructions) == NULL)
        return NULL;
    return x;
}

/* Adds <field var type label><value/></field>; attributes that are NULL
 * are left out, and so is the value. */
static xmpp_stanza_t *add_field(xmpp_stanza_t *parent, const char *var,
                                const char *type, const char *label,
                                const char *value)
{
    xmpp_stanza_t *f = dir_add_child(parent, "field", NULL);

    if (f == NULL || xmpp_stanza_set_attribute(f, "var", var) != XMPP_EOK)
        return NULL;
    if (type != NULL && xmpp_stanza_set_type(f, type) != XMPP_EOK)
        return NULL;
    if (label != NULL &&
        xmpp_stanza_set_attribute(f, "label", label) != XMPP_EOK)
        return NULL;
    if (value != NULL && dir_add_text_child(f, "value", value) == NULL)
        return NULL;
    return f;
}

static bool add_option(xmpp_stanza_t *field, const char *label,
                       const char *value)
{
    xmpp_stanza_t *o = dir_add_child(field, "option", NULL);

    return o != NULL &&
           xmpp_stanza_set_attribute(o, "label", label) == XMPP_EOK &&
           dir_add_text_child(o, "value", value) != NULL;
}

static bool add_grades(xmpp_stanza_t *x)
{
    xmpp_stanza_t *f = add_field(x, "grade", "list-single", DIR_L_GRADE, NULL);
    char label[64], value[8];
    int g;

    if (f == NULL)
        return false;
    for (g = 1; g <= 22; g++) {
        snprintf(label, sizeof(label), "BPS-%d — گریڈ %d", g, g);
        snprintf(value, sizeof(value), "%d", g);
        if (!add_option(f, label, value))
            return false;
    }
    return true;
}

static bool add_cities(xmpp_stanza_t *x, const struct dir_service *svc)
{
    xmpp_stanza_t *f;
    char label[512];
    size_t i;

    if (svc->ncities == 0)
        return add_field(x, "city", "text-single", DIR_L_CITY, NULL) != NULL;
    f = add_field(x, "city", "list-single", DIR_L_CITY, NULL);
    if (f == NULL)
        return false;
    for (i = 0; i < svc->ncities; i++) {
        const struct dir_city *c = &svc->city[i];

        snprintf(label, sizeof(label), "%s — %s", c->name_en, c->name_ur);
        if (!add_option(f, label, c->code))
            return false;
    }
    return true;
}

bool dir_form_search_fields(xmpp_stanza_t *x, const struct dir_service *svc,
                            bool with_unit)
{
    if (add_field(x, "FORM_TYPE", "hidden", NULL, DIR_NS_SEARCH) == NULL ||
        add_field(x, "q", "text-single", DIR_L_Q, NULL) == NULL ||
        add_field(x, "designation", "text-single", DIR_L_DESIGNATION, NULL) ==
            NULL ||
        !add_grades(x))
        return false;
    if (with_unit &&
        add_field(x, "unit", "text-single", DIR_L_UNIT, NULL) == NULL)
        return false;
    return add_cities(x, svc);
}

static const struct {
    const char *var;
    const char *type;
    const char *label;
} result_fields[] = {
    {"jid", "jid-single", DIR_L_JID},
    {"name", "text-single", DIR_L_NAME},
    {"name_ur", "text-single", DIR_L_NAME_UR},
    {"designation", "text-single", DIR_L_DESIGNATION},
    {"grade", "text-single", DIR_L_GRADE},
    {"office", "text-single", DIR_L_OFFICE},
    {"city", "text-single", DIR_L_CITY},
    {"phone", "text-single", DIR_L_PHONE},
    {"email", "text-single", DIR_L_EMAIL},
    {"status", "text-single", DIR_L_STATUS},
};

#define NRESULT_FIELDS (sizeof(result_fields) / sizeof(result_fields[0]))

static bool add_item(xmpp_stanza_t *x, const struct dir_service *svc,
                     const struct st_dir_entry *e)
{
    xmpp_stanza_t *item = dir_add_child(x, "item", NULL);
    char jid[3072], grade[8];
    const char *values[NRESULT_FIELDS];
    size_t i;

    if (item == NULL || !dir_entry_address(svc, e, jid, sizeof(jid)))
        return false;
    snprintf(grade, sizeof(grade), "%d", e->bps);
    values[0] = jid;
    values[1] = e->name_en;
    values[2] = e->name_ur;
    values[3] = e->designation;
    values[4] = grade;
    values[5] = e->unit_en;
    values[6] = e->city_en;
    values[7] = e->office_phone;
    values[8] = e->email;
    values[9] = e->status;
    for (i = 0; i < NRESULT_FIELDS; i++)
        if (add_field(item, result_fields[i].var, NULL, NULL, values[i]) ==
            NULL)
            return false;
    return true;
}

bool dir_form_results(xmpp_stanza_t *x, const struct dir_service *svc,
                      const struct st_dir_page *page)
{
    xmpp_stanza_t *reported = dir_add_child(x, "reported", NULL);
    size_t i;

    if (reported == NULL)
        return false;
    for (i = 0; i < NRESULT_FIELDS; i++)
        if (add_field(reported, result_fields[i].var, result_fields[i].type,
                      result_fields[i].label, NULL) == NULL)
            return false;
    for (i = 0; i < page->n; i++)
        if (!add_item(x, svc, &page->entry[i]))
            return false;
    return true;
}

/* The slot of F for field VAR, or NULL for a field we do not read. */
static char **slot_of(struct dir_fields *f, const char *var)
{
    if (strcmp(var, "q") == 0)
        return &f->q;
    if (strcmp(var, "designation") == 0)
        return &f->designation;
    if (strcmp(var, "grade") == 0)
        return &f->grade;
    if (strcmp(var, "unit") == 0)
        return &f->unit;
    if (strcmp(var, "city") == 0)
        return &f->city;
    return NULL;
}

/* The only <value> of FIELD, NULL when there is none; *BAD when there
 * are several. */
static xmpp_stanza_t *only_value(xmpp_stanza_t *field, bool *bad)
{
    xmpp_stanza_t *c, *value = NULL;

    for (c = xmpp_stanza_get_children(field); c != NULL;
         c = xmpp_stanza_get_next(c)) {
        const char *name = xmpp_stanza_get_name(c);

        if (!xmpp_stanza_is_tag(c) || name == NULL ||
            strcmp(name, "value") != 0)
            continue;
        if (value != NULL)
            *bad = true;
        value = c;
    }
    return value;
}

static enum dir_status read_field(xmpp_ctx_t *ctx, xmpp_stanza_t *field,
                                  struct dir_fields *f, bool *form_type_bad)
{
    const char *var = xmpp_stanza_get_attribute(field, "var");
    xmpp_stanza_t *value;
    bool bad = false, too_long;
    char **slot, *text;

    if (var == NULL)
        return DIR_EBADREQ; /* XEP-0004 §3.2: submitted fields have a var */
    value = only_value(field, &bad);
    if (bad)
        return DIR_EBADREQ;
    if (strcmp(var, "FORM_TYPE") == 0) {
        text = value != NULL ? dir_text_of(ctx, value, &too_long) : NULL;
        *form_type_bad = text == NULL || strcmp(text, DIR_NS_SEARCH) != 0;
        if (text != NULL)
            free(text);
        return DIR_OK;
    }
    slot = slot_of(f, var);
    if (slot == NULL || value == NULL)
        return DIR_OK;
    if (*slot != NULL)
        return DIR_EBADREQ;
    *slot = dir_text_of(ctx, value, &too_long);
    if (*slot == NULL)
        return too_long ? DIR_EREFUSED : DIR_EINTERNAL;
    return DIR_OK;
}

enum dir_status dir_form_read(xmpp_ctx_t *ctx, xmpp_stanza_t *x,
                              struct dir_fields *f)
{
    const char *type = xmpp_stanza_get_type(x);
    xmpp_stanza_t *c;
    bool form_type_bad = false;
    enum dir_status st;

    f->ctx = ctx;
    if (type == NULL || strcmp(type, "submit") != 0)
        return DIR_EBADREQ;
    for (c = xmpp_stanza_get_children(x); c != NULL;
         c = xmpp_stanza_get_next(c)) {
        const char *name = xmpp_stanza_get_name(c);

        if (!xmpp_stanza_is_tag(c) || name == NULL ||
            strcmp(name, "field") != 0)
            continue;
        st = read_field(ctx, c, f, &form_type_bad);
        if (st != DIR_OK)
            return st;
    }
    return form_type_bad ? DIR_EBADREQ : DIR_OK;
}
