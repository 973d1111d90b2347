/*
 * test_corpus.c - every stanza in tests/corpus/ against its expected
 * verdict.
 *
 * Each fixture begins with one comment (after an optional XML declaration):
 *
 *   <!-- expect: ACTION CLASS REASON [warn] | policy: k=v; k=v | why: ... -->
 *   <!-- expect: parse-error | why: ... -->
 *   <!-- expect: limit | why: ... -->
 *
 * ACTION is so_action_str(), CLASS so_class_str(), REASON so_reason_str()
 * with spaces written as '-'. "warn" is present exactly when verdict.warn
 * is set. Policy keys are option names (list values separated by spaces),
 * applied over the defaults; the served hosts are always montague.lit,
 * capulet.lit and example.gov.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_omemo.h"
#include "so_xml.h"
#include "so_test.h"

#define MAX_FIXTURES 512

static char *names[MAX_FIXTURES];
static int n_names;
static const char *corpus_dir = "tests/corpus";

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_names(void)
{
    DIR *d = opendir(corpus_dir);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL && n_names < MAX_FIXTURES) {
        size_t l = strlen(e->d_name);

        if (l > 4 && strcmp(e->d_name + l - 4, ".xml") == 0)
            names[n_names++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n_names, sizeof(names[0]), cmp_names);
}

/* Reads the whole file; the caller frees the result. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)size + 1);
        if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        }
        if (buf != NULL) {
            buf[size] = '\0';
            *len = (size_t)size;
        }
    }
    fclose(f);
    return buf;
}

/* Copies the field after KEY up to " |" or " -->" into OUT. */
static void field(const char *head, const char *key, char *out, size_t cap)
{
    const char *p = strstr(head, key), *end;
    size_t n;

    out[0] = '\0';
    if (p == NULL)
        return;
    p += strlen(key);
    end = strstr(p, " |");
    if (end == NULL || (strstr(p, " -->") != NULL && strstr(p, " -->") < end))
        end = strstr(p, " -->");
    if (end == NULL)
        return;
    n = (size_t)(end - p);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void apply_policy(struct so_policy *policy, char *spec, const char *name)
{
    char *save = NULL, *item, err[160];

    for (item = strtok_r(spec, ";", &save); item != NULL;
         item = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(item, '=');

        while (*item == ' ')
            item++;
        ck_assert_msg(eq != NULL, "%s: bad policy item '%s'", name, item);
        *eq = '\0';
        ck_assert_msg(so_policy_set(policy, item, eq + 1, err, sizeof(err)) ==
                          SO_OK,
                      "%s: policy: %s", name, err);
    }
}

static void slug(char *s)
{
    for (; *s != '\0'; s++)
        if (*s == ' ')
            *s = '-';
}

static bool attr_is_read(const char *element, const char *attr)
{
    const struct so_attr_read *a;

    for (a = so_omemo_attrs_read(); a->element != NULL; a++)
        if (strcmp(a->element, element) == 0 && strcmp(a->attr, attr) == 0)
            return true;
    return false;
}

/* Drops from the view every attribute the classifier does not declare it
 * reads, as the Prosody binding builds its views. The view is ours. */
static void prune_attrs(struct so_node *n)
{
    const struct so_attr **link = &n->attrs;
    struct so_node *c;

    while (*link != NULL) {
        if (attr_is_read(n->name, (*link)->name))
            link = (const struct so_attr **)&(*link)->next;
        else
            *link = (*link)->next;
    }
    for (c = (struct so_node *)n->first_child; c != NULL;
         c = (struct so_node *)c->next)
        prune_attrs(c);
}

START_TEST(test_fixture)
{
    const char *name = names[_i];
    char path[512], expect[256], pol[512], got[256], reason[96];
    struct so_arena arena;
    struct so_xml_error xerr;
    const struct so_node *root;
    struct so_policy *policy;
    struct so_verdict v, pruned;
    enum so_err err;
    size_t len = 0;
    char *buf, *head;

    snprintf(path, sizeof(path), "%s/%s", corpus_dir, name);
    buf = read_file(path, &len);
    ck_assert_msg(buf != NULL, "%s: cannot read", name);
    head = strstr(buf, "<!-- expect: ");
    ck_assert_msg(head != NULL, "%s: no expect comment", name);
    field(head, "expect: ", expect, sizeof(expect));
    field(head, "| policy: ", pol, sizeof(pol));

    policy = so_policy_new();
    ck_assert_ptr_nonnull(policy);
    so_policy_add_host(policy, "montague.lit");
    so_policy_add_host(policy, "capulet.lit");
    so_policy_add_host(policy, "example.gov");
    apply_policy(policy, pol, name);

    so_arena_init(&arena);
    err = so_xml_parse(&arena, buf, len, &root, &xerr);
    if (err == SO_EPARSE)
        snprintf(got, sizeof(got), "parse-error");
    else if (err == SO_ELIMIT)
        snprintf(got, sizeof(got), "limit");
    else if (err != SO_OK)
        snprintf(got, sizeof(got), "%s", so_err_str(err));
    else {
        so_omemo_classify(policy, root, &v);
        snprintf(reason, sizeof(reason), "%s", so_reason_str(v.reason));
        slug(reason);
        snprintf(got, sizeof(got), "%s %s %s%s", so_action_str(v.action),
                 so_class_str(v.cls), reason, v.warn ? " warn" : "");

        /* The same verdict from the attributes so_omemo_attrs_read()
         * lists alone. */
        prune_attrs((struct so_node *)root);
        so_omemo_classify(policy, root, &pruned);
        ck_assert_msg(pruned.action == v.action && pruned.cls == v.cls &&
                          pruned.reason == v.reason &&
                          pruned.rewrite == v.rewrite,
                      "%s: with the declared attributes only:\n"
                      "  expected: %s %s %s\n  got:      %s %s %s",
                      name, so_action_str(v.action), so_class_str(v.cls),
                      so_reason_str(v.reason), so_action_str(pruned.action),
                      so_class_str(pruned.cls), so_reason_str(pruned.reason));
    }
    ck_assert_msg(strcmp(expect, got) == 0,
                  "%s:\n  expected: %s\n  got:      %s%s%s", name, expect, got,
                  err != SO_OK ? "\n  parser: " : "",
                  err != SO_OK ? xerr.msg : "");
    so_arena_free(&arena);
    so_policy_free(policy);
    free(buf);
}
END_TEST

int main(void)
{
    const char *dir = getenv("SO_CORPUS_DIR");
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("fixtures");

    if (dir != NULL)
        corpus_dir = dir;
    load_names();
    if (n_names < 60) {
        fprintf(stderr, "corpus: only %d fixtures in %s\n", n_names,
                corpus_dir);
        return 1;
    }
    tcase_add_loop_test(tc, test_fixture, 0, n_names);
    suite_add_tcase(s, tc);
    return so_test_run(s);
}
