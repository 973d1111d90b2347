/*
 * dirbench.h - what the two halves of bench_directory share: the query
 * file (bench_directory.c says what it holds) and the end-to-end client.
 */
#ifndef DIRBENCH_H
#define DIRBENCH_H

#include <stddef.h>

#define DIRBENCH_LINE_MAX 2048

/* One query of the file. The strings point into LINE. */
struct dirbench_query {
    char line[DIRBENCH_LINE_MAX];
    const char *category;
    const char *expected; /* employee number */
    const char *jid;      /* the expected person's JID; "-": none */
    const char *text;
    const char *ej_field; /* "-": ejabberd cannot express it */
};

/*
 * Reads the query file PATH. Returns a new array of *N queries, owned by
 * the caller (free()); NULL, with a message on stderr, when the file
 * cannot be read or holds a line that is not a query.
 */
struct dirbench_query *dirbench_read_queries(const char *path, size_t *n);

/*
 * The end-to-end half: `xmpp [options] QUERIES OUT` with ARGV[0] "xmpp".
 * Returns the process exit status.
 */
int dirbench_xmpp(int argc, char **argv);

#endif
