/*
 * so_zones.h - the set of approved federation zones, for one decision per
 * remote domain on the hot path.
 *
 * A zone set is built once from normalised patterns (so_zone_pattern_
 * normalize) and never changes; a new snapshot replaces it. A pattern is
 * either a domain, which approves exactly that domain, or "*." + domain,
 * which approves every strict subdomain of it but not the domain itself.
 * Anything not approved is denied, and so is everything when there is no
 * zone set at all.
 */
#ifndef SO_ZONES_H
#define SO_ZONES_H

#include <stdbool.h>
#include <stddef.h>

#include "so_view.h"

struct so_zones;

/*
 * A zone set holding the N patterns (copied; the caller keeps PATTERNS).
 * Duplicates are allowed. Returns NULL with *ERR set to SO_ENOMEM, or to
 * SO_EINVAL when a pattern is not in normalised form. Free with
 * so_zones_free().
 */
struct so_zones *so_zones_new(const char *const *patterns, size_t n,
                              enum so_err *err);
void so_zones_free(struct so_zones *zones);

/* The number of distinct patterns in ZONES. */
size_t so_zones_count(const struct so_zones *zones);

/*
 * True when DOMAIN (normalised with so_domain_normalize) is approved by
 * ZONES. False for a NULL zone set. Costs one hash probe per label of
 * DOMAIN; allocates nothing and only reads ZONES, so any number of
 * threads may ask at once.
 */
bool so_zones_allows(const struct so_zones *zones, const char *domain);

#endif
