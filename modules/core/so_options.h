/*
 * so_options.h - every option of every Smart Office module, defined once.
 *
 * One table per Prosody module is the single source of the option names,
 * types, defaults and one-line docs. Prosody reads each option as the
 * table's prefix followed by the option's name ("omemo_policy_" "chat",
 * "residency_" "strict", "smartoffice_" "db"); the CLI reads the OMEMO
 * policy's options as "<name> = value" lines of a policy file; and the
 * option table of docs/modules/<module>.md is generated from it (a test
 * checks each page is current).
 */
#ifndef SO_OPTIONS_H
#define SO_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "so_view.h"

enum so_opt_type {
    SO_OPT_BOOL,   /* true | false */
    SO_OPT_ENUM,   /* one of a fixed set of words */
    SO_OPT_LIST,   /* zero or more words or JIDs */
    SO_OPT_STRING, /* UTF-8 text */
    SO_OPT_INT,    /* non-negative integer */
    SO_OPT_PERIOD, /* seconds, or a count of d, w, m (31 days) or y */
    SO_OPT_PATH,   /* a file; a relative one is under Prosody's data_path */
};

struct so_option {
    const char *name; /* e.g. "chat" */
    enum so_opt_type type;
    const char *def;     /* default as written in a file; NULL: none */
    const char *choices; /* ENUM and LIST of words: "a|b|c"; else NULL */
    const char *doc;     /* one line */
};

/* The options of one Prosody module. */
struct so_option_set {
    const char *module;  /* "residency": mod_residency */
    const char *prefix;  /* Prosody's name of an option is prefix + name */
    const char *section; /* where the config sets them, one line of text */
    bool policy_file;    /* the names are also those of a CLI policy file */
    const struct so_option *options; /* terminated by a NULL name */
};

/* Every module's options, terminated by an entry whose module is NULL.
 * Static. */
const struct so_option_set *so_option_sets(void);
/* The options of MODULE ("omemo_policy", "residency",
 * "smartoffice_store"), or NULL for another name. Static. */
const struct so_option_set *so_option_set_find(const char *module);
/* The option table of MODULE, terminated by an entry whose name is NULL,
 * or NULL for an unknown module. Static. */
const struct so_option *so_options_for(const char *module);
/* The option table of the OMEMO policy: so_options_for("omemo_policy"). */
const struct so_option *so_options(void);
/* The definition of option NAME of SET, or NULL. Static. */
const struct so_option *so_option_in(const struct so_option_set *set,
                                     const char *name);
/* The definition of the OMEMO policy's option NAME, or NULL. Static. */
const struct so_option *so_option_find(const char *name);
/* "bool", "enum", ... Static. */
const char *so_opt_type_str(enum so_opt_type type);
/* One line on how a value of TYPE is written. Static. */
const char *so_opt_type_doc(enum so_opt_type type);

/* The value of an option as so_option_parse() read it. */
struct so_option_value {
    bool flag;       /* BOOL */
    uint64_t number; /* INT; PERIOD in seconds */
};

/*
 * Checks VALUE, the textual form of option O of SET, against O's type and
 * writes what it means to OUT (BOOL, INT, PERIOD; the text of the others
 * is their value). A PERIOD must be longer than 0; STRING and PATH must be
 * UTF-8 without control characters, a PATH not empty. Returns SO_OK, or
 * SO_EINVAL with ERRBUF (when not NULL) holding one line that starts with
 * the Prosody option's name. The line never quotes VALUE, which may hold a
 * password.
 */
enum so_err so_option_parse(const struct so_option_set *set,
                            const struct so_option *o, const char *value,
                            struct so_option_value *out, char *errbuf,
                            size_t errlen);

/* The longest period so_period_parse() accepts: 1000 years. */
#define SO_PERIOD_MAX 31556952000ULL

/*
 * Parses a period as Prosody writes its own expiry options: a count of
 * seconds ("86400"), or a count followed by d (day), w (week), m (31
 * days) or y (365.2425 days): "30d", "4w", "6m", "1y". Case, and white
 * space around the count and unit, are ignored. Writes the seconds to
 * *SECONDS. Returns SO_EINVAL for anything else or a period longer than
 * SO_PERIOD_MAX.
 */
enum so_err so_period_parse(const char *text, uint64_t *seconds);

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
