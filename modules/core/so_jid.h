/*
 * so_jid.h - the few JID operations the policies need (RFC 7622), on
 * borrowed strings, without allocation. Internal to the core.
 */
#ifndef SO_JID_H
#define SO_JID_H

#include <stdbool.h>
#include <stddef.h>

/* Pointers into a JID string; lengths are 0 for absent parts. */
struct so_jid {
    const char *local;
    size_t local_len;
    const char *domain;
    size_t domain_len;
    const char *resource;
    size_t resource_len;
    bool has_resource;
};

/* Splits JID into its parts (RFC 7622 §3.1); all pointers borrow JID.
 * Returns false for NULL or an empty domain. */
bool so_jid_split(const char *jid, struct so_jid *out);

/* True when A[0..ALEN) equals the NUL-terminated B, ignoring ASCII case. */
bool so_jid_eq(const char *a, size_t alen, const char *b);

/* True when the bare part of J equals BARE, ignoring ASCII case. */
bool so_jid_bare_eq(const struct so_jid *j, const char *bare);

/* True when the domain of J is HOST or a subdomain of it. */
bool so_jid_domain_under(const struct so_jid *j, const char *host);

#endif
