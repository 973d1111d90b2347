/*
 * so_warn.h - remember which conversations were warned recently.
 *
 * In warn mode a plaintext message is delivered and its sender gets a
 * notice at most once per conversation per interval. The table has a fixed
 * number of slots chosen at creation, so memory is bounded whatever the
 * traffic; a slot collision can at worst cause one extra notice.
 */
#ifndef SO_WARN_H
#define SO_WARN_H

#include <stdbool.h>
#include <stddef.h>

struct so_warn_table;

/* A table with SLOTS entries (rounded up to a power of two), or NULL when
 * out of memory. Free with so_warn_table_free(). */
struct so_warn_table *so_warn_table_new(size_t slots);
void so_warn_table_free(struct so_warn_table *table);

/*
 * True when the conversation FROM -> TO (bare JIDs, compared without case)
 * has not been warned within INTERVAL seconds of NOW; it is then recorded
 * as warned at NOW.
 */
bool so_warn_due(struct so_warn_table *table, const char *from, const char *to,
                 unsigned long now, unsigned long interval);

#endif
