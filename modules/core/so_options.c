/*
 * so_options.c - the option tables of the Smart Office modules, the OMEMO
 * policy's parser and the checks of the other modules' values.
 *
 * so_policy_new() applies every default through so_policy_set(), and the
 * Prosody modules read every other default from these tables, so the
 * defaults written here are the only defaults there are.
 */
#include "so_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_domain.h"

/* Short on purpose: it replaces the body of every encrypted message, so
 * each byte is serialised, stored and encrypted again on every copy. */
#define FALLBACK_EN                                                            \
    "End-to-end encrypted message (OMEMO). Open it in an OMEMO-capable app."
#define FALLBACK_UR                                                            \
    "اینڈ ٹو اینڈ خفیہ پیغام (OMEMO)۔ "                    \
    "اسے OMEMO والی ایپ میں کھولیں۔"

static const struct so_option omemo_options[] = {
    {"chat", SO_OPT_ENUM, "required", "required|warn|off",
     "policy for chat and normal messages and MUC private messages"},
    {"groupchat", SO_OPT_ENUM, "required", "required|warn|off",
     "policy for groupchat messages in MUC rooms"},
    {"schemes", SO_OPT_LIST, "omemo-legacy, omemo2",
     "omemo-legacy|omemo2|openpgp|pgp-legacy|otr",
     "encryption schemes whose payloads are accepted"},
    {"strictness", SO_OPT_ENUM, "strict", "strict|compatible",
     "strict refuses reactions and retraction fallback bodies"},
    {"exempt_jids", SO_OPT_LIST, "", NULL,
     "bare JIDs whose messages, sent or received, are not checked"},
    {"exempt_domains", SO_OPT_LIST, "", NULL,
     "domains whose messages, sent or received, are not checked"},
    {"exempt_rooms", SO_OPT_LIST, "", NULL,
     "bare JIDs of MUC rooms whose messages are not checked"},
    {"exempt_services", SO_OPT_BOOL, "true", NULL,
     "messages from or to a served host or one of its components pass"},
    {"fallback_text_en", SO_OPT_STRING, FALLBACK_EN, NULL,
     "English text that replaces the body beside an encrypted payload"},
    {"fallback_text_ur", SO_OPT_STRING, FALLBACK_UR, NULL,
     "Urdu text that replaces the body beside an encrypted payload"},
    {"warn_interval", SO_OPT_INT, "86400", NULL,
     "seconds between two notices to one conversation in warn mode"},
    {NULL, SO_OPT_BOOL, NULL, NULL, NULL},
};

/* mod_residency. The retention options are named "retention_<class>";
 * the module keeps one period per such class. */
static const struct so_option residency_options[] = {
    {"strict", SO_OPT_BOOL, "true", NULL,
     "refuse to load (and switch s2s off on the host) while the self-check "
     "finds a leak"},
    {"retention_archive", SO_OPT_PERIOD, "1y", NULL,
     "longest allowed archive_expires_after of mod_mam"},
    {"retention_muc_archive", SO_OPT_PERIOD, "1y", NULL,
     "longest allowed muc_log_expires_after of mod_muc_mam"},
    {"retention_offline", SO_OPT_PERIOD, "30d", NULL,
     "offline messages older than this are deleted"},
    {"retention_uploads", SO_OPT_PERIOD, "30d", NULL,
     "longest allowed expiry of uploaded files"},
    {NULL, SO_OPT_BOOL, NULL, NULL, NULL},
};

/* mod_smartoffice_store. */
static const struct so_option store_options[] = {
    {"db", SO_OPT_STRING, NULL, NULL,
     "libpq connection string of the Smart Office database; unset: no "
     "zones, so every remote domain is refused, and no audit trail"},
    {"audit_spill", SO_OPT_PATH, "smartoffice-audit.spill", NULL,
     "file where audit records wait while PostgreSQL is away"},
    {"zones_cache", SO_OPT_PATH, "smartoffice-zones.cache", NULL,
     "file with the last zone snapshot, for restarts while PostgreSQL is "
     "down"},
    {NULL, SO_OPT_BOOL, NULL, NULL, NULL},
};

