/*
 * dir_log.c - log lines on stderr, filtered by level.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dir_log.h"

static enum dir_log_level min_level = DIR_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void dir_log_set_level(enum dir_log_level level)
{
    min_level = level;
}

int dir_log_level_parse(const char *text, enum dir_log_level *level)
{
    size_t i;

    for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *level = (enum dir_log_level)i;
            return 0;
        }
    }
    return -1;
}

void dir_log(enum dir_log_level level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    char *p;

    if (level < min_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* one line, whatever a library's text holds */
    for (p = line; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    fprintf(stderr, "%s directory: %s\n", level_names[level], line);
}
