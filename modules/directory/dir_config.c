/*
 * dir_config.c - read the component's configuration file.
 *
 * Syntax: one "name = value" per line; '#' starts a comment outside
 * quotes; blank lines are skipped; a value is bare text (trailing space
 * cut) or one double-quoted string in which \" and \\ stand for " and \.
 * A UTF-8 byte order mark before the first line is skipped. Each option
 * may appear once. Values are checked by so_option_parse(), so a value
 * means what the option table says.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_config.h"
#include "so_confline.h"
#include "so_options.h"

#define OPTIONS_MAX 32

struct config_reader {
    const struct so_option_set *set;
    const char *path;
    unsigned long lineno;
    unsigned long seen[OPTIONS_MAX]; /* line of each option, 0: unset */
    char *errbuf;
    size_t errlen;
};

static int fail_line(struct config_reader *r, const char *why)
{
    snprintf(r->errbuf, r->errlen, "%s:%lu: %s", r->path, r->lineno, why);
    return -1;
}

static int fail_file(struct config_reader *r, const char *why)
{
    snprintf(r->errbuf, r->errlen, "%s: %s", r->path, why);
    return -1;
}

/* This file's wording of what so_confline_split() refused. */
static const char *fault_text(enum so_confline_fault fault)
{
    switch (fault) {
    case SO_CONFLINE_NO_NAME:
    case SO_CONFLINE_NO_EQUALS:
        return "expected 'name = value'";
    case SO_CONFLINE_OPEN_QUOTE:
        return "missing closing quote";
    case SO_CONFLINE_BAD_ESCAPE:
        return "unknown escape in a quoted value (only \\\" and \\\\)";
    case SO_CONFLINE_AFTER_QUOTE:
        return "text after the closing quote";
    case SO_CONFLINE_QUOTE_IN_BARE:
        return "a quote inside an unquoted value; quote the whole value";
    }
    return "bad line";
}

