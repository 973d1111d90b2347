/*
 * st_diracct.h - the rollout's accounts in memory, asked by JID: the
 * state of each account `smartoffice rollout provision` made, and the
 * SHA-256 hash and expiry of its activation secret while it has one.
 *
 * Part of the directory table (st_dirsnap.h): it belongs to the same
 * thread and changes with it, from the rows of smartoffice.rollout_account
 * the directory follower fetches by change number. Accounts are never
 * removed (the schema closes one with state deprovisioned); an account
 * whose JID changes keeps an entry under each JID, the old one as it was.
 */
#ifndef ST_DIRACCT_H
#define ST_DIRACCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "st_db.h"

#define ST_DIRACCT_HASH_LEN 32

enum st_acct_state {
    ST_ACCT_NONE = 0, /* no row: not made by the rollout */
    ST_ACCT_PROVISIONED,
    ST_ACCT_ACTIVE,
    ST_ACCT_DEPROVISIONED,
};

/* "", "provisioned", "active", "deprovisioned". Static. */
const char *st_acct_state_str(enum st_acct_state state);

/* One account as a reader sees it; JID borrowed from the table. */
struct st_acct_view {
    const char *jid;
    enum st_acct_state state;
    bool has_secret;
    unsigned char secret_hash[ST_DIRACCT_HASH_LEN];
    int64_t secret_expires; /* seconds since 1970 (UTC); 0 without one */
};

struct st_diracct;

/* A new empty set, owned by the caller (st_diracct_free()); NULL when
 * memory ran out. */
struct st_diracct *st_diracct_new(void);
void st_diracct_free(struct st_diracct *a);

/*
 * Makes the account of JID (compared after folding ASCII capitals) have
 * STATE ("provisioned", "active", "deprovisioned"), the secret hash
 * HASH_HEX (64 hex digits, or NULL/"" for none) and expiry EXPIRES
 * (seconds since 1970 as text, or NULL). Sets *CHANGED when the entry is
 * new or differs. ST_EDATA for a value out of form, ST_ENOMEM.
 */
enum st_err st_diracct_put(struct st_diracct *a, const char *jid,
                           const char *state, const char *hash_hex,
                           const char *expires, bool *changed);

/* Fills *OUT for JID; false when the rollout has no account for it. No
 * allocation, no lock. */
bool st_diracct_get(const struct st_diracct *a, const char *jid,
                    struct st_acct_view *out);

/* Lends up to MAX JIDs of accounts in STATE in OUT (valid until the next
 * change); returns how many there are in all. */
size_t st_diracct_list(const struct st_diracct *a, enum st_acct_state state,
                       size_t max, const char **out);

/* Accounts held. */
size_t st_diracct_count(const struct st_diracct *a);

#endif
