/*
 * dirbench.h - what the two halves of bench_directory share: the query
 * file (bench_directory.c says what it holds) and the end-to-end client.
 */
#ifndef DIRBENCH_H
#define DIRBENCH_H

#include <stddef.h>

#define DIRBENCH_LINE_MAX 2048

struct st_db;

/* One query of the file. The strings point into LINE. */
struct dirbench_query {
    char line[DIRBENCH_LINE_MAX];
    const char *category;
    const char *source; /* the employee number it was made from */
    const char *jid;    /* the source's JID; "-": none */
    const char *text;
    const char *ej_field; /* "-": ejabberd cannot express it */
    const char *key;      /* the oracle's key (oracle.sql) */
    size_t expected;      /* |expected| */
};

/*
 * Reads the query file PATH. Returns a new array of *N queries, owned by
 * the caller (free()); NULL, with a message on stderr, when the file
 * cannot be read or holds a line that is not a query.
 */
struct dirbench_query *dirbench_read_queries(const char *path, size_t *n);

/*
 * Sets *FOUND to the share of Q's expected people among the N employee
 * numbers or JIDs of IDS (one answer page of at most PAGE entries):
 * |IDS ∩ expected| / min(|expected|, PAGE); 0 for an empty page. Asks
 * the oracle (schema dirbench) on DB. Returns 0, or -1 with a message on
 * stderr.
 */
int dirbench_found(struct st_db *db, const struct dirbench_query *q,
                   const char *const *ids, size_t n, size_t page,
                   double *found);

/*
 * The end-to-end half: `xmpp [options] QUERIES OUT` with ARGV[0] "xmpp".
 * Returns the process exit status.
 */
int dirbench_xmpp(int argc, char **argv);

#endif
