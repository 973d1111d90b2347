/*
 * so_xml.c - one stanza from text to a view, with expat.
 *
 * Names arrive from expat as "<namespace-uri> <local-name>" (a space is the
 * separator: it cannot occur in a local name, so the last space splits).
 * Character data of an element may arrive in many chunks; it is gathered
 * in a per-depth buffer and copied into the arena when the element ends.
 */
#include "so_xml.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_SEP ' '
#define XML_NS "http://www.w3.org/XML/1998/namespace"

struct text_buf {
    char *data; /* malloc'd, owned by the parse state */
    size_t len;
    size_t cap;
};

struct parse_state {
    XML_Parser parser;
    struct so_arena *arena;
    struct so_node *root;
    struct so_node *cur;
    struct text_buf text[SO_VIEW_MAX_DEPTH];
    enum so_err err;
    struct so_xml_error *xerr;
};

static void fail(struct parse_state *st, enum so_err err, const char *msg)
{
    if (st->err != SO_OK)
        return;
    st->err = err;
    st->xerr->line = XML_GetCurrentLineNumber(st->parser);
    st->xerr->column = XML_GetCurrentColumnNumber(st->parser) + 1;
    snprintf(st->xerr->msg, sizeof(st->xerr->msg), "%s", msg);
    XML_StopParser(st->parser, XML_FALSE);
}

/* Splits an expat name into namespace and local name, both in the arena.
 * A namespace equal to SAME (the parent's, or NULL) is that very string,
 * as in a Prosody stanza, so the classifier compares pointers. */
static bool split_name(struct parse_state *st, const char *qname,
                       const char *same, const char **ns, const char **local)
{
    const char *sep = strrchr(qname, NS_SEP);
    size_t ns_len = sep != NULL ? (size_t)(sep - qname) : 0;

    if (sep == NULL) {
        *ns = "";
        *local = so_arena_strndup(st->arena, qname, strlen(qname));
        return *local != NULL;
    }
    if (same != NULL && strncmp(same, qname, ns_len) == 0 &&
        same[ns_len] == '\0')
        *ns = same;
    else
        *ns = so_arena_strndup(st->arena, qname, ns_len);
    *local = so_arena_strndup(st->arena, sep + 1, strlen(sep + 1));
    return *ns != NULL && *local != NULL;
}

static const char *attr_name(struct parse_state *st, const char *qname)
{
    const char *ns, *local;

    if (!split_name(st, qname, NULL, &ns, &local))
        return NULL;
    if (strcmp(ns, XML_NS) == 0 && strcmp(local, "lang") == 0)
        return "xml:lang";
    return local;
}

static void XMLCALL on_start(void *data, const XML_Char *name,
                             const XML_Char **attrs)
{
    struct parse_state *st = data;
    struct so_node *node;
    enum so_err err;
    size_t i;

    if (st->err != SO_OK)
        return;
    node = so_view_node_new(st->arena, st->cur, &err);
    if (node == NULL) {
        fail(st, err,
             err == SO_ELIMIT ? "stanza nested too deeply or too many elements"
                              : "out of memory");
        return;
    }
    if (!split_name(st, name, st->cur != NULL ? st->cur->ns : NULL, &node->ns,
                    &node->name))
        goto nomem;
    for (i = 0; attrs[i] != NULL; i += 2) {
        const char *an = attr_name(st, attrs[i]);
        const char *av =
            so_arena_strndup(st->arena, attrs[i + 1], strlen(attrs[i + 1]));

        if (an == NULL || av == NULL ||
            so_view_attr_add(st->arena, node, an, av) != SO_OK)
            goto nomem;
    }
    if (st->root == NULL)
        st->root = node;
    st->cur = node;
    st->text[node->depth].len = 0;
    return;
nomem:
    fail(st, SO_ENOMEM, "out of memory");
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    struct parse_state *st = data;
    struct so_node *node = st->cur;
    struct text_buf *tb;

    (void)name;
    if (st->err != SO_OK || node == NULL)
        return;
    tb = &st->text[node->depth];
    if (tb->len > 0) {
        char *copy = so_arena_strndup(st->arena, tb->data, tb->len);

        if (copy == NULL) {
            fail(st, SO_ENOMEM, "out of memory");
            return;
        }
        node->text = copy;
        node->text_len = tb->len;
        tb->len = 0;
    }
    st->cur = (struct so_node *)node->parent;
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
    struct parse_state *st = data;
    struct text_buf *tb;

    if (st->err != SO_OK || st->cur == NULL || len <= 0)
        return;
    tb = &st->text[st->cur->depth];
    if (tb->len + (size_t)len > tb->cap) {
        size_t cap = tb->cap == 0 ? 256 : tb->cap;
        char *grown;

        while (cap < tb->len + (size_t)len)
            cap *= 2;
        grown = realloc(tb->data, cap);
        if (grown == NULL) {
            fail(st, SO_ENOMEM, "out of memory");
            return;
        }
        tb->data = grown;
        tb->cap = cap;
    }
    memcpy(tb->data + tb->len, s, (size_t)len);
    tb->len += (size_t)len;
}