/* smartoffice-directory, the directory component: its configuration
 * file holds "name = value" lines. */
static const struct so_option directory_options[] = {
    {"jid", SO_OPT_STRING, NULL, NULL,
     "the component's address, as the server's Component line names it "
     "(directory.example.gov.pk)"},
    {"secret", SO_OPT_STRING, NULL, NULL,
     "the component secret shared with the server (XEP-0114)"},
    {"server", SO_OPT_STRING, "127.0.0.1", NULL,
     "address of the server's component port"},
    {"port", SO_OPT_INT, "5347", NULL, "the server's component port"},
    {"domains", SO_OPT_LIST, NULL, NULL,
     "domains whose users may search; unset: the domain the component's "
     "address is under"},
    {"db", SO_OPT_STRING, NULL, NULL,
     "libpq connection string of the Smart Office database; unset: "
     "libpq's PG* variables"},
    {"page_size", SO_OPT_INT, "20", NULL,
     "results per page when the client asks for no size (XEP-0059)"},
    {"rate_burst", SO_OPT_INT, "10", NULL,
     "searches a user may make at once before the rate limit applies"},
    {"rate_per_minute", SO_OPT_INT, "30", NULL,
     "searches per minute a user may make on average"},
    {"org_name", SO_OPT_STRING, "Government of Pakistan", NULL,
     "ORGNAME of the vCards of entries (XEP-0054); ORGUNIT is the office"},
    {"log_level", SO_OPT_ENUM, "info", "debug|info|warn|error",
     "lowest level of the lines logged on standard error"},
    {NULL, SO_OPT_BOOL, NULL, NULL, NULL},
};

/* mod_gov_directory. */
static const struct so_option gov_directory_options[] = {
    {"roster_max", SO_OPT_INT, "150", NULL,
     "largest office shown as a roster group; a larger one shows only its "
     "first members by name"},
    {NULL, SO_OPT_BOOL, NULL, NULL, NULL},
};

/* mod_rollout. */
static const struct so_option rollout_options[] = {
    {"close_condition", SO_OPT_ENUM, "policy-violation",
     "policy-violation|not-authorized",
     "stream error that closes a session the login gate no longer admits"},
    {"create_accounts", SO_OPT_BOOL, "true", NULL,
     "create the host account of each provisioned rollout account on this "
     "host, with a password nobody knows until it is activated"},
    {"counters_interval", SO_OPT_INT, "60", NULL,
     "seconds between two additions to the per-city message counters"},
    {"online_interval", SO_OPT_INT, "30", NULL,
     "seconds between two updates of the users online per city"},
    {"sweep_interval", SO_OPT_INT, "30", NULL,
     "seconds between two checks of every session besides those made on "
     "each directory change"},
    {"preauth_attempts", SO_OPT_INT, "5", NULL,
     "invitation tokens one connection may present before it is closed"},
    {NULL, SO_OPT_BOOL, NULL, NULL, NULL},
};

static const struct so_option_set sets[] = {
    {"omemo_policy", "omemo_policy_",
     "each VirtualHost and MUC Component that loads mod_omemo_policy, or "
     "the global section",
     true, omemo_options},
    {"residency", "residency_",
     "each VirtualHost and Component that loads mod_residency, or the "
     "global section",
     false, residency_options},
    {"smartoffice_store", "smartoffice_", "the global section", false,
     store_options},
    {"directory", "", "the configuration file of smartoffice-directory", false,
     directory_options},
    {"gov_directory", "gov_directory_",
     "each VirtualHost that loads mod_gov_directory, or the global section",
     false, gov_directory_options},
    {"rollout", "rollout_",
     "each VirtualHost that loads mod_rollout, or the global section", false,
     rollout_options},
    {NULL, NULL, NULL, false, NULL},
};

