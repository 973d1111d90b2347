/*
 * so_options.h - every option of the OMEMO policy, defined once.
 *
 * The table below is the single source of the option names, types,
 * defaults and one-line docs. Prosody reads each one as
 * "omemo_policy_<name>" from its config, the CLI reads "<name> = value"
 * lines from a policy file, and docs/modules/omemo_policy.md is generated
 * from it (a test checks the page is current).
 */
#ifndef SO_OPTIONS_H
#define SO_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "so_view.h"

enum so_opt_type {
    SO_OPT_BOOL,   /* true | false */
    SO_OPT_ENUM,   /* one of a fixed set of words */
    SO_OPT_LIST,   /* zero or more words or JIDs */
    SO_OPT_STRING, /* UTF-8 text */
    SO_OPT_INT,    /* non-negative integer */
};

struct so_option {
    const char *name; /* e.g. "chat" */
    enum so_opt_type type;
    const char *def;     /* default, as it would be written in a file */
    const char *choices; /* ENUM and LIST of words: "a|b|c"; else NULL */
    const char *doc;     /* one line */
};

/* The option table, terminated by an entry whose name is NULL. Static. */
const struct so_option *so_options(void);
/* The definition of option NAME, or NULL. Static. */
const struct so_option *so_option_find(const char *name);
/* "bool", "enum", ... Static. */
const char *so_opt_type_str(enum so_opt_type type);

enum so_mode {
    SO_MODE_OFF = 0,
    SO_MODE_WARN,
    SO_MODE_REQUIRED,
};

/* Encryption schemes, as bits of so_policy.schemes. */
enum so_scheme {
    SO_SCHEME_OMEMO_LEGACY = 1u << 0, /* eu.siacs.conversations.axolotl */
    SO_SCHEME_OMEMO2 = 1u << 1,       /* urn:xmpp:omemo:2 */
    SO_SCHEME_OPENPGP = 1u << 2,      /* XEP-0373 */
    SO_SCHEME_PGP_LEGACY = 1u << 3,   /* XEP-0027 */
    SO_SCHEME_OTR = 1u << 4,          /* Off-the-Record in the body */
};

/* "omemo-legacy", "omemo2", ...; static; "?" for a non-scheme. */
const char *so_scheme_str(unsigned scheme);

#define SO_POLICY_MAX_LIST 256
#define SO_POLICY_MAX_STRING 1024

struct so_strlist {
    size_t n;
    char *items[SO_POLICY_MAX_LIST]; /* owned, lower-cased where JIDs */
};

struct so_policy {
    enum so_mode chat;      /* type chat and normal, MUC private messages */
    enum so_mode groupchat; /* type groupchat */
    unsigned schemes;       /* accepted so_scheme bits */
    bool strict;            /* reactions and retraction fallbacks refused */
    bool exempt_services;   /* a host's own components and the host pass */
    struct so_strlist exempt_jids;
    struct so_strlist exempt_domains;
    struct so_strlist exempt_rooms;
    char *fallback_text_en;      /* owned */
    char *fallback_text_ur;      /* owned */
    unsigned long warn_interval; /* seconds between notices in warn mode */
    /* Domains this server serves; set by the host, not an option. */
    struct so_strlist hosts;
};

/* A policy with every option at its default, or NULL when out of memory.
 * Free with so_policy_free(). */
struct so_policy *so_policy_new(void);
void so_policy_free(struct so_policy *policy);

/*
 * Sets option NAME from its textual form VALUE (lists: words separated by
 * commas and/or white space). On failure returns SO_EINVAL or SO_ENOMEM,
 * leaves the policy unchanged and, when ERRBUF is not NULL, writes a
 * one-line reason ("chat: expected required, warn or off").
 */
enum so_err so_policy_set(struct so_policy *policy, const char *name,
                          const char *value, char *errbuf, size_t errlen);

/* Adds DOMAIN to the domains this server serves. */
enum so_err so_policy_add_host(struct so_policy *policy, const char *domain);

#endif
