/*
 * dir_config.h - the configuration of smartoffice-directory: a file of
 * "name = value" lines whose names and types are the "directory" option
 * set of so_options.c (docs/modules/directory.md).
 */
#ifndef DIR_CONFIG_H
#define DIR_CONFIG_H

#include <stddef.h>

#include "dir_log.h"

/* Most domains the "domains" option may list. */
#define DIR_DOMAINS_MAX 32

struct dir_config {
    char *jid;    /* owned; the component's domain, lower-case */
    char *secret; /* owned */
    char *server; /* owned */
    unsigned port;
    size_t ndomains;
    char *domains[DIR_DOMAINS_MAX]; /* owned, lower-case */
    char *db;                       /* owned; NULL: libpq's PG* variables */
    unsigned page_size;
    unsigned rate_burst;
    unsigned rate_per_minute;
    char *org_name; /* owned */
    enum dir_log_level log_level;
};

/*
 * Reads the file PATH into *CFG (zeroed by the caller), applying every
 * option's default, then checks that the whole makes sense (jid and
 * secret set, ranges). Returns 0, or -1 with ERRBUF holding
 * "PATH:LINE: reason" (or "PATH: reason" for what no line says). Values
 * are never quoted in ERRBUF. Free with dir_config_clear() either way.
 */
int dir_config_read(const char *path, struct dir_config *cfg, char *errbuf,
                    size_t errlen);

/* Frees what CFG owns and zeroes it. */
void dir_config_clear(struct dir_config *cfg);

#endif