static int set_string(char **field, const char *value)
{
    char *copy = strdup(value);

    if (copy == NULL)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

static void lower_ascii(char *s)
{
    for (; *s != '\0'; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* Splits a list at commas and blanks into CFG's domains. */
static int set_domains(struct dir_config *cfg, const char *value,
                       const char **why)
{
    const char *p = value;

    while (cfg->ndomains > 0)
        free(cfg->domains[--cfg->ndomains]);
    while (*p != '\0') {
        size_t len;

        p += strspn(p, ", \t");
        len = strcspn(p, ", \t");
        if (len == 0)
            break;
        if (cfg->ndomains == DIR_DOMAINS_MAX) {
            *why = "domains: too many domains";
            return -1;
        }
        cfg->domains[cfg->ndomains] = strndup(p, len);
        if (cfg->domains[cfg->ndomains] == NULL) {
            *why = "out of memory";
            return -1;
        }
        lower_ascii(cfg->domains[cfg->ndomains++]);
        p += len;
    }
    return 0;
}

/* Stores option O's checked VALUE into CFG. */
static int store(struct dir_config *cfg, const struct so_option *o,
                 const char *value, const struct so_option_value *v,
                 const char **why)
{
    const char *n = o->name;

    *why = "out of memory";
    if (strcmp(n, "jid") == 0) {
        if (set_string(&cfg->jid, value) != 0)
            return -1;
        lower_ascii(cfg->jid);
        return 0;
    }
    if (strcmp(n, "secret") == 0)
        return set_string(&cfg->secret, value);
    if (strcmp(n, "server") == 0)
        return set_string(&cfg->server, value);
    if (strcmp(n, "db") == 0)
        return set_string(&cfg->db, value);
    if (strcmp(n, "org_name") == 0)
        return set_string(&cfg->org_name, value);
    if (strcmp(n, "domains") == 0)
        return set_domains(cfg, value, why);
    if (strcmp(n, "log_level") == 0)
        return dir_log_level_parse(value, &cfg->log_level) == 0 ? 0 : -1;
    *why = "value out of range";
    if (v->number > 1000000)
        return -1;
    if (strcmp(n, "port") == 0)
        cfg->port = (unsigned)v->number;
    else if (strcmp(n, "page_size") == 0)
        cfg->page_size = (unsigned)v->number;
    else if (strcmp(n, "rate_burst") == 0)
        cfg->rate_burst = (unsigned)v->number;
    else if (strcmp(n, "rate_per_minute") == 0)
        cfg->rate_per_minute = (unsigned)v->number;
    return 0;
}

/* Checks and applies one setting. */
static int apply(struct config_reader *r, struct dir_config *cfg,
                 const char *name, const char *value)
{
    const struct so_option *o = so_option_in(r->set, name);
    struct so_option_value v;
    char why[256];
    const char *swhy;
    size_t idx;

    if (o == NULL) {
        snprintf(why, sizeof(why), "unknown option '%s'", name);
        return fail_line(r, why);
    }
    idx = (size_t)(o - r->set->options);
    if (idx >= OPTIONS_MAX)
        return fail_line(r, "too many options in the table");
    if (r->seen[idx] != 0) {
        snprintf(why, sizeof(why), "option '%s' already set on line %lu", name,
                 r->seen[idx]);
        return fail_line(r, why);
    }
    r->seen[idx] = r->lineno;
    if (so_option_parse(r->set, o, value, &v, why, sizeof(why)) != SO_OK)
        return fail_line(r, why);
    if (store(cfg, o, value, &v, &swhy) != 0) {
        snprintf(why, sizeof(why), "%s: %s", name, swhy);
        return fail_line(r, why);
    }
    return 0;
}

/* Applies every option's default. */
static int apply_defaults(struct config_reader *r, struct dir_config *cfg)
{
    const struct so_option *o;
    struct so_option_value v;
    const char *why;

    cfg->log_level = DIR_LOG_INFO;
    for (o = r->set->options; o->name != NULL; o++) {
        if (o->def == NULL)
            continue;
        if (so_option_parse(r->set, o, o->def, &v, NULL, 0) != SO_OK ||
            store(cfg, o, o->def, &v, &why) != 0)
            return fail_file(r, "bad default in the option table");
    }
    return 0;
}

/* The line number of option NAME, 0 when the file does not set it. */
static unsigned long line_of(const struct config_reader *r, const char *name)
{
    const struct so_option *o = so_option_in(r->set, name);

    return o == NULL ? 0 : r->seen[o - r->set->options];
}

static int check_range(struct config_reader *r, const char *name,
                       unsigned value, unsigned lo, unsigned hi)
{
    char why[160];

    if (value >= lo && value <= hi)
        return 0;
    snprintf(why, sizeof(why), "%s: must be between %u and %u", name, lo, hi);
    r->lineno = line_of(r, name);
    return r->lineno != 0 ? fail_line(r, why) : fail_file(r, why);
}

/* The domain the component's address is under: JID minus its first
 * label. */
static int default_domains(struct config_reader *r, struct dir_config *cfg)
{
    const char *dot = strchr(cfg->jid, '.');

    if (dot == NULL || dot[1] == '\0') {
        r->lineno = line_of(r, "jid");
        return fail_line(r, "jid: has no parent domain; set 'domains'");
    }
    cfg->domains[0] = strdup(dot + 1);
    if (cfg->domains[0] == NULL)
        return fail_file(r, "out of memory");
    cfg->ndomains = 1;
    return 0;
}

/* Checks what no single line can: required options and ranges. */
static int check_whole(struct config_reader *r, struct dir_config *cfg)
{
    if (cfg->jid == NULL || cfg->jid[0] == '\0')
        return fail_file(r, "jid: not set (the component's address)");
    if (strpbrk(cfg->jid, "@/ \t") != NULL) {
        r->lineno = line_of(r, "jid");
        return fail_line(r, "jid: must be a bare domain, no '@' or '/'");
    }
    if (cfg->secret == NULL || cfg->secret[0] == '\0')
        return fail_file(r, "secret: not set (the component secret)");
    if (check_range(r, "port", cfg->port, 1, 65535) != 0 ||
        check_range(r, "page_size", cfg->page_size, 1, 100) != 0 ||
        check_range(r, "rate_burst", cfg->rate_burst, 1, 100000) != 0 ||
        check_range(r, "rate_per_minute", cfg->rate_per_minute, 1, 100000) != 0)
        return -1;
    if (cfg->ndomains == 0)
        return default_domains(r, cfg);
    return 0;
}

static int read_lines(struct config_reader *r, FILE *f, struct dir_config *cfg)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = -1;

    while ((got = getline(&line, &cap, f)) >= 0) {
        size_t len = (size_t)got;
        char *text = line, *name, *value;
        enum so_confline_fault fault;
        enum so_confline_kind kind;

        r->lineno++;
        if (so_confline_trim(line, &len) != 0) {
            fail_line(r, "NUL byte in line");
            goto out;
        }
        if (r->lineno == 1)
            text = so_confline_skip_bom(text);
        kind = so_confline_split(text, NULL, &name, &value, &fault);
        if (kind == SO_CONFLINE_BAD) {
            fail_line(r, fault_text(fault));
            goto out;
        }
        if (kind == SO_CONFLINE_SETTING && apply(r, cfg, name, value) != 0)
            goto out;
    }
    if (ferror(f)) {
        fail_file(r, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(line);
    return rc;
}

int dir_config_read(const char *path, struct dir_config *cfg, char *errbuf,
                    size_t errlen)
{
    struct config_reader r;
    FILE *f;
    int rc = -1;

    memset(&r, 0, sizeof(r));
    r.set = so_option_set_find("directory");
    r.path = path;
    r.errbuf = errbuf;
    r.errlen = errlen;
    if (r.set == NULL)
        return fail_file(&r, "no 'directory' option set in this build");
    if (apply_defaults(&r, cfg) != 0)
        return -1;
    f = fopen(path, "r");
    if (f == NULL)
        return fail_file(&r, strerror(errno));
    if (read_lines(&r, f, cfg) != 0)
        goto out_close;
    rc = check_whole(&r, cfg);
out_close:
    fclose(f);
    return rc;
}

void dir_config_clear(struct dir_config *cfg)
{
    free(cfg->jid);
    free(cfg->secret);
    free(cfg->server);
    free(cfg->db);
    free(cfg->org_name);
    while (cfg->ndomains > 0)
        free(cfg->domains[--cfg->ndomains]);
    memset(cfg, 0, sizeof(*cfg));
}
