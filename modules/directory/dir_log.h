/*
 * dir_log.h - log lines of smartoffice-directory, on stderr.
 *
 * Each line is "LEVEL directory: text", the text one factual lower-case
 * sentence naming the object it is about. Query texts, message bodies and
 * the component secret are never logged.
 */
#ifndef DIR_LOG_H
#define DIR_LOG_H

enum dir_log_level {
    DIR_LOG_DEBUG = 0,
    DIR_LOG_INFO,
    DIR_LOG_WARN,
    DIR_LOG_ERROR,
};

/* Lines below LEVEL are dropped. The default is DIR_LOG_INFO. */
void dir_log_set_level(enum dir_log_level level);

/* Parses "debug", "info", "warn" or "error". Returns 0, or -1 for other
 * text. */
int dir_log_level_parse(const char *text, enum dir_log_level *level);

void dir_log(enum dir_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