const struct so_option_set *so_option_sets(void)
{
    return sets;
}

const struct so_option_set *so_option_set_find(const char *module)
{
    const struct so_option_set *set;

    if (module == NULL)
        return NULL;
    for (set = sets; set->module != NULL; set++)
        if (strcmp(set->module, module) == 0)
            return set;
    return NULL;
}

const struct so_option *so_options_for(const char *module)
{
    const struct so_option_set *set = so_option_set_find(module);

    return set != NULL ? set->options : NULL;
}

const struct so_option *so_options(void)
{
    return omemo_options;
}

const struct so_option *so_option_in(const struct so_option_set *set,
                                     const char *name)
{
    const struct so_option *o;

    if (set == NULL || name == NULL)
        return NULL;
    for (o = set->options; o->name != NULL; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

const struct so_option *so_option_find(const char *name)
{
    return so_option_in(&sets[0], name);
}

const char *so_opt_type_str(enum so_opt_type type)
{
    switch (type) {
    case SO_OPT_BOOL:
        return "bool";
    case SO_OPT_ENUM:
        return "enum";
    case SO_OPT_LIST:
        return "list";
    case SO_OPT_STRING:
        return "string";
    case SO_OPT_INT:
        return "int";
    case SO_OPT_PERIOD:
        return "period";
    case SO_OPT_PATH:
        return "path";
    }
    return "?";
}

const char *so_opt_type_doc(enum so_opt_type type)
{
    switch (type) {
    case SO_OPT_BOOL:
        return "true or false";
    case SO_OPT_ENUM:
        return "one of the words listed";
    case SO_OPT_LIST:
        return "words or JIDs, separated by commas or spaces (in Prosody's "
               "config also a list of strings)";
    case SO_OPT_STRING:
        return "UTF-8 text";
    case SO_OPT_INT:
        return "a whole number, 0 or more";
    case SO_OPT_PERIOD:
        return "a number of seconds, or a count followed by d (days), w "
               "(weeks), m (31 days) or y (years): 30d, 4w, 6m, 1y; more "
               "than 0";
    case SO_OPT_PATH:
        return "a file; a relative path is under Prosody's data_path";
    }
    return "?";
}

static const struct {
    const char *name;
    unsigned bit;
} schemes[] = {
    {"omemo-legacy", SO_SCHEME_OMEMO_LEGACY},
    {"omemo2", SO_SCHEME_OMEMO2},
    {"openpgp", SO_SCHEME_OPENPGP},
    {"pgp-legacy", SO_SCHEME_PGP_LEGACY},
    {"otr", SO_SCHEME_OTR},
};

#define N_SCHEMES (sizeof(schemes) / sizeof(schemes[0]))

const char *so_scheme_str(unsigned scheme)
{
    size_t i;

    for (i = 0; i < N_SCHEMES; i++)
        if (schemes[i].bit == scheme)
            return schemes[i].name;
    return "?";
}

static void strlist_clear(struct so_strlist *list)
{
    size_t i;

    for (i = 0; i < list->n; i++)
        free(list->items[i]);
    list->n = 0;
}

void so_policy_free(struct so_policy *policy)
{
    if (policy == NULL)
        return;
    strlist_clear(&policy->exempt_jids);
    strlist_clear(&policy->exempt_domains);
    strlist_clear(&policy->exempt_rooms);
    strlist_clear(&policy->hosts);
    free(policy->fallback_text_en);
    free(policy->fallback_text_ur);
    free(policy);
}

struct so_policy *so_policy_new(void)
{
    struct so_policy *policy = calloc(1, sizeof(*policy));
    const struct so_option *o;

    if (policy == NULL)
        return NULL;
    for (o = omemo_options; o->name != NULL; o++) {
        if (so_policy_set(policy, o->name, o->def, NULL, 0) != SO_OK) {
            so_policy_free(policy);
            return NULL;
        }
    }
    return policy;
}

static bool is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Length of the valid UTF-8 sequence at S, or 0 (RFC 3629 §4). */
static size_t utf8_seq_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' ? 1 : 0;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
            return 0;
        return 3;
    }
    if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
            (s[3] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
            return 0;
        return 4;
    }
    return 0;
}

