/*
 * so_confline.c - split one "name = value" configuration line.
 */
#include <stdbool.h>
#include <string.h>

#include "so_confline.h"

#define UTF8_BOM "\xef\xbb\xbf"

static char *skip_blanks(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static bool is_name_char(char c, const char *extra)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '_')
        return true;
    return c != '\0' && extra != NULL && strchr(extra, c) != NULL;
}

/* Unquotes, in place, the value that starts after the quote at S. */
static enum so_confline_kind quoted_value(char *s,
                                          enum so_confline_fault *fault)
{
    char *out = s;

    for (; *s != '"'; s++) {
        if (*s == '\0') {
            *fault = SO_CONFLINE_OPEN_QUOTE;
            return SO_CONFLINE_BAD;
        }
        if (*s == '\\') {
            s++;
            if (*s != '"' && *s != '\\') {
                *fault = SO_CONFLINE_BAD_ESCAPE;
                return SO_CONFLINE_BAD;
            }
        }
        *out++ = *s;
    }
    *out = '\0';
    s = skip_blanks(s + 1);
    if (*s != '\0' && *s != '#') {
        *fault = SO_CONFLINE_AFTER_QUOTE;
        return SO_CONFLINE_BAD;
    }
    return SO_CONFLINE_SETTING;
}

/* Cuts a bare value at a comment and trailing blanks. */
static enum so_confline_kind bare_value(char *s, enum so_confline_fault *fault)
{
    char *end = s + strcspn(s, "#");

    if (memchr(s, '"', (size_t)(end - s)) != NULL) {
        *fault = SO_CONFLINE_QUOTE_IN_BARE;
        return SO_CONFLINE_BAD;
    }
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    return SO_CONFLINE_SETTING;
}

int so_confline_trim(char *line, size_t *len)
{
    while (*len > 0 && (line[*len - 1] == '\n' || line[*len - 1] == '\r'))
        line[--*len] = '\0';
    return strlen(line) == *len ? 0 : -1;
}

char *so_confline_skip_bom(char *line)
{
    size_t n = strlen(UTF8_BOM);

    return strncmp(line, UTF8_BOM, n) == 0 ? line + n : line;
}

enum so_confline_kind so_confline_split(char *line, const char *name_extra,
                                        char **name, char **value,
                                        enum so_confline_fault *fault)
{
    char *s = skip_blanks(line);
    char *end;

    if (*s == '\0' || *s == '#')
        return SO_CONFLINE_SKIP;
    *name = s;
    while (is_name_char(*s, name_extra))
        s++;
    end = s;
    if (end == *name) {
        *fault = SO_CONFLINE_NO_NAME;
        return SO_CONFLINE_BAD;
    }
    s = skip_blanks(s);
    if (*s != '=') {
        *fault = SO_CONFLINE_NO_EQUALS;
        return SO_CONFLINE_BAD;
    }
    *end = '\0';
    s = skip_blanks(s + 1);
    if (*s == '"') {
        *value = s + 1;
        return quoted_value(s + 1, fault);
    }
    *value = s;
    return bare_value(s, fault);
}
