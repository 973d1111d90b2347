/*
 * st_diracct.c - the rollout's accounts in memory; see st_diracct.h.
 *
 * A chained hash table keyed by the folded JID; each entry is one
 * allocation with its JID at the end. The table doubles when it holds as
 * many entries as buckets.
 */
#include <stdlib.h>
#include <string.h>

#include "st_diracct.h"

#define JID_MAX 3071 /* longest JID held, bytes */

struct acct {
    struct acct *next;
    uint64_t hash;
    int64_t expires;
    uint8_t state;
    bool has_secret;
    unsigned char secret[ST_DIRACCT_HASH_LEN];
    char jid[];
};

struct st_diracct {
    struct acct **bucket; /* a power of two of them */
    size_t nbucket, n;
};

static const char *const state_names[] = {"", "provisioned", "active",
                                          "deprovisioned"};

const char *st_acct_state_str(enum st_acct_state state)
{
    if ((unsigned)state >= sizeof(state_names) / sizeof(state_names[0]))
        return "";
    return state_names[state];
}

/* FNV-1a of S with ASCII capitals folded; *LEN its length. */
static uint64_t hash_jid(const char *s, size_t *len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];

        h ^= (c >= 'A' && c <= 'Z') ? c + 32 : c;
        h *= 0x100000001b3ULL;
    }
    *len = i;
    return h ^ (h >> 29);
}

static bool same_jid(const char *folded, const char *s)
{
    size_t i;

    for (i = 0; folded[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];

        if (((c >= 'A' && c <= 'Z') ? c + 32 : c) != (unsigned char)folded[i])
            return false;
    }
    return s[i] == '\0';
}

struct st_diracct *st_diracct_new(void)
{
    struct st_diracct *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->nbucket = 64;
    a->bucket = calloc(a->nbucket, sizeof(*a->bucket));
    if (a->bucket == NULL) {
        free(a);
        return NULL;
    }
    return a;
}

void st_diracct_free(struct st_diracct *a)
{
    struct acct *e, *next;
    size_t i;

    if (a == NULL)
        return;
    for (i = 0; i < a->nbucket; i++) {
        for (e = a->bucket[i]; e != NULL; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(a->bucket);
    free(a);
}

static struct acct *find(const struct st_diracct *a, const char *jid)
{
    size_t len;
    uint64_t h = hash_jid(jid, &len);
    struct acct *e;

    for (e = a->bucket[h & (a->nbucket - 1)]; e != NULL; e = e->next)
        if (e->hash == h && same_jid(e->jid, jid))
            return e;
    return NULL;
}

static bool grow(struct st_diracct *a)
{
    size_t n = a->nbucket * 2, i;
    struct acct **b = calloc(n, sizeof(*b)), *e, *next;

    if (b == NULL)
        return false;
    for (i = 0; i < a->nbucket; i++) {
        for (e = a->bucket[i]; e != NULL; e = next) {
            next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(a->bucket);
    a->bucket = b;
    a->nbucket = n;
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads 64 hex digits into OUT; false when HEX is anything else. */
static bool parse_hash(const char *hex, unsigned char *out)
{
    int i, hi, lo;

    if (strlen(hex) != 2 * ST_DIRACCT_HASH_LEN)
        return false;
    for (i = 0; i < ST_DIRACCT_HASH_LEN; i++) {
        hi = hex_digit(hex[2 * i]);
        lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* Fills the fields of E other than its JID from the row's values. */
static bool parse_row(struct acct *e, const char *state, const char *hash_hex,
                      const char *expires)
{
    int s;
    char *end;

    for (s = ST_ACCT_PROVISIONED; s <= ST_ACCT_DEPROVISIONED; s++)
        if (state != NULL && strcmp(state, state_names[s]) == 0)
            break;
    if (s > ST_ACCT_DEPROVISIONED)
        return false;
    e->state = (uint8_t)s;
    e->has_secret = hash_hex != NULL && hash_hex[0] != '\0';
    memset(e->secret, 0, sizeof(e->secret));
    e->expires = 0;
    if (!e->has_secret)
        return true;
    if (!parse_hash(hash_hex, e->secret) || expires == NULL)
        return false;
    e->expires = strtoll(expires, &end, 10);
    return end != expires && *end == '\0';
}

enum st_err st_diracct_put(struct st_diracct *a, const char *jid,
                           const char *state, const char *hash_hex,
                           const char *expires, bool *changed)
{
    struct acct row, *e;
    size_t len, i;

    *changed = false;
    if (jid == NULL || jid[0] == '\0' ||
        !parse_row(&row, state, hash_hex, expires))
        return ST_EDATA;
    e = find(a, jid);
    if (e != NULL) {
        *changed = e->state != row.state || e->has_secret != row.has_secret ||
                   e->expires != row.expires ||
                   memcmp(e->secret, row.secret, sizeof(row.secret)) != 0;
        e->state = row.state;
        e->has_secret = row.has_secret;
        e->expires = row.expires;
        memcpy(e->secret, row.secret, sizeof(row.secret));
        return ST_OK;
    }
    row.hash = hash_jid(jid, &len);
    if (len > JID_MAX)
        return ST_EDATA;
    if (a->n >= a->nbucket && !grow(a))
        return ST_ENOMEM;
    e = malloc(sizeof(*e) + len + 1);
    if (e == NULL)
        return ST_ENOMEM;
    *e = row;
    for (i = 0; i <= len; i++)
        e->jid[i] =
            (jid[i] >= 'A' && jid[i] <= 'Z') ? (char)(jid[i] + 32) : jid[i];
    e->next = a->bucket[e->hash & (a->nbucket - 1)];
    a->bucket[e->hash & (a->nbucket - 1)] = e;
    a->n++;
    *changed = true;
    return ST_OK;
}

bool st_diracct_get(const struct st_diracct *a, const char *jid,
                    struct st_acct_view *out)
{
    const struct acct *e = find(a, jid);

    if (e == NULL)
        return false;
    out->jid = e->jid;
    out->state = (enum st_acct_state)e->state;
    out->has_secret = e->has_secret;
    memcpy(out->secret_hash, e->secret, sizeof(e->secret));
    out->secret_expires = e->expires;
    return true;
}

size_t st_diracct_list(const struct st_diracct *a, enum st_acct_state state,
                       size_t max, const char **out)
{
    const struct acct *e;
    size_t i, n = 0;

    for (i = 0; i < a->nbucket; i++) {
        for (e = a->bucket[i]; e != NULL; e = e->next) {
            if (e->state != state)
                continue;
            if (n < max)
                out[n] = e->jid;
            n++;
        }
    }
    return n;
}

size_t st_diracct_count(const struct st_diracct *a)
{
    return a->n;
}