static bool utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0') {
        size_t n = utf8_seq_len(p);

        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

static bool jid_char_ok(char c)
{
    return (unsigned char)c > 0x20 && c != 0x7f && c != '"' && c != '\'' &&
           c != '<' && c != '>';
}

/* A served host as Prosody names it: no '@' or '/', no dot at either end.
 * Hosts are compared as Prosody writes them, so they are not normalised. */
static bool host_ok(const char *w)
{
    size_t i;

    for (i = 0; w[i] != '\0'; i++)
        if (!jid_char_ok(w[i]))
            return false;
    if (i == 0 || i > 1023 || strpbrk(w, "@/") != NULL)
        return false;
    return w[0] != '.' && w[i - 1] != '.';
}

static void set_error(char *errbuf, size_t errlen, const char *name,
                      const char *what)
{
    if (errbuf != NULL && errlen > 0)
        snprintf(errbuf, errlen, "%s: %s", name, what);
}

/*
 * Writes the canonical form of list entry W of option O to OUT (OUTLEN
 * bytes): for exempt_domains a domain name (so_domain_normalize()), for
 * the JID lists localpart@domain with the domain so normalised. Returns
 * SO_OK, or SO_EINVAL with ERRBUF naming the entry and what is wrong.
 */
static enum so_err list_entry(const struct so_option *o, const char *w,
                              char *out, size_t outlen, char *errbuf,
                              size_t errlen)
{
    bool domains = strcmp(o->name, "exempt_domains") == 0;
    const char *at = strchr(w, '@');
    char why[160], msg[512];
    size_t i, local = 0;

    for (i = 0; w[i] != '\0'; i++)
        if (!jid_char_ok(w[i]))
            break;
    if (w[i] != '\0' || !utf8_valid(w)) {
        /* Not quoted: the entry may hold control characters. */
        snprintf(msg, sizeof(msg),
                 "an entry has a quote, an angle "
                 "bracket or a control character");
        goto bad;
    }
    if (strchr(w, '/') != NULL) {
        snprintf(msg, sizeof(msg), "'%.200s' is not a %s", w,
                 domains ? "domain name" : "bare JID (localpart@domain)");
        goto bad;
    }
    if (domains && at != NULL) {
        snprintf(msg, sizeof(msg),
                 "'%.200s' is not a domain name (use exempt_jids for a JID)",
                 w);
        goto bad;
    }
    if (!domains) {
        if (at == NULL || at == w || strchr(at + 1, '@') != NULL) {
            snprintf(msg, sizeof(msg),
                     "'%.200s' is not a bare JID (expected localpart@domain)",
                     w);
            goto bad;
        }
        local = (size_t)(at - w) + 1;
        if (local >= outlen)
            goto too_long;
        memcpy(out, w, local);
    }
    if (so_domain_normalize(w + local, out + local, outlen - local, why,
                            sizeof(why)) != SO_OK) {
        snprintf(msg, sizeof(msg), "'%.200s': %s", w, why);
        goto bad;
    }
    return SO_OK;
too_long:
    snprintf(msg, sizeof(msg), "'%.200s' is too long", w);
bad:
    set_error(errbuf, errlen, o->name, msg);
    return SO_EINVAL;
}

static bool scheme_bit(const char *w, unsigned *bit)
{
    size_t i;

    for (i = 0; i < N_SCHEMES; i++) {
        if (strcmp(schemes[i].name, w) == 0) {
            *bit = schemes[i].bit;
            return true;
        }
    }
    return false;
}

/*
 * Parses VALUE into TMP (owned by the caller, lower-cased) or, for
 * "schemes", into *BITS. Returns SO_EINVAL with ERRBUF filled on a bad word.
 */
