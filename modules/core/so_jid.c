/*
 * so_jid.c - JID splitting and case-insensitive comparison.
 *
 * Only ASCII case is folded: full PRECIS folding (RFC 7622 §3.2) is the
 * host's job before a JID reaches the core.
 */
#include "so_jid.h"

#include <string.h>

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool so_jid_split(const char *jid, struct so_jid *out)
{
    const char *slash, *at, *end;

    memset(out, 0, sizeof(*out));
    if (jid == NULL)
        return false;
    end = jid + strlen(jid);
    slash = strchr(jid, '/');
    if (slash != NULL) {
        out->has_resource = true;
        out->resource = slash + 1;
        out->resource_len = (size_t)(end - slash - 1);
        end = slash;
    }
    at = memchr(jid, '@', (size_t)(end - jid));
    if (at != NULL) {
        out->local = jid;
        out->local_len = (size_t)(at - jid);
        out->domain = at + 1;
    } else {
        out->domain = jid;
    }
    out->domain_len = (size_t)(end - out->domain);
    return out->domain_len > 0;
}

bool so_jid_eq(const char *a, size_t alen, const char *b)
{
    size_t i;

    for (i = 0; i < alen; i++)
        if (b[i] == '\0' || ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return b[alen] == '\0';
}

bool so_jid_bare_eq(const struct so_jid *j, const char *bare)
{
    size_t i;

    if (j->local_len == 0)
        return so_jid_eq(j->domain, j->domain_len, bare);
    for (i = 0; i < j->local_len; i++)
        if (bare[i] == '\0' || ascii_lower(j->local[i]) != ascii_lower(bare[i]))
            return false;
    if (bare[i] != '@')
        return false;
    return so_jid_eq(j->domain, j->domain_len, bare + i + 1);
}

bool so_jid_domain_under(const struct so_jid *j, const char *host)
{
    size_t hlen = strlen(host);
    const char *tail;

    if (hlen == 0 || j->domain_len < hlen)
        return false;
    if (j->domain_len == hlen)
        return so_jid_eq(j->domain, j->domain_len, host);
    tail = j->domain + j->domain_len - hlen;
    return tail[-1] == '.' && so_jid_eq(tail, hlen, host);
}
