/*
 * cli_check.c - smartoffice check: a dry run of the OMEMO policy.
 *
 * Each input file holds one stanza. It is parsed with the same builder the
 * corpus tests use and classified by the same core function the server
 * calls, so the answer here is the answer the server would give.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "so_omemo.h"
#include "so_xml.h"

struct check_args {
    const char *policy_file;
    bool fail_on_reject;
    int first_file; /* index of the first input in argv */
};

static void check_usage(FILE *out)
{
    fprintf(out,
            "usage: %s check [--host DOMAIN]... [--policy FILE] "
            "[--fail-on-reject] FILE...\n\n"
            "Classifies each stanza file as the server's OMEMO policy "
            "would and prints\none line per file, tab-separated:\n"
            "  allow | reject CONDITION, class, reason, file\n"
            "A file that cannot be read or is not well-formed XML gets an "
            "error on\nstderr (FILE:LINE:COLUMN: ...) instead of a line. "
            "'-' reads stdin.\n\n"
            "options:\n"
            "  --host DOMAIN     a domain this server serves "
            "(repeatable)\n"
            "  --policy FILE     'name = value' lines; see '%s "
            "options'\n"
            "                    (without it every option has its "
            "default)\n"
            "  --fail-on-reject  exit 3 when any message is refused\n"
            "  --help            this text\n\n"
            "exit status:\n"
            "  0  every file was classified, whatever the verdicts\n"
            "  1  some file could not be read or parsed (the others "
            "were classified)\n"
            "  2  bad arguments or a bad policy file; nothing was "
            "classified\n"
            "  3  with --fail-on-reject: every file was classified and "
            "some were refused\n",
            cli_progname, cli_progname);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "%s check: %s%s%s\n", cli_progname, what,
            arg != NULL ? " " : "", arg != NULL ? arg : "");
    fprintf(stderr, "try '%s check --help'\n", cli_progname);
    return CLI_EXIT_USAGE;
}

/* Parses the arguments into ARGS and the --host domains into POLICY.
 * Returns CLI_EXIT_OK, or another status when the command must stop (with
 * -1 meaning --help was printed). */
static int parse_args(int argc, char **argv, struct check_args *args,
                      struct so_policy *policy)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool missing = false;
        const char *v;

        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0)
            break;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            check_usage(stdout);
            return -1;
        }
        if (strcmp(a, "--fail-on-reject") == 0) {
            args->fail_on_reject = true;
            continue;
        }
        if ((v = cli_option_value(argc, argv, &i, "--host", &missing))) {
            if (*v == '\0')
                return usage_error("empty --host", NULL);
            if (so_policy_add_host(policy, v) != SO_OK)
                return usage_error("cannot add host", v);
            continue;
        }
        if (!missing &&
            (v = cli_option_value(argc, argv, &i, "--policy", &missing))) {
            args->policy_file = v;
            continue;
        }
        if (missing)
            return usage_error("missing value for", a);
        return usage_error("unknown option", a);
    }
    if (i >= argc)
        return usage_error("no stanza file given", NULL);
    args->first_file = i;
    return CLI_EXIT_OK;
}

/* Reads PATH ("-": stdin) into a malloc'd buffer of at most
 * SO_XML_MAX_BYTES. Returns 0, or -1 after printing why. */
static int read_input(const char *path, char **buf, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = SO_XML_MAX_BYTES + 1;
    char *data = NULL;
    int rc = -1;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        goto out;
    }
    data = malloc(cap);
    if (data == NULL) {
        fprintf(stderr, "%s: out of memory\n", path);
        goto out_close;
    }
    *len = fread(data, 1, cap, f);
    if (ferror(f)) {
        fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
        goto out_close;
    }
    if (*len > SO_XML_MAX_BYTES) {
        fprintf(stderr, "%s: larger than %d bytes; not a stanza\n", path,
                SO_XML_MAX_BYTES);
        goto out_close;
    }
    *buf = data;
    data = NULL;
    rc = 0;