static enum so_err parse_list(const struct so_option *o, const char *value,
                              struct so_strlist *tmp, unsigned *bits,
                              char *errbuf, size_t errlen)
{
    const char *p = value;
    char word[1024], entry[1024 + SO_DOMAIN_BUF];
    enum so_err err;

    while (*p != '\0') {
        size_t n = 0;

        while (is_sep(*p))
            p++;
        if (*p == '\0')
            break;
        while (*p != '\0' && !is_sep(*p)) {
            if (n + 1 >= sizeof(word)) {
                set_error(errbuf, errlen, o->name, "entry too long");
                return SO_EINVAL;
            }
            word[n++] = ascii_lower(*p++);
        }
        word[n] = '\0';
        if (bits != NULL) {
            unsigned bit;

            if (!scheme_bit(word, &bit)) {
                set_error(errbuf, errlen, o->name,
                          "expected omemo-legacy, omemo2, openpgp, "
                          "pgp-legacy or otr");
                return SO_EINVAL;
            }
            *bits |= bit;
            continue;
        }
        err = list_entry(o, word, entry, sizeof(entry), errbuf, errlen);
        if (err != SO_OK)
            return err;
        if (tmp->n >= SO_POLICY_MAX_LIST) {
            set_error(errbuf, errlen, o->name, "too many entries");
            return SO_EINVAL;
        }
        tmp->items[tmp->n] = strdup(entry);
        if (tmp->items[tmp->n] == NULL)
            return SO_ENOMEM;
        tmp->n++;
    }
    return SO_OK;
}

static struct so_strlist *policy_list(struct so_policy *policy,
                                      const char *name)
{
    if (strcmp(name, "exempt_jids") == 0)
        return &policy->exempt_jids;
    if (strcmp(name, "exempt_domains") == 0)
        return &policy->exempt_domains;
    return &policy->exempt_rooms;
}

static enum so_err set_list(struct so_policy *policy, const struct so_option *o,
                            const char *value, char *errbuf, size_t errlen)
{
    struct so_strlist *tmp;
    struct so_strlist *dst;
    unsigned bits = 0;
    enum so_err err;

    if (strcmp(o->name, "schemes") == 0) {
        err = parse_list(o, value, NULL, &bits, errbuf, errlen);
        if (err == SO_OK && bits == 0) {
            /* An empty list would refuse every encrypted message. */
            set_error(errbuf, errlen, o->name, "at least one scheme is needed");
            err = SO_EINVAL;
        }
        if (err == SO_OK)
            policy->schemes = bits;
        return err;
    }
    tmp = calloc(1, sizeof(*tmp));
    if (tmp == NULL)
        return SO_ENOMEM;
    err = parse_list(o, value, tmp, NULL, errbuf, errlen);
    if (err != SO_OK)
        goto out;
    /* The new list is complete: hand its strings over to the policy. */
    dst = policy_list(policy, o->name);
    strlist_clear(dst);
    *dst = *tmp;
    tmp->n = 0;
out:
    strlist_clear(tmp);
    free(tmp);
    return err;
}

static enum so_err set_enum(struct so_policy *policy, const struct so_option *o,
                            const char *value, char *errbuf, size_t errlen)
{
    if (strcmp(o->name, "strictness") == 0) {
        if (strcmp(value, "strict") == 0 || strcmp(value, "compatible") == 0) {
            policy->strict = strcmp(value, "strict") == 0;
            return SO_OK;
        }
        set_error(errbuf, errlen, o->name, "expected strict or compatible");
        return SO_EINVAL;
    }
    enum so_mode mode;

    if (strcmp(value, "required") == 0)
        mode = SO_MODE_REQUIRED;
    else if (strcmp(value, "warn") == 0)
        mode = SO_MODE_WARN;
    else if (strcmp(value, "off") == 0)
        mode = SO_MODE_OFF;
    else {
        set_error(errbuf, errlen, o->name, "expected required, warn or off");
        return SO_EINVAL;
    }
    if (strcmp(o->name, "chat") == 0)
        policy->chat = mode;
    else
        policy->groupchat = mode;
    return SO_OK;
}