static void XMLCALL on_doctype(void *data, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    /* RFC 6120 §11.1: XMPP forbids DTDs; so do we. */
    fail(data, SO_EPARSE, "doctype declarations are refused");
}

static void XMLCALL on_entity(void *data, const XML_Char *name, int is_param,
                              const XML_Char *value, int value_len,
                              const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    fail(data, SO_EPARSE, "entity declarations are refused");
}

static void XMLCALL on_pi(void *data, const XML_Char *target,
                          const XML_Char *pidata)
{
    (void)target;
    (void)pidata;
    /* RFC 6120 §11.1: no processing instructions in XMPP. */
    fail(data, SO_EPARSE, "processing instructions are refused");
}

enum so_err so_xml_parse(struct so_arena *arena, const char *buf, size_t len,
                         const struct so_node **root, struct so_xml_error *err)
{
    struct parse_state st;
    enum so_err rc;
    size_t i;

    memset(&st, 0, sizeof(st));
    memset(err, 0, sizeof(*err));
    *root = NULL;
    if (len > SO_XML_MAX_BYTES) {
        snprintf(err->msg, sizeof(err->msg), "stanza larger than %d bytes",
                 SO_XML_MAX_BYTES);
        return SO_ELIMIT;
    }
    st.arena = arena;
    st.xerr = err;
    st.parser = XML_ParserCreateNS("UTF-8", NS_SEP);
    if (st.parser == NULL) {
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return SO_ENOMEM;
    }
    XML_SetUserData(st.parser, &st);
    XML_SetElementHandler(st.parser, on_start, on_end);
    XML_SetCharacterDataHandler(st.parser, on_text);
    XML_SetStartDoctypeDeclHandler(st.parser, on_doctype);
    XML_SetEntityDeclHandler(st.parser, on_entity);
    XML_SetProcessingInstructionHandler(st.parser, on_pi);
    XML_SetParamEntityParsing(st.parser, XML_PARAM_ENTITY_PARSING_NEVER);

    if (XML_Parse(st.parser, buf, (int)len, XML_TRUE) == XML_STATUS_ERROR &&
        st.err == SO_OK) {
        st.err = SO_EPARSE;
        err->line = XML_GetCurrentLineNumber(st.parser);
        err->column = XML_GetCurrentColumnNumber(st.parser) + 1;
        snprintf(err->msg, sizeof(err->msg), "%s",
                 XML_ErrorString(XML_GetErrorCode(st.parser)));
    }
    if (st.err == SO_OK && st.root == NULL) {
        st.err = SO_EPARSE;
        snprintf(err->msg, sizeof(err->msg), "no element");
    }
    rc = st.err;
    if (rc == SO_OK)
        *root = st.root;

    for (i = 0; i < SO_VIEW_MAX_DEPTH; i++)
        free(st.text[i].data);
    XML_ParserFree(st.parser);
    return rc;
}