out_close:
    free(data);
    if (f != stdin)
        fclose(f);
out:
    return rc;
}

static void print_verdict(const struct so_verdict *v, const char *path)
{
    const char *note = "";

    if (v->action == SO_REFUSE)
        printf("reject %s", so_cond_str(v->cond));
    else
        printf("allow");
    if (v->action == SO_REWRITE && (v->rewrite & SO_RW_FALLBACK_BODY))
        note = " (body replaced by fallback)";
    else if (v->action == SO_REWRITE && (v->rewrite & SO_RW_STRIP_TO_ERROR))
        note = " (stripped to its error)";
    else if (v->warn)
        note = " (warn: would be refused)";
    printf("\t%s\t%s%s\t%s\n", so_class_str(v->cls), so_reason_str(v->reason),
           note, path);
}

/* "FILE:LINE:COLUMN: not well-formed: ..." for a syntax error; a refused
 * feature (DOCTYPE, entities) or a limit is named as the core names it. */
static void print_parse_error(const char *path, enum so_err err,
                              const struct so_xml_error *xerr)
{
    const char *msg = xerr->msg[0] != '\0' ? xerr->msg : so_err_str(err);
    const char *prefix = "";

    if (err == SO_EPARSE && strstr(msg, "refused") == NULL &&
        strncmp(msg, "not well-formed", 15) != 0)
        prefix = "not well-formed: ";
    if (xerr->line > 0)
        fprintf(stderr, "%s:%lu:%lu: %s%s\n", path, xerr->line, xerr->column,
                prefix, msg);
    else
        fprintf(stderr, "%s: %s%s\n", path, prefix, msg);
}

/* Classifies one file. Returns 0 and sets *REFUSED, or -1 after printing
 * an error naming the file. */
static int check_file(const struct so_policy *policy, const char *path,
                      bool *refused)
{
    struct so_arena arena;
    struct so_xml_error xerr;
    const struct so_node *root = NULL;
    struct so_verdict v;
    char *buf = NULL;
    size_t len = 0;
    enum so_err err;
    int rc = -1;

    so_arena_init(&arena);
    if (read_input(path, &buf, &len) != 0)
        goto out;
    err = so_xml_parse(&arena, buf, len, &root, &xerr);
    if (err != SO_OK) {
        print_parse_error(path, err, &xerr);
        goto out_free;
    }
    so_omemo_classify(policy, root, &v);
    print_verdict(&v, path);
    *refused = v.action == SO_REFUSE;
    rc = 0;
out_free:
    free(buf);
    so_arena_free(&arena);
out:
    return rc;
}

int cli_check_main(int argc, char **argv)
{
    struct check_args args = {NULL, false, 0};
    struct so_policy *policy;
    char errbuf[512];
    bool any_failed = false, any_refused = false;
    int rc, i;

    policy = so_policy_new();
    if (policy == NULL) {
        fprintf(stderr, "%s check: out of memory\n", cli_progname);
        return CLI_EXIT_USAGE;
    }
    rc = parse_args(argc, argv, &args, policy);
    if (rc != CLI_EXIT_OK) {
        rc = rc < 0 ? CLI_EXIT_OK : rc;
        goto out;
    }
    if (args.policy_file != NULL &&
        cli_policy_read(policy, args.policy_file, errbuf, sizeof(errbuf)) !=
            0) {
        fprintf(stderr, "%s\n", errbuf);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    for (i = args.first_file; i < argc; i++) {
        bool refused = false;

        if (check_file(policy, argv[i], &refused) != 0)
            any_failed = true;
        any_refused = any_refused || refused;
        fflush(stdout);
    }
    if (any_failed)
        rc = CLI_EXIT_INPUT;
    else if (args.fail_on_reject && any_refused)
        rc = CLI_EXIT_REJECT;
    else
        rc = CLI_EXIT_OK;
out:
    so_policy_free(policy);
    return rc;
}