static enum so_err set_string(struct so_policy *policy,
                              const struct so_option *o, const char *value,
                              char *errbuf, size_t errlen)
{
    char **dst = strcmp(o->name, "fallback_text_en") == 0
                     ? &policy->fallback_text_en
                     : &policy->fallback_text_ur;
    char *copy;

    if (strlen(value) > SO_POLICY_MAX_STRING) {
        set_error(errbuf, errlen, o->name, "text longer than 1024 bytes");
        return SO_EINVAL;
    }
    if (!utf8_valid(value)) {
        set_error(errbuf, errlen, o->name,
                  "text is not valid UTF-8 or holds control characters");
        return SO_EINVAL;
    }
    if (value[0] == '\0') {
        set_error(errbuf, errlen, o->name, "text must not be empty");
        return SO_EINVAL;
    }
    copy = strdup(value);
    if (copy == NULL)
        return SO_ENOMEM;
    free(*dst);
    *dst = copy;
    return SO_OK;
}

static enum so_err set_int(struct so_policy *policy, const struct so_option *o,
                           const char *value, char *errbuf, size_t errlen)
{
    unsigned long v = 0;
    const char *p = value;

    if (*p == '\0')
        goto bad;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > 315360000UL)
            goto bad;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v > 315360000UL) /* ten years */
        goto bad;
    policy->warn_interval = v;
    return SO_OK;
bad:
    set_error(errbuf, errlen, o->name,
              "expected a number of seconds from 0 to 315360000");
    return SO_EINVAL;
}

enum so_err so_policy_set(struct so_policy *policy, const char *name,
                          const char *value, char *errbuf, size_t errlen)
{
    const struct so_option *o = so_option_find(name);

    if (policy == NULL || o == NULL) {
        set_error(errbuf, errlen, name != NULL ? name : "(null)",
                  "unknown option");
        return SO_EINVAL;
    }
    if (value == NULL) {
        set_error(errbuf, errlen, name, "missing value");
        return SO_EINVAL;
    }
    switch (o->type) {
    case SO_OPT_BOOL:
        if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0) {
            policy->exempt_services = strcmp(value, "true") == 0;
            return SO_OK;
        }
        set_error(errbuf, errlen, name, "expected true or false");
        return SO_EINVAL;
    case SO_OPT_ENUM:
        return set_enum(policy, o, value, errbuf, errlen);
    case SO_OPT_LIST:
        return set_list(policy, o, value, errbuf, errlen);
    case SO_OPT_STRING:
        return set_string(policy, o, value, errbuf, errlen);
    case SO_OPT_INT:
        return set_int(policy, o, value, errbuf, errlen);
    case SO_OPT_PERIOD:
    case SO_OPT_PATH:
        break; /* no option of the policy has these types */
    }
    return SO_EINVAL;
}

enum so_err so_policy_add_host(struct so_policy *policy, const char *domain)
{
    char *copy;
    size_t i;

    if (policy == NULL || domain == NULL || !host_ok(domain))
        return SO_EINVAL;
    if (policy->hosts.n >= SO_POLICY_MAX_LIST)
        return SO_ELIMIT;
    copy = strdup(domain);
    if (copy == NULL)
        return SO_ENOMEM;
    for (i = 0; copy[i] != '\0'; i++)
        copy[i] = ascii_lower(copy[i]);
    policy->hosts.items[policy->hosts.n++] = copy;
    return SO_OK;
}

/* -- Periods and the values of the other modules ------------------------ */

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

#define DAY 86400ULL

enum so_err so_period_parse(const char *text, uint64_t *seconds)
{
    const char *p = text;
    uint64_t n = 0, unit = 1;
    bool digits = false;

