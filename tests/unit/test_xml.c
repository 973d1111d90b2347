/*
 * test_xml.c - the expat view builder: namespaces, attributes, text,
 * refused features and limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_xml.h"
#include "so_test.h"

static const struct {
    const char *xml;
    enum so_err err;
    unsigned long line; /* expected error line, 0: not checked */
    const char *msg;    /* expected substring of the error, or NULL */
} parse_cases[] = {
    {"<message xmlns='jabber:client'/>", SO_OK, 0, NULL},
    {"<?xml version='1.0'?>\n<message/>\n", SO_OK, 0, NULL},
    {"<message><body>x</message>", SO_EPARSE, 1, "mismatched tag"},
    {"<message/>\n<message/>", SO_EPARSE, 2, NULL},
    {"", SO_EPARSE, 0, NULL},
    {"<!DOCTYPE m>\n<m/>", SO_EPARSE, 1, "doctype"},
    {"<m>\n<?php x?></m>", SO_EPARSE, 2, "processing instructions"},
    {"<m>&ext;</m>", SO_EPARSE, 1, "undefined entity"},
};

START_TEST(test_parse_table)
{
    struct so_arena arena;
    struct so_xml_error xerr;
    const struct so_node *root = (const void *)1;
    enum so_err err;

    so_arena_init(&arena);
    err = so_xml_parse(&arena, parse_cases[_i].xml, strlen(parse_cases[_i].xml),
                       &root, &xerr);
    ck_assert_msg(err == parse_cases[_i].err, "'%s': expected %s, got %s (%s)",
                  parse_cases[_i].xml, so_err_str(parse_cases[_i].err),
                  so_err_str(err), xerr.msg);
    if (err != SO_OK)
        ck_assert_ptr_null(root);
    if (parse_cases[_i].line != 0)
        ck_assert_msg(xerr.line == parse_cases[_i].line,
                      "'%s': expected line %lu, got %lu", parse_cases[_i].xml,
                      parse_cases[_i].line, xerr.line);
    if (parse_cases[_i].msg != NULL)
        ck_assert_msg(strstr(xerr.msg, parse_cases[_i].msg) != NULL,
                      "'%s': expected '%s' in '%s'", parse_cases[_i].xml,
                      parse_cases[_i].msg, xerr.msg);
    so_arena_free(&arena);
}
END_TEST

START_TEST(test_view_shape)
{
    static const char xml[] =
        "<message xmlns='jabber:client' to='a@b' xml:lang='ur'>"
        "<body>one <![CDATA[two]]> &amp; three</body>"
        "<x:e xmlns:x='urn:x' x:k='v'>  </x:e></message>";
    struct so_arena arena;
    struct so_xml_error xerr;
    const struct so_node *root, *body, *e;

    so_arena_init(&arena);
    ck_assert_int_eq(so_xml_parse(&arena, xml, strlen(xml), &root, &xerr),
                     SO_OK);
    ck_assert_str_eq(root->name, "message");
    ck_assert_str_eq(root->ns, "jabber:client");
    ck_assert_str_eq(so_node_attr(root, "to"), "a@b");
    ck_assert_str_eq(so_node_attr(root, "xml:lang"), "ur");
    body = so_node_child(root, "body", "jabber:client");
    ck_assert_ptr_nonnull(body);
    ck_assert_str_eq(body->text, "one two & three");
    ck_assert_uint_eq(body->text_len, strlen("one two & three"));
    e = so_node_child(root, "e", "urn:x");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(so_node_attr(e, "k"), "v");
    ck_assert(!so_node_has_text(e));
    ck_assert_uint_eq(e->depth, 1);
    so_arena_free(&arena);
}
END_TEST

START_TEST(test_limits)
{
    struct so_arena arena;
    struct so_xml_error xerr;
    const struct so_node *root;
    size_t big = SO_XML_MAX_BYTES + 1, i, n = 0;
    char *buf = malloc(big);

    ck_assert_ptr_nonnull(buf);
    memset(buf, ' ', big);
    so_arena_init(&arena);
    ck_assert_int_eq(so_xml_parse(&arena, buf, big, &root, &xerr), SO_ELIMIT);
    /* Too many elements side by side. */
    n += (size_t)sprintf(buf, "<m>");
    for (i = 0; i < SO_VIEW_MAX_NODES + 1; i++)
        n += (size_t)sprintf(buf + n, "<a/>");
    n += (size_t)sprintf(buf + n, "</m>");
    ck_assert_int_eq(so_xml_parse(&arena, buf, n, &root, &xerr), SO_ELIMIT);
    so_arena_free(&arena);
    free(buf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xml");
    TCase *tc = tcase_create("xml");

    tcase_add_loop_test(tc, test_parse_table, 0, SO_TEST_COUNT(parse_cases));
    tcase_add_test(tc, test_view_shape);
    tcase_add_test(tc, test_limits);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
