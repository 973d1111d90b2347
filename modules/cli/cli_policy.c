/*
 * cli_policy.c - read a policy file: "name = value" lines.
 *
 * Names are those of so_options() (the Prosody option without its
 * "omemo_policy_" prefix). '#' starts a comment outside quotes; blank
 * lines are skipped. A value is either bare text up to the end of the line
 * or a comment (lists: words separated by commas and/or spaces), or one
 * double-quoted string in which \" and \\ stand for " and \. Each option
 * may appear once. A UTF-8 byte order mark before the first line is
 * skipped. Values are checked by so_policy_set(), so a file means
 * exactly what the same setting means in the Prosody config.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define PROSODY_PREFIX "omemo_policy_"
#define UTF8_BOM "\xef\xbb\xbf"

struct policy_line {
    char *name;
    char *value;
};

static char *skip_space(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Unquotes the string starting after the opening quote at S, in place.
 * Returns the character after the closing quote, or NULL with *WHY set. */
static char *unquote(char *s, const char **why)
{
    char *out = s;

    while (*s != '"') {
        if (*s == '\0') {
            *why = "missing closing quote";
            return NULL;
        }
        if (*s == '\\') {
            s++;
            if (*s != '"' && *s != '\\') {
                *why = "unknown escape in quoted value (only \\\" and \\\\)";
                return NULL;
            }
        }
        *out++ = *s++;
    }
    *out = '\0';
    return s + 1;
}

/* Reads a bare value: up to a comment or the end, trailing space cut. */
static int bare_value(char *s, const char **why)
{
    char *end = s + strcspn(s, "#");

    if (memchr(s, '"', (size_t)(end - s)) != NULL) {
        *why = "a quote inside an unquoted value; quote the whole value";
        return -1;
    }
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    return 0;
}

/*
 * Splits LINE (no newline) in place. Returns 1 with OUT filled for a
 * setting, 0 for a blank or comment line, -1 with *WHY for a bad line.
 */
static int split_line(char *line, struct policy_line *out, const char **why)
{
    char *s = skip_space(line);
    char *rest;

    if (*s == '\0' || *s == '#')
        return 0;
    out->name = s;
    while (is_name_char(*s))
        s++;
    if (s == out->name) {
        *why = "expected 'name = value'";
        return -1;
    }
    rest = skip_space(s);
    if (*rest != '=') {
        *why = "expected '=' after the option name";
        return -1;
    }
    *s = '\0';
    s = skip_space(rest + 1);
    out->value = s;
    if (*s != '"')
        return bare_value(s, why) == 0 ? 1 : -1;
    out->value = s + 1;
    s = unquote(s + 1, why);
    if (s == NULL)
        return -1;
    s = skip_space(s);
    if (*s != '\0' && *s != '#') {
        *why = "text after the closing quote";
        return -1;
    }
    return 1;
}

/* The text after a UTF-8 byte order mark at the start of LINE, which
 * some editors write at the start of a file. */
static char *skip_bom(char *line)
{
    return strncmp(line, UTF8_BOM, strlen(UTF8_BOM)) == 0
               ? line + strlen(UTF8_BOM)
               : line;
}

static void strip_newline(char *line, ssize_t *len)
{
    while (*len > 0 && (line[*len - 1] == '\n' || line[*len - 1] == '\r'))
        line[--*len] = '\0';
}

/* Checks NAME and applies VALUE; on failure writes the reason to ERRBUF. */
static int apply(struct so_policy *policy, const struct policy_line *pl,
                 unsigned long *seen, unsigned long lineno, char *errbuf,
                 size_t errlen)
{
    const struct so_option *opt = so_option_find(pl->name);
    size_t idx;

    if (opt == NULL) {
        const char *bare = pl->name + strlen(PROSODY_PREFIX);

        if (strncmp(pl->name, PROSODY_PREFIX, strlen(PROSODY_PREFIX)) == 0 &&
            so_option_find(bare) != NULL)
            snprintf(errbuf, errlen,
                     "unknown option '%s' (a policy file says '%s')", pl->name,
                     bare);
        else
            snprintf(errbuf, errlen,
                     "unknown option '%s' (see 'smartoffice options')",
                     pl->name);
        return -1;
    }
    idx = (size_t)(opt - so_options());
    if (seen[idx] != 0) {
        snprintf(errbuf, errlen, "option '%s' already set on line %lu",
                 pl->name, seen[idx]);
        return -1;
    }
    seen[idx] = lineno;
    if (so_policy_set(policy, pl->name, pl->value, errbuf, errlen) != SO_OK)
        return -1;
    return 0;
}

static size_t option_count(void)
{
    const struct so_option *o = so_options();
    size_t n = 0;

    while (o[n].name != NULL)
        n++;
    return n;
}

int cli_policy_read(struct so_policy *policy, const char *path, char *errbuf,
                    size_t errlen)
{
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0;
    unsigned long *seen = NULL;
    unsigned long lineno = 0;
    char why[256];
    ssize_t len;
    int rc = -1;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    seen = calloc(option_count() + 1, sizeof(*seen));
    if (seen == NULL) {
        snprintf(errbuf, errlen, "%s: out of memory", path);
        goto out_close;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        struct policy_line pl;
        const char *bad = NULL;
        int kind;

        lineno++;
        strip_newline(line, &len);
        if ((size_t)len != strlen(line)) {
            snprintf(errbuf, errlen, "%s:%lu: NUL byte in line", path, lineno);
            goto out_free;
        }
        kind = split_line(lineno == 1 ? skip_bom(line) : line, &pl, &bad);
        if (kind < 0) {
            snprintf(errbuf, errlen, "%s:%lu: %s", path, lineno, bad);
            goto out_free;
        }
        if (kind == 0)
            continue;
        if (apply(policy, &pl, seen, lineno, why, sizeof(why)) != 0) {
            snprintf(errbuf, errlen, "%s:%lu: %s", path, lineno, why);
            goto out_free;
        }
    }
    if (ferror(f)) {
        snprintf(errbuf, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out_free;
    }
    rc = 0;
out_free:
    free(line);
    free(seen);
out_close:
    fclose(f);
out:
    return rc;
}