    if (text == NULL || seconds == NULL)
        return SO_EINVAL;
    while (is_space(*p))
        p++;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > SO_PERIOD_MAX)
            return SO_EINVAL;
        n = n * 10 + (uint64_t)(*p - '0');
        digits = true;
    }
    while (is_space(*p))
        p++;
    switch (ascii_lower(*p)) {
    case 'd':
        unit = DAY;
        break;
    case 'w':
        unit = 7 * DAY;
        break;
    case 'm':
        unit = 31 * DAY;
        break;
    case 'y':
        unit = 31556952ULL; /* 365.2425 days */
        break;
    default:
        unit = 0;
        break;
    }
    if (unit != 0)
        p++;
    else
        unit = 1;
    while (is_space(*p))
        p++;
    if (!digits || *p != '\0' || n > SO_PERIOD_MAX / unit)
        return SO_EINVAL;
    *seconds = n * unit;
    return SO_OK;
}

/* True when WORD is one of the '|'-separated CHOICES. */
static bool is_choice(const char *choices, const char *word)
{
    size_t len = strlen(word);
    const char *c = choices;

    while (c != NULL && *c != '\0') {
        const char *end = strchr(c, '|');
        size_t n = end != NULL ? (size_t)(end - c) : strlen(c);

        if (n == len && strncmp(c, word, n) == 0)
            return true;
        c = end != NULL ? end + 1 : NULL;
    }
    return false;
}

/* Largest INT: every such number is exact in a Lua float too. */
#define INT_MAX_VALUE 9007199254740991ULL

static bool parse_count(const char *value, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = value;

    if (*p == '\0')
        return false;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > INT_MAX_VALUE)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > INT_MAX_VALUE)
        return false;
    *out = v;
    return true;
}

/* Checks VALUE against O's type; on failure returns the reason. */
static const char *check_value(const struct so_option *o, const char *value,
                               struct so_option_value *out)
{
    switch (o->type) {
    case SO_OPT_BOOL:
        out->flag = strcmp(value, "true") == 0;
        if (out->flag || strcmp(value, "false") == 0)
            return NULL;
        return "expected true or false";
    case SO_OPT_ENUM:
        return is_choice(o->choices, value) ? NULL : "expected one of";
    case SO_OPT_LIST:
    case SO_OPT_STRING:
        return utf8_valid(value) ? NULL
                                 : "text is not valid UTF-8 or holds "
                                   "control characters";
    case SO_OPT_PATH:
        if (value[0] == '\0')
            return "a path must not be empty";
        return utf8_valid(value) ? NULL
                                 : "path is not valid UTF-8 or holds "
                                   "control characters";
    case SO_OPT_INT:
        return parse_count(value, &out->number)
                   ? NULL
                   : "expected a whole number from 0 to 2^53-1";
    case SO_OPT_PERIOD:
        if (so_period_parse(value, &out->number) != SO_OK)
            return "not a period like 30d, 4w, 6m or 1y, or a number of "
                   "seconds, up to 1000 years";
        return out->number > 0 ? NULL : "must be longer than 0";
    }
    return "unknown type";
}

enum so_err so_option_parse(const struct so_option_set *set,
                            const struct so_option *o, const char *value,
                            struct so_option_value *out, char *errbuf,
                            size_t errlen)
{
    struct so_option_value tmp = {false, 0};
    const char *why;

    if (set == NULL || o == NULL)
        return SO_EINVAL;
    why = value == NULL ? "missing value" : check_value(o, value, &tmp);
    if (why != NULL) {
        if (errbuf != NULL && errlen > 0)
            snprintf(errbuf, errlen, "%s%s: %s%s%s", set->prefix, o->name, why,
                     o->type == SO_OPT_ENUM ? " " : "",
                     o->type == SO_OPT_ENUM ? o->choices : "");
        return SO_EINVAL;
    }
    if (out != NULL)
        *out = tmp;
    return SO_OK;
}
