/*
 * so_domain.h - domain names and zone patterns in one canonical form.
 *
 * Every domain the residency policy stores or compares is first turned
 * into its lower-case A-label form (IDNA2008 with UTS #46 non-transitional
 * mapping, through libidn2), so that "Bücher.Example.", "bücher.example"
 * and "xn--bcher-kva.example" are the same name. Names that cannot be a
 * host name on the public DNS are refused with a reason.
 *
 * IP literals are refused: a federation zone approves a domain, and a
 * server reached by address has no name a certificate could vouch for.
 * A name whose last label is all digits counts as an IP literal
 * (RFC 3696 §2: a top-level domain is never all-numeric).
 */
#ifndef SO_DOMAIN_H
#define SO_DOMAIN_H

#include <stddef.h>

#include "so_view.h"

/* RFC 1035 §2.3.4 limits, in octets of the A-label form. */
#define SO_DOMAIN_MAX 253
#define SO_LABEL_MAX 63

/* A buffer that holds any normalised domain or pattern ("*." + domain). */
#define SO_DOMAIN_BUF (SO_DOMAIN_MAX + 3)

/*
 * Writes the canonical form of the domain IN (UTF-8, U-labels or A-labels,
 * any case, at most one trailing dot) to OUT. Returns SO_OK, or SO_EINVAL
 * with a one-line lower-case reason in ERRBUF (which may be NULL) when IN
 * is not a valid domain name or OUTLEN is too small; OUT is then "".
 */
enum so_err so_domain_normalize(const char *in, char *out, size_t outlen,
                                char *errbuf, size_t errlen);

/*
 * Like so_domain_normalize() for a zone pattern: a domain, or "*." followed
 * by a domain, meaning every strict subdomain of it. A '*' anywhere else is
 * refused. Same returns.
 */
enum so_err so_zone_pattern_normalize(const char *in, char *out, size_t outlen,
                                      char *errbuf, size_t errlen);

#endif
