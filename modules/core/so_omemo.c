/*
 * so_omemo.c - classify one message for the end-to-end encryption policy.
 *
 * How a message is judged (the choices the issue leaves to us):
 *
 *  - Only an OMEMO <encrypted> that is a direct child of <message> counts
 *    (XEP-0384 §4.5 places it there). One nested deeper is an unknown
 *    element: content when it carries text (its base64 is text).
 *  - An encryption element of an accepted scheme with a payload makes the
 *    message ENCRYPTED. A body beside it is the client's fallback text
 *    (XEP-0380, XEP-0384 §4.5 "SHOULD contain a body hint"): the binding
 *    replaces it with our own fallback text. Any other clear content beside
 *    it (XHTML-IM, OOB, subject text, unknown text) is refused: it leaks.
 *  - A valid OMEMO element without payload is key transport (XEP-0384 §6.1
 *    "empty OMEMO message"): allowed, whichever OMEMO version it is, since
 *    it carries no content.
 *  - Valid ciphertext of a scheme not accepted is UNACCEPTED, unless an
 *    accepted payload is present too (ciphertext leaks nothing).
 *  - A ?OTR prefix proves nothing: with OTR accepted, only a data message
 *    ("?OTR:" base64 ".") or a bare query ("?OTRv23?") is OTR.
 *  - Unknown elements are content when they or their descendants hold
 *    non-white-space text, and metadata otherwise. Known metadata elements
 *    (the table below) are metadata whatever text they hold (a nick, a
 *    delay reason, a moderation reason), except a MUC invitation with a
 *    reason (XEP-0045 <invite><reason>, XEP-0249 reason=''): that is
 *    words the user typed, and the room repeats them in a body.
 *  - Inside an OMEMO <encrypted>, only <key>, <iv> and <payload> hold
 *    text (base64). Text directly in <encrypted>, <header> or <keys>, or
 *    in an unknown element of the header, makes the element malformed:
 *    no client reads it, so it can only be a leak. An unknown element with
 *    text directly in <encrypted> stays plaintext (unknown text).
 *  - Carbons (XEP-0280) and archive results (XEP-0313) are judged by the
 *    message they forward; the wrapper itself must carry nothing else.
 *    Any other XEP-0297 forward is content when the forwarded message
 *    would not pass on its own.
 */
#include "so_omemo.h"

#include <stdint.h>
#include <string.h>

#include "so_b64.h"
#include "so_jid.h"

/* The namespaces the classifier acts on by identity. */
enum ns {
    NS_OTHER = 0, /* any other: known only for its kind, or unknown */
    NS_STANZA,    /* none, jabber:client, jabber:server, component */
    NS_OMEMO_LEGACY,
    NS_OMEMO2,
    NS_OPENPGP,
    NS_PGP,
    NS_FORWARD,
    NS_CARBONS,
    NS_MAM,
    NS_PUBSUB_EVENT,
    NS_MUC_USER,
    NS_CONFERENCE,
};

/* What one message holds, before mode and exemptions are applied. */
struct content {
    enum so_class cls;
    enum so_reason reason;
    const struct so_node *culprit;
    unsigned schemes; /* valid so_scheme bits */
    unsigned rewrite;
};

/* How an element found in a message counts. */
enum kind {
    K_UNKNOWN = 0,
    K_METADATA,
    K_BODY,
    K_SUBJECT,
    K_XHTML,
    K_OOB,
    K_REFERENCE,
    K_REACTION,
    K_RETRACT,
    K_FASTEN,
    K_FORWARDED,
};

/* Every attribute this file reads with so_node_attr(); a binding may
 * build views with these alone (so_omemo_attrs_read()). */
static const struct so_attr_read attrs_read[] = {
    {"message", "type"}, /* judge() */
    {"message", "from"}, /* exemptions, host headlines, PEP events */
    {"message", "to"},   /* exemptions */
    {"header", "sid"},   /* check_omemo() */
    {"key", "rid"},      /* check_key() */
    {"keys", "jid"},     /* check_keys_group() */
    {"x", "reason"},     /* invite_reason() */
    {NULL, NULL},
};

/* A namespace URI with its length, for the table below. */
#define URI(s) s, sizeof(s) - 1

/*
 * Every namespace the classifier knows: which one it is and how its
 * elements count. When ONLY is set, that element alone counts as KIND and
 * the namespace's other elements are unknown. Elements of the stanza
 * namespace count by name (kind_in()). Frequent namespaces come first;
 * a look-up compares lengths before bytes, so it costs little either way.
 */
static const struct ns_entry {
    const char *uri;
    size_t len;
    enum ns id;
    enum kind kind;
    const char *only;
} namespaces[] = {
    {URI("jabber:client"), NS_STANZA, K_UNKNOWN, NULL},
    {URI(""), NS_STANZA, K_UNKNOWN, NULL},
    {URI("eu.siacs.conversations.axolotl"), NS_OMEMO_LEGACY, K_UNKNOWN, NULL},
    {URI("urn:xmpp:omemo:2"), NS_OMEMO2, K_UNKNOWN, NULL},
    {URI("urn:xmpp:hints"), NS_OTHER, K_METADATA, NULL},          /* 0334 */
    {URI("urn:xmpp:receipts"), NS_OTHER, K_METADATA, NULL},       /* 0184 */
    {URI("urn:xmpp:chat-markers:0"), NS_OTHER, K_METADATA, NULL}, /* 0333 */
    {URI("urn:xmpp:sid:0"), NS_OTHER, K_METADATA, NULL},          /* 0359 */
    {URI("http://jabber.org/protocol/chatstates"), NS_OTHER, K_METADATA,
     NULL},                                              /* 0085 */
    {URI("urn:xmpp:eme:0"), NS_OTHER, K_METADATA, NULL}, /* 0380 */
    {URI("jabber:server"), NS_STANZA, K_UNKNOWN, NULL},
    {URI("jabber:component:accept"), NS_STANZA, K_UNKNOWN, NULL},
    {URI("urn:xmpp:delay"), NS_OTHER, K_METADATA, NULL},             /* 0203 */
    {URI("jabber:x:delay"), NS_OTHER, K_METADATA, NULL},             /* 0091 */
    {URI("urn:xmpp:message-correct:0"), NS_OTHER, K_METADATA, NULL}, /* 0308 */
    {URI("http://jabber.org/protocol/nick"), NS_OTHER, K_METADATA,
     NULL}, /* 0172 */
    {URI("http://jabber.org/protocol/muc#user"), NS_MUC_USER, K_METADATA,
     NULL},                                                         /* 0045 */
    {URI("jabber:x:conference"), NS_CONFERENCE, K_METADATA, NULL},  /* 0249 */
    {URI("urn:xmpp:message-retract:0"), NS_OTHER, K_RETRACT, NULL}, /* 0424 */
    {URI("urn:xmpp:message-retract:1"), NS_OTHER, K_RETRACT, NULL},
    {URI("urn:xmpp:message-moderate:0"), NS_OTHER, K_METADATA, NULL}, /* 0425 */
    {URI("urn:xmpp:message-moderate:1"), NS_OTHER, K_METADATA, NULL},
    {URI("urn:xmpp:fasten:0"), NS_OTHER, K_FASTEN, "apply-to"},     /* 0422 */
    {URI("urn:xmpp:jingle-message:0"), NS_OTHER, K_METADATA, NULL}, /* 0353 */
    {URI("urn:xmpp:reply:0"), NS_OTHER, K_METADATA, NULL},          /* 0461 */
    {URI("urn:xmpp:fallback:0"), NS_OTHER, K_METADATA, NULL},       /* 0428 */
    {URI("urn:xmpp:occupant-id:0"), NS_OTHER, K_METADATA, NULL},    /* 0421 */
    {URI("urn:xmpp:carbons:2"), NS_CARBONS, K_METADATA, "private"}, /* 0280 */
    {URI("http://jabber.org/protocol/address"), NS_OTHER, K_METADATA,
     NULL},                                                  /* 0033 */
    {URI("urn:xmpp:styling:0"), NS_OTHER, K_METADATA, NULL}, /* 0393 */
    {URI("urn:xmpp:message-attaching:1"), NS_OTHER, K_METADATA,
     NULL},                                                    /* 0367 */
    {URI("jabber:x:event"), NS_OTHER, K_METADATA, NULL},       /* 0022 */
    {URI("urn:xmpp:attention:0"), NS_OTHER, K_METADATA, NULL}, /* 0224 */
    {URI("http://jabber.org/protocol/xhtml-im"), NS_OTHER, K_XHTML,
     NULL},                                                         /* 0071 */
    {URI("jabber:x:oob"), NS_OTHER, K_OOB, NULL},                   /* 0066 */
    {URI("urn:xmpp:reference:0"), NS_OTHER, K_REFERENCE, NULL},     /* 0372 */
    {URI("urn:xmpp:sims:1"), NS_OTHER, K_REFERENCE, NULL},          /* 0385 */
    {URI("urn:xmpp:sfs:0"), NS_OTHER, K_REFERENCE, NULL},           /* 0447 */
    {URI("urn:xmpp:file:metadata:0"), NS_OTHER, K_REFERENCE, NULL}, /* 0446 */
    {URI("urn:xmpp:jingle:apps:file-transfer:5"), NS_OTHER, K_REFERENCE, NULL},
    {URI("urn:xmpp:reactions:0"), NS_OTHER, K_REACTION, NULL}, /* 0444 */
    {URI("urn:xmpp:forward:0"), NS_FORWARD, K_FORWARDED, "forwarded"},
    {URI("urn:xmpp:openpgp:0"), NS_OPENPGP, K_UNKNOWN, NULL}, /* 0373 */
    {URI("jabber:x:encrypted"), NS_PGP, K_UNKNOWN, NULL},     /* 0027 */
    {URI("urn:xmpp:mam:2"), NS_MAM, K_UNKNOWN, NULL},         /* 0313 */
    {URI("http://jabber.org/protocol/pubsub#event"), NS_PUBSUB_EVENT, K_UNKNOWN,
     NULL}, /* 0060 */
};

static const struct ns_entry unknown_ns = {URI(""), NS_OTHER, K_UNKNOWN, NULL};

/* The table entry of namespace NS; &unknown_ns when it is not known. */
static const struct ns_entry *ns_entry_of(const char *ns)
{
    size_t len = strlen(ns), i;

    for (i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++)
        if (namespaces[i].len == len && memcmp(namespaces[i].uri, ns, len) == 0)
            return &namespaces[i];
    return &unknown_ns;
}

static enum ns ns_of(const struct so_node *n)
{
    return ns_entry_of(n->ns)->id;
}

/* Names and attribute values the classifier compares differ in their
 * first byte far more often than not. */
static bool streq(const char *a, const char *b)
{
    return a[0] == b[0] && strcmp(a, b) == 0;
}

static bool has_name(const struct so_node *n, const char *name)
{
    return streq(n->name, name);
}

/* Builders hand out one string for a namespace repeated down a tree
 * (Lua interns it; so_xml.c reuses the parent's), so most comparisons
 * stop at the pointers. */
static bool same_ns(const char *a, const char *b)
{
    return a == b || strcmp(a, b) == 0;
}

static bool is_named(const struct so_node *n, const char *name, enum ns id)
{
    return has_name(n, name) && ns_of(n) == id;
}

static bool is_message(const struct so_node *n)
{
    return n != NULL && is_named(n, "message", NS_STANZA);
}

static bool is_omemo(const struct so_node *n, const struct ns_entry *e)
{
    return (e->id == NS_OMEMO_LEGACY || e->id == NS_OMEMO2) &&
           has_name(n, "encrypted");
}

/* How element N, whose namespace entry is E, counts in a message. */
static enum kind kind_in(const struct so_node *n, const struct ns_entry *e)
{
    if (e->id == NS_STANZA) {
        if (has_name(n, "body"))
            return K_BODY;
        if (has_name(n, "subject"))
            return K_SUBJECT;
        if (has_name(n, "thread"))
            return K_METADATA;
        return K_UNKNOWN;
    }
    if (e->only != NULL && !has_name(n, e->only))
        return K_UNKNOWN;
    return e->kind;
}

static enum kind kind_of(const struct so_node *n)
{
    return kind_in(n, ns_entry_of(n->ns));
}

/* True when N or any descendant holds non-white-space text. The depth is
 * bounded by SO_VIEW_MAX_DEPTH. */
static bool tree_has_text(const struct so_node *n)
{
    const struct so_node *c;

    if (so_node_has_text(n))
        return true;
    for (c = n->first_child; c != NULL; c = c->next)
        if (tree_has_text(c))
            return true;
    return false;
}

/* First OMEMO <encrypted> at or below N, or NULL. */
static const struct so_node *find_nested_omemo(const struct so_node *n)
{
    const struct so_node *c, *hit;

    if (is_omemo(n, ns_entry_of(n->ns)))
        return n;
    for (c = n->first_child; c != NULL; c = c->next)
        if ((hit = find_nested_omemo(c)) != NULL)
            return hit;
    return NULL;
}

/* Text of N without surrounding XML white space. */
static void trimmed(const struct so_node *n, const char **s, size_t *len)
{
    const char *p = n->text;
    size_t l = n->text_len;

    while (l > 0 && strchr(" \t\r\n", p[0]) != NULL && p[0] != '\0') {
        p++;
        l--;
    }
    while (l > 0 && strchr(" \t\r\n", p[l - 1]) != NULL && p[l - 1] != '\0')
        l--;
    *s = p;
    *len = l;
}

/* XEP-0384 §5.3: device ids are in 1..2^31-1; decimal digits only. */
static bool device_id_ok(const char *v)
{
    uint32_t id = 0;

    if (v == NULL || *v == '\0')
        return false;
    for (; *v != '\0'; v++) {
        uint32_t d = (uint32_t)(*v - '0');

        if (*v < '0' || *v > '9')
            return false;
        /* checked before the step so that the value cannot wrap */
        if (id > (0x7fffffffu - d) / 10)
            return false;
        id = id * 10 + d;
    }
    return id > 0;
}

static bool b64_nonempty(const struct so_node *n, size_t *decoded)
{
    size_t dec = 0;

    if (!so_b64_valid(n->text, n->text_len, &dec) || dec == 0)
        return false;
    if (decoded != NULL)
        *decoded = dec;
    return true;
}

static enum so_reason check_key(const struct so_node *key)
{
    if (!device_id_ok(so_node_attr(key, "rid")))
        return SO_R_OMEMO_RID;
    if (!b64_nonempty(key, NULL))
        return SO_R_OMEMO_BASE64;
    return SO_R_OK;
}

static void set_bad(struct content *c, enum so_class cls, enum so_reason reason,
                    const struct so_node *culprit)
{
    c->cls = cls;
    c->reason = reason;
    c->culprit = culprit;
}

/* Checks the keys of one <keys jid='...'> group of an OMEMO 2 header. */
static enum so_reason check_keys_group(const struct so_node *keys,
                                       const char *ns, size_t *nkeys,
                                       const struct so_node **bad)
{
    const char *jid = so_node_attr(keys, "jid");
    const struct so_node *k;
    enum so_reason r;

    if (jid == NULL || *jid == '\0')
        return SO_R_OMEMO_KEYS_JID;
    if (so_node_has_text(keys))
        return SO_R_OMEMO_STRAY_TEXT;
    for (k = keys->first_child; k != NULL; k = k->next) {
        *bad = k;
        if (!has_name(k, "key") || !same_ns(k->ns, ns)) {
            if (tree_has_text(k))
                return SO_R_OMEMO_STRAY_TEXT;
            continue;
        }
        if ((r = check_key(k)) != SO_R_OK)
            return r;
        (*nkeys)++;
    }
    return SO_R_OK;
}

/* A child of an OMEMO header that the header may hold: <key> in either
 * version, <keys> in OMEMO 2 and <iv> in the legacy one. */
static bool is_header_part(const struct so_node *c, const char *ns, bool v2)
{
    if (!same_ns(c->ns, ns))
        return false;
    return has_name(c, "key") || (v2 ? has_name(c, "keys") : has_name(c, "iv"));
}

/* Legacy XEP-0384 v0.3 §4.5: exactly one <iv>, base64. IV is the first
 * one found, DOUBLED the second. */
static enum so_reason check_iv(const struct so_node *header,
                               const struct so_node *iv,
                               const struct so_node *doubled,
                               const struct so_node **bad)
{
    if (doubled != NULL) {
        *bad = doubled;
        return SO_R_OMEMO_IV;
    }
    *bad = iv != NULL ? iv : header;
    if (iv == NULL || !b64_nonempty(iv, NULL))
        return SO_R_OMEMO_IV;
    return SO_R_OK;
}

/*
 * Checks the children of an OMEMO header (XEP-0384 §4.5) in one walk:
 * legacy keys and the legacy <iv> sit in the header, OMEMO 2 keys in
 * <keys jid='...'> groups. Text anywhere else in the header (directly in
 * it, or in an element that is none of these) is a bad key's equal: the
 * only text an OMEMO element may carry is base64 in <key>, <iv> and
 * <payload>. A bad key is reported first, then a missing key, then the
 * iv. Returns SO_R_OK or the reason, with *BAD set to the culprit.
 */
static enum so_reason check_header(const struct so_node *header, bool v2,
                                   const struct so_node **bad)
{
    const struct so_node *c, *iv = NULL, *doubled = NULL;
    enum so_reason r;
    size_t nkeys = 0;

    *bad = header;
    if (so_node_has_text(header))
        return SO_R_OMEMO_STRAY_TEXT;
    for (c = header->first_child; c != NULL; c = c->next) {
        *bad = c;
        if (!is_header_part(c, header->ns, v2)) {
            if (tree_has_text(c))
                return SO_R_OMEMO_STRAY_TEXT;
            continue;
        }
        if (has_name(c, "key")) {
            if (v2)
                return SO_R_OMEMO_KEYS_JID;
            if ((r = check_key(c)) != SO_R_OK)
                return r;
            nkeys++;
        } else if (has_name(c, "keys")) {
            r = check_keys_group(c, header->ns, &nkeys, bad);
            if (r != SO_R_OK)
                return r;
        } else {
            if (iv == NULL)
                iv = c;
            else if (doubled == NULL)
                doubled = c;
        }
    }
    *bad = header;
    if (nkeys == 0)
        return SO_R_OMEMO_NO_KEY;
    return v2 ? SO_R_OK : check_iv(header, iv, doubled, bad);
}

/*
 * Validates one OMEMO <encrypted>. On success returns true with
 * *HAS_PAYLOAD set; otherwise fills C with the malformed verdict.
 */
static bool check_omemo(const struct so_node *enc, struct content *c,
                        bool *has_payload)
{
    bool v2 = ns_of(enc) == NS_OMEMO2;
    const struct so_node *n, *header = NULL, *payload = NULL, *bad = enc;
    enum so_reason r = SO_R_OK;
    size_t dec = 0;
    unsigned nheaders = 0;

    if (so_node_has_text(enc)) {
        set_bad(c, SO_CLASS_MALFORMED, SO_R_OMEMO_STRAY_TEXT, enc);
        return false;
    }
    for (n = enc->first_child; n != NULL; n = n->next) {
        if (has_name(n, "header") && same_ns(n->ns, enc->ns)) {
            header = n;
            nheaders++;
        } else if (has_name(n, "payload") && same_ns(n->ns, enc->ns)) {
            if (payload != NULL) {
                set_bad(c, SO_CLASS_MALFORMED, SO_R_OMEMO_DUPLICATE, n);
                return false;
            }
            payload = n;
        } else if (tree_has_text(n)) {
            set_bad(c, SO_CLASS_PLAINTEXT, SO_R_UNKNOWN_TEXT, n);
            return false;
        }
    }
    if (nheaders != 1) {
        set_bad(c, SO_CLASS_MALFORMED, SO_R_OMEMO_HEADER, enc);
        return false;
    }
    if (!device_id_ok(so_node_attr(header, "sid"))) {
        r = SO_R_OMEMO_SID;
        bad = header;
    }
    if (r == SO_R_OK)
        r = check_header(header, v2, &bad);
    if (r == SO_R_OK && payload != NULL) {
        bad = payload;
        if (!so_node_has_text(payload))
            r = SO_R_OMEMO_EMPTY_PAYLOAD;
        else if (!so_b64_valid(payload->text, payload->text_len, &dec))
            r = SO_R_OMEMO_BASE64;
        else if (dec == 0 || (v2 && dec % 16 != 0))
            /* XEP-0384 §4.4: AES-256-CBC output, whole 16-byte blocks. */
            r = SO_R_OMEMO_PAYLOAD_SIZE;
    }
    if (r != SO_R_OK) {
        set_bad(c, SO_CLASS_MALFORMED, r, bad);
        return false;
    }
    *has_payload = payload != NULL;
    return true;
}

/* XEP-0373 §3.1 and XEP-0027 §2: base64 (an armor checksum line, "=XXXX",
 * may end the XEP-0027 text). */
static bool pgp_ok(const struct so_node *n, bool armored)
{
    const char *s;
    size_t len;

    trimmed(n, &s, &len);
    if (armored && len > 5) {
        const char *nl = s + len;

        while (nl > s && nl[-1] != '\n')
            nl--;
        if (nl > s && s + len - nl == 5 && nl[0] == '=' &&
            so_b64_valid(nl + 1, 4, NULL))
            len = (size_t)(nl - s);
    }
    if (len == 0)
        return false;
    return so_b64_valid(s, len, NULL);
}

enum otr_kind { OTR_NONE, OTR_DATA, OTR_QUERY, OTR_OTHER };

/* Classifies a body's text as OTR (OTR protocol v3, "Query messages" and
 * "Data messages"). */
static enum otr_kind otr_kind(const struct so_node *body)
{
    const char *s;
    size_t len, i;

    trimmed(body, &s, &len);
    if (len < 4 || memcmp(s, "?OTR", 4) != 0)
        return OTR_NONE;
    if (len > 6 && s[4] == ':' && s[len - 1] == '.' &&
        so_b64_valid(s + 5, len - 6, NULL))
        return OTR_DATA;
    i = 4;
    if (i < len && s[i] == '?')
        i++;
    if (i < len && s[i] == 'v') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i < len && s[i] == '?')
            i++;
        else
            return OTR_OTHER;
    }
    return i == len && i > 4 ? OTR_QUERY : OTR_OTHER;
}

static void analyse(const struct so_policy *policy, const struct so_node *msg,
                    const struct so_node *skip, struct content *out);

/* A XEP-0297 forward outside the carbon and archive wrappers: content when
 * the forwarded message would not pass on its own. */
static bool forward_leaks(const struct so_policy *policy,
                          const struct so_node *fwd)
{
    const struct so_node *c;
    struct content inner;

    for (c = fwd->first_child; c != NULL; c = c->next) {
        if (is_message(c)) {
            analyse(policy, c, NULL, &inner);
            if (inner.cls != SO_CLASS_ENCRYPTED &&
                inner.cls != SO_CLASS_KEY_TRANSPORT &&
                inner.cls != SO_CLASS_METADATA)
                return true;
        } else if (kind_of(c) == K_UNKNOWN && tree_has_text(c)) {
            return true;
        }
    }
    return false;
}

/* The findings of one pass over a message's children. */
struct scan {
    const struct so_node *omemo[2]; /* legacy, v2 */
    const struct so_node *body;     /* first body with text */
    const struct so_node *clear;    /* first other clear content */
    enum so_reason clear_reason;
    const struct so_node *pgp_bad;
    unsigned found;   /* valid ciphertext scheme bits, payloads only */
    unsigned keytr;   /* valid OMEMO without payload */
    unsigned nbodies; /* bodies with text */
    unsigned otr_data, otr_query;
    bool retract;
};

static void note_clear(struct scan *s, const struct so_node *n,
                       enum so_reason r)
{
    if (s->clear == NULL) {
        s->clear = n;
        s->clear_reason = r;
    }
}

static void scan_body(struct scan *s, const struct so_node *n)
{
    if (!tree_has_text(n))
        return;
    s->nbodies++;
    if (s->body == NULL)
        s->body = n;
    switch (otr_kind(n)) {
    case OTR_DATA:
        s->otr_data++;
        break;
    case OTR_QUERY:
        s->otr_query++;
        break;
    default:
        break;
    }
}

static void scan_fasten(struct scan *s, const struct so_node *n)
{
    const struct so_node *c;

    for (c = n->first_child; c != NULL; c = c->next) {
        enum kind k = kind_of(c);

        if (k == K_RETRACT)
            s->retract = true;
        else if (k == K_UNKNOWN && tree_has_text(c))
            note_clear(s, c, SO_R_UNKNOWN_TEXT);
    }
}

/*
 * True when N, whose namespace entry is E, is an invitation carrying a
 * reason: the user's own words, which the room also quotes in the body of
 * the invitation it makes (XEP-0045 §7.8.2 <invite><reason>, XEP-0249
 * reason='...'). A reason of white space alone is none.
 */
static bool invite_reason(const struct so_node *n, const struct ns_entry *e)
{
    const struct so_node *inv, *r;
    const char *reason;

    if (e->id == NS_CONFERENCE && has_name(n, "x")) {
        reason = so_node_attr(n, "reason");
        return reason != NULL && reason[strspn(reason, " \t\r\n")] != '\0';
    }
    if (e->id != NS_MUC_USER || !has_name(n, "x"))
        return false;
    for (inv = n->first_child; inv != NULL; inv = inv->next) {
        if (!has_name(inv, "invite") || !same_ns(inv->ns, n->ns))
            continue;
        for (r = inv->first_child; r != NULL; r = r->next)
            if (tree_has_text(r))
                return true;
    }
    return false;
}

static void scan_child(const struct so_policy *policy, struct scan *s,
                       const struct so_node *n, struct content *out)
{
    const struct ns_entry *e = ns_entry_of(n->ns);
    const struct so_node *nested;

    if (is_omemo(n, e)) {
        int v = e->id == NS_OMEMO2;
        bool payload = false;

        if (s->omemo[v] != NULL) {
            /* Two elements of one version: which would a client read? */
            if (out->cls != SO_CLASS_MALFORMED)
                set_bad(out, SO_CLASS_MALFORMED, SO_R_OMEMO_DUPLICATE, n);
            return;
        }
        s->omemo[v] = n;
        if (out->cls == SO_CLASS_MALFORMED || out->cls == SO_CLASS_PLAINTEXT)
            return;
        if (!check_omemo(n, out, &payload))
            return;
        if (payload)
            s->found |= v ? SO_SCHEME_OMEMO2 : SO_SCHEME_OMEMO_LEGACY;
        else
            s->keytr |= v ? SO_SCHEME_OMEMO2 : SO_SCHEME_OMEMO_LEGACY;
        return;
    }
    if ((e->id == NS_OPENPGP && has_name(n, "openpgp")) ||
        (e->id == NS_PGP && has_name(n, "x"))) {
        bool legacy = e->id == NS_PGP;

        if (pgp_ok(n, legacy))
            s->found |= legacy ? SO_SCHEME_PGP_LEGACY : SO_SCHEME_OPENPGP;
        else if (s->pgp_bad == NULL)
            s->pgp_bad = n;
        return;
    }
    switch (kind_in(n, e)) {
    case K_METADATA:
        if (invite_reason(n, e))
            note_clear(s, n, SO_R_INVITE_REASON);
        return;
    case K_BODY:
        scan_body(s, n);
        return;
    case K_SUBJECT:
        if (tree_has_text(n))
            note_clear(s, n, SO_R_SUBJECT);
        return;
    case K_XHTML:
        note_clear(s, n, SO_R_XHTML);
        return;
    case K_OOB:
        note_clear(s, n, SO_R_OOB);
        return;
    case K_REFERENCE:
        note_clear(s, n, SO_R_REFERENCE);
        return;
    case K_REACTION:
        if (policy->strict)
            note_clear(s, n, SO_R_REACTION);
        return;
    case K_RETRACT:
        s->retract = true;
        return;
    case K_FASTEN:
        scan_fasten(s, n);
        return;
    case K_FORWARDED:
        if (forward_leaks(policy, n))
            note_clear(s, n, SO_R_FORWARDED);
        return;
    case K_UNKNOWN:
        break;
    }
    if (!tree_has_text(n))
        return;
    nested = find_nested_omemo(n);
    if (nested != NULL)
        note_clear(s, nested, SO_R_OMEMO_NOT_CHILD);
    else
        note_clear(s, n, SO_R_UNKNOWN_TEXT);
}

static void set_ok(struct content *c, enum so_class cls, enum so_reason r)
{
    c->cls = cls;
    c->reason = r;
}

/* Turns the findings into the content class of the message. */
static void decide(const struct so_policy *policy, const struct scan *s,
                   struct content *out)
{
    unsigned accepted = s->found & policy->schemes;
    bool otr = (policy->schemes & SO_SCHEME_OTR) != 0;

    out->schemes = s->found | s->keytr;
    if (otr && s->otr_data > 0 && s->otr_data == s->nbodies) {
        accepted |= SO_SCHEME_OTR;
        out->schemes |= SO_SCHEME_OTR;
    }
    if (out->cls == SO_CLASS_MALFORMED || out->cls == SO_CLASS_PLAINTEXT)
        return;
    if (s->pgp_bad != NULL) {
        set_bad(out, SO_CLASS_MALFORMED, SO_R_PGP_MALFORMED, s->pgp_bad);
        return;
    }
    if (s->clear != NULL) {
        set_bad(out, SO_CLASS_PLAINTEXT, s->clear_reason, s->clear);
        return;
    }
    if (accepted != 0) {
        set_ok(out, SO_CLASS_ENCRYPTED, SO_R_PAYLOAD);
        if (s->body != NULL && (accepted & SO_SCHEME_OTR) == 0) {
            out->reason = SO_R_PAYLOAD_FALLBACK;
            out->rewrite = SO_RW_FALLBACK_BODY;
            out->culprit = s->body;
        }
        return;
    }
    if (s->found != 0) {
        set_bad(out, SO_CLASS_UNACCEPTED, SO_R_SCHEME_NOT_ACCEPTED, NULL);
        return;
    }
    if (s->body != NULL) {
        if (otr && s->otr_query > 0 && s->otr_query == s->nbodies) {
            set_ok(out, SO_CLASS_KEY_TRANSPORT, SO_R_NO_PAYLOAD);
            out->schemes |= SO_SCHEME_OTR;
        } else if (!otr && otr_kind(s->body) != OTR_NONE) {
            set_bad(out, SO_CLASS_PLAINTEXT, SO_R_OTR_PREFIX, s->body);
        } else if (s->retract && !policy->strict) {
            set_ok(out, SO_CLASS_METADATA, SO_R_METADATA_ONLY);
        } else {
            set_bad(out, SO_CLASS_PLAINTEXT,
                    s->retract ? SO_R_RETRACT_FALLBACK : SO_R_BODY, s->body);
        }
        return;
    }
    if (s->keytr != 0)
        set_ok(out, SO_CLASS_KEY_TRANSPORT, SO_R_NO_PAYLOAD);
    else
        set_ok(out, SO_CLASS_METADATA, SO_R_METADATA_ONLY);
}

/* Judges the children of MSG, except SKIP, without mode or exemptions. */
static void analyse(const struct so_policy *policy, const struct so_node *msg,
                    const struct so_node *skip, struct content *out)
{
    const struct so_node *n;
    struct scan s;

    memset(&s, 0, sizeof(s));
    memset(out, 0, sizeof(*out));
    out->cls = SO_CLASS_METADATA;
    for (n = msg->first_child; n != NULL; n = n->next)
        if (n != skip)
            scan_child(policy, &s, n, out);
    decide(policy, &s, out);
}

/* The first XEP-0297 <forwarded> child of WRAPPER, or NULL. */
static const struct so_node *forwarded_in(const struct so_node *wrapper)
{
    const struct so_node *c;

    for (c = wrapper->first_child; c != NULL; c = c->next)
        if (is_named(c, "forwarded", NS_FORWARD))
            return c;
    return NULL;
}

/* The forwarded message inside a carbon (XEP-0280 §6) or an archive result
 * (XEP-0313 §5.1.2), with the wrapper in *WRAPPER; NULL if none. */
static const struct so_node *unwrap(const struct so_node *msg,
                                    const struct so_node **wrapper)
{
    const struct so_node *c, *fwd;

    for (c = msg->first_child; c != NULL; c = c->next) {
        if (!is_named(c, "received", NS_CARBONS) &&
            !is_named(c, "sent", NS_CARBONS) && !is_named(c, "result", NS_MAM))
            continue;
        fwd = forwarded_in(c);
        if (fwd == NULL)
            continue;
        for (fwd = fwd->first_child; fwd != NULL; fwd = fwd->next) {
            if (is_message(fwd)) {
                *wrapper = c;
                return fwd;
            }
        }
    }
    return NULL;
}

static bool in_list(const struct so_strlist *list, const struct so_jid *j,
                    bool domain_only)
{
    size_t i;

    for (i = 0; i < list->n; i++) {
        if (domain_only ? so_jid_eq(j->domain, j->domain_len, list->items[i])
                        : so_jid_bare_eq(j, list->items[i]))
            return true;
    }
    return false;
}

/* A served host itself or one of its components: no localpart, and a
 * domain equal to or under a host. A room (room@conference.host) has a
 * localpart and so is not a service. */
static bool is_service(const struct so_policy *policy, const struct so_jid *j)
{
    size_t i;

    if (j->local_len > 0)
        return false;
    for (i = 0; i < policy->hosts.n; i++)
        if (so_jid_domain_under(j, policy->hosts.items[i]))
            return true;
    return false;
}

static bool has_exempt_lists(const struct so_policy *policy)
{
    return policy->exempt_jids.n > 0 || policy->exempt_domains.n > 0 ||
           policy->exempt_rooms.n > 0;
}

static bool jid_exempt(const struct so_policy *policy, const char *jid)
{
    struct so_jid j;

    if (jid == NULL)
        return false;
    if (!has_exempt_lists(policy)) {
        size_t at = strcspn(jid, "@/");

        /* Only a service can be exempt, and a JID with a localpart
         * (text before an '@' that comes before any '/') is none. */
        if (!policy->exempt_services || (jid[at] == '@' && at > 0))
            return false;
    }
    if (!so_jid_split(jid, &j))
        return false;
    return in_list(&policy->exempt_jids, &j, false) ||
           in_list(&policy->exempt_domains, &j, true) ||
           in_list(&policy->exempt_rooms, &j, false) ||
           (policy->exempt_services && is_service(policy, &j));
}

static bool from_host(const struct so_policy *policy, const char *from)
{
    struct so_jid j;
    size_t i;

    if (!so_jid_split(from, &j) || j.local_len > 0)
        return false;
    for (i = 0; i < policy->hosts.n; i++)
        if (so_jid_eq(j.domain, j.domain_len, policy->hosts.items[i]))
            return true;
    return false;
}

/* The pubsub#event child of a PEP notification (XEP-0163: sent from the
 * owner's bare JID), or NULL when MSG is not one. Borrowed. */
static const struct so_node *pep_event(const struct so_node *msg)
{
    const struct so_node *c;
    struct so_jid j;

    for (c = msg->first_child; c != NULL; c = c->next)
        if (is_named(c, "event", NS_PUBSUB_EVENT))
            break;
    if (c == NULL)
        return NULL;
    if (!so_jid_split(so_node_attr(msg, "from"), &j) || j.has_resource)
        return NULL;
    return c;
}

static bool refusable(enum so_class cls)
{
    return cls == SO_CLASS_PLAINTEXT || cls == SO_CLASS_UNACCEPTED ||
           cls == SO_CLASS_MALFORMED;
}

static void verdict_init(struct so_verdict *out, const struct so_node *msg)
{
    memset(out, 0, sizeof(*out));
    out->action = SO_ALLOW;
    out->cls = SO_CLASS_SERVER;
    out->reason = SO_R_OK;
    out->judged = msg;
}

/* The first <error> child of MSG in the stanza namespace, or NULL. */
static const struct so_node *error_child(const struct so_node *msg)
{
    const struct so_node *c;

    for (c = msg->first_child; c != NULL; c = c->next)
        if (is_named(c, "error", NS_STANZA))
            return c;
    return NULL;
}

/*
 * RFC 6120 §8.3.1: an error is never answered with an error, so an error
 * message is never refused. That section also lets it carry the payload of
 * the stanza that failed, which would carry plaintext past the policy: an
 * error is judged by all it holds besides its first <error>, and unless
 * that would pass unchanged as a message, it is stripped down to that
 * <error>. Exemptions and a policy that is off apply as to messages.
 */
static void judge_error(const struct so_policy *policy,
                        const struct so_node *msg, struct so_verdict *out)
{
    struct content c;

    out->reason = SO_R_ERROR_STANZA;
    if (policy->chat == SO_MODE_OFF ||
        jid_exempt(policy, so_node_attr(msg, "from")) ||
        jid_exempt(policy, so_node_attr(msg, "to")))
        return;
    analyse(policy, msg, error_child(msg), &c);
    if (!refusable(c.cls) && c.rewrite == 0)
        return;
    out->action = SO_REWRITE;
    out->cls = c.cls;
    out->reason = SO_R_ERROR_CONTENT;
    out->culprit = c.culprit;
    out->schemes = c.schemes;
    out->rewrite = SO_RW_STRIP_TO_ERROR;
}

/* Judges MSG itself; UNWRAP allows one level of carbon or archive. */
static void judge(const struct so_policy *policy, const struct so_node *msg,
                  bool may_unwrap, struct so_verdict *out)
{
    const char *type = so_node_attr(msg, "type");
    const struct so_node *inner, *wrapper = NULL, *event;
    enum so_mode mode;
    struct content c;

    verdict_init(out, msg);
    if (type == NULL)
        type = "normal";
    if (streq(type, "error")) {
        judge_error(policy, msg, out);
        return;
    }
    if (streq(type, "headline") &&
        from_host(policy, so_node_attr(msg, "from"))) {
        out->reason = SO_R_HOST_HEADLINE;
        return;
    }
    /* A notification passes whole only when nothing beside its event is
     * content: a server could otherwise wrap plaintext in an empty event. */
    event = pep_event(msg);
    if (event != NULL) {
        analyse(policy, msg, event, &c);
        if (!refusable(c.cls) && c.rewrite == 0) {
            out->reason = SO_R_PEP_EVENT;
            return;
        }
    }
    /* A wrapper is judged by what it forwards, under the inner type. */
    inner = may_unwrap ? unwrap(msg, &wrapper) : NULL;
    if (inner != NULL) {
        analyse(policy, msg, wrapper, &c);
        if (!refusable(c.cls)) {
            judge(policy, inner, false, out);
            return;
        }
    }
    out->groupchat = streq(type, "groupchat");
    mode = out->groupchat ? policy->groupchat : policy->chat;
    if (mode == SO_MODE_OFF) {
        out->cls = SO_CLASS_UNCHECKED;
        out->reason = SO_R_POLICY_OFF;
        return;
    }
    if (jid_exempt(policy, so_node_attr(msg, "from")) ||
        jid_exempt(policy, so_node_attr(msg, "to"))) {
        out->cls = SO_CLASS_EXEMPT;
        out->reason = SO_R_EXEMPT;
        return;
    }
    analyse(policy, msg, wrapper, &c);
    out->cls = c.cls;
    out->reason = c.reason;
    out->culprit = c.culprit;
    out->schemes = c.schemes;
    out->rewrite = c.rewrite;
    if (c.rewrite != 0)
        out->action = SO_REWRITE;
    if (!refusable(c.cls))
        return;
    if (mode == SO_MODE_WARN) {
        out->warn = true;
        out->rewrite = 0;
        return;
    }
    out->action = SO_REFUSE;
    out->cond = SO_COND_POLICY_VIOLATION;
}

void so_omemo_classify(const struct so_policy *policy,
                       const struct so_node *msg, struct so_verdict *out)
{
    verdict_init(out, msg);
    if (policy == NULL || !is_message(msg))
        return;
    judge(policy, msg, true, out);
}

const struct so_attr_read *so_omemo_attrs_read(void)
{
    return attrs_read;
}

const char *so_action_str(enum so_action action)
{
    switch (action) {
    case SO_ALLOW:
        return "allow";
    case SO_REWRITE:
        return "rewrite";
    case SO_REFUSE:
        return "refuse";
    }
    return "?";
}

static const char *const class_names[SO_CLASS_COUNT] = {
    [SO_CLASS_ENCRYPTED] = "encrypted",
    [SO_CLASS_KEY_TRANSPORT] = "key-transport",
    [SO_CLASS_METADATA] = "metadata",
    [SO_CLASS_PLAINTEXT] = "plaintext",
    [SO_CLASS_UNACCEPTED] = "unaccepted",
    [SO_CLASS_MALFORMED] = "malformed",
    [SO_CLASS_SERVER] = "server",
    [SO_CLASS_EXEMPT] = "exempt",
    [SO_CLASS_UNCHECKED] = "unchecked",
};

const char *so_class_str(enum so_class cls)
{
    if ((unsigned)cls >= SO_CLASS_COUNT)
        return "?";
    return class_names[cls];
}

static const char *const reason_names[SO_R_COUNT] = {
    [SO_R_OK] = "ok",
    [SO_R_PAYLOAD] = "encrypted payload",
    [SO_R_PAYLOAD_FALLBACK] = "encrypted payload with fallback body",
    [SO_R_NO_PAYLOAD] = "key transport without payload",
    [SO_R_METADATA_ONLY] = "metadata only",
    [SO_R_ERROR_STANZA] = "error stanza",
    [SO_R_ERROR_CONTENT] = "error stanza carrying content",
    [SO_R_HOST_HEADLINE] = "headline from a served host",
    [SO_R_PEP_EVENT] = "pep event",
    [SO_R_EXEMPT] = "exempt",
    [SO_R_POLICY_OFF] = "policy off",
    [SO_R_BODY] = "body in the clear",
    [SO_R_SUBJECT] = "subject in the clear",
    [SO_R_XHTML] = "xhtml-im in the clear",
    [SO_R_OOB] = "out-of-band link in the clear",
    [SO_R_REFERENCE] = "reference or file in the clear",
    [SO_R_REACTION] = "reaction in the clear",
    [SO_R_RETRACT_FALLBACK] = "retraction fallback body",
    [SO_R_FORWARDED] = "forwarded message with content",
    [SO_R_UNKNOWN_TEXT] = "unknown element with text",
    [SO_R_INVITE_REASON] = "invitation reason in the clear",
    [SO_R_OTR_PREFIX] = "otr prefix without otr",
    [SO_R_SCHEME_NOT_ACCEPTED] = "scheme not accepted",
    [SO_R_OMEMO_NOT_CHILD] = "omemo element not a child of message",
    [SO_R_OMEMO_HEADER] = "omemo header missing or doubled",
    [SO_R_OMEMO_SID] = "omemo sid invalid",
    [SO_R_OMEMO_NO_KEY] = "omemo without key",
    [SO_R_OMEMO_RID] = "omemo rid invalid",
    [SO_R_OMEMO_KEYS_JID] = "omemo key outside keys jid",
    [SO_R_OMEMO_IV] = "omemo iv invalid",
    [SO_R_OMEMO_BASE64] = "omemo base64 invalid",
    [SO_R_OMEMO_EMPTY_PAYLOAD] = "omemo payload empty",
    [SO_R_OMEMO_PAYLOAD_SIZE] = "omemo payload size invalid",
    [SO_R_OMEMO_DUPLICATE] = "omemo element doubled",
    [SO_R_OMEMO_STRAY_TEXT] = "omemo text outside key, iv and payload",
    [SO_R_PGP_MALFORMED] = "pgp element malformed",
    [SO_R_TOO_COMPLEX] = "stanza too complex",
};

const char *so_reason_str(enum so_reason reason)
{
    if ((unsigned)reason >= SO_R_COUNT || reason_names[reason] == NULL)
        return "?";
    return reason_names[reason];
}

const char *so_cond_str(enum so_cond cond)
{
    switch (cond) {
    case SO_COND_NONE:
        return "none";
    case SO_COND_POLICY_VIOLATION:
        return "policy-violation";
    case SO_COND_NOT_ACCEPTABLE:
        return "not-acceptable";
    case SO_COND_BAD_REQUEST:
        return "bad-request";
    }
    return "?";
}

/* The user-facing texts: what was refused and what to do, never content.
 * Each group's advice is something the sender can do about its reason. */
enum text_group {
    T_PLAIN,
    T_MALFORMED,
    T_PGP_MALFORMED,
    T_SCHEME,
    T_SUBJECT,
    T_XHTML,
    T_LINK,
    T_REACTION,
    T_RETRACT,
    T_INVITE,
    T_COMPLEX,
};

static enum text_group text_group_of(enum so_reason reason)
{
    if (reason >= SO_R_OMEMO_NOT_CHILD && reason < SO_R_PGP_MALFORMED)
        return T_MALFORMED;
    switch (reason) {
    case SO_R_PGP_MALFORMED:
        return T_PGP_MALFORMED;
    case SO_R_SCHEME_NOT_ACCEPTED:
        return T_SCHEME;
    case SO_R_SUBJECT:
        return T_SUBJECT;
    case SO_R_XHTML:
        return T_XHTML;
    case SO_R_OOB:
    case SO_R_REFERENCE:
        return T_LINK;
    case SO_R_REACTION:
        return T_REACTION;
    case SO_R_RETRACT_FALLBACK:
        return T_RETRACT;
    case SO_R_INVITE_REASON:
        return T_INVITE;
    case SO_R_TOO_COMPLEX:
        return T_COMPLEX;
    default:
        return T_PLAIN;
    }
}

static const char *const refusal_en[] = {
    [T_PLAIN] = "Your message was not delivered: this server accepts only "
                "end-to-end encrypted messages. Turn on OMEMO encryption "
                "for this chat and send it again.",
    [T_MALFORMED] = "Your message was not delivered: its OMEMO encryption "
                    "is damaged or incomplete. Update your app, or turn "
                    "OMEMO off and on again for this chat, then send it "
                    "again.",
    [T_PGP_MALFORMED] = "Your message was not delivered: its OpenPGP "
                        "encryption is damaged or incomplete. Use OMEMO "
                        "encryption for this chat and send it again.",
    [T_SCHEME] = "Your message was not delivered: this server does not "
                 "accept this kind of encryption. Use OMEMO encryption for "
                 "this chat and send it again.",
    [T_SUBJECT] = "Your message was not delivered: it had a subject or "
                  "topic, which cannot be encrypted. Send it without a "
                  "subject, and write the topic in an encrypted message "
                  "instead.",
    [T_XHTML] = "Your message was not delivered: it carried formatted "
                "text that is not encrypted. Turn on OMEMO encryption for "
                "this chat; if it is on, turn off formatted (rich text) "
                "messages in your app, then send it again.",
    [T_LINK] = "Your message was not delivered: it carried a link or file "
               "reference that is not encrypted. Turn on OMEMO encryption "
               "for this chat and share the file again from inside it.",
    [T_REACTION] = "Your reaction was not delivered: reactions cannot be "
                   "encrypted, and this server accepts only end-to-end "
                   "encrypted messages. Send your reaction as an encrypted "
                   "message instead.",
    [T_RETRACT] = "Your retraction was not delivered: it carried a "
                  "readable fallback text, and this server accepts only "
                  "end-to-end encrypted messages. Update your app and try "
                  "again.",
    [T_INVITE] = "Your invitation was not delivered: its reason would be "
                 "sent unencrypted. Invite again without a reason, and "
                 "write it in the encrypted chat instead.",
    [T_COMPLEX] = "Your message was not delivered: it is too large or too "
                  "deeply nested to be checked. Send a shorter message.",
};

static const char *const refusal_ur[] = {
    [T_PLAIN] = "آپ کا پیغام نہیں پہنچایا گیا: یہ "
                "سرور صرف اینڈ ٹو اینڈ خفیہ کردہ "
                "پیغامات قبول کرتا ہے۔ براہِ کرم "
                "اس گفتگو کے لیے OMEMO خفیہ کاری آن "
                "کریں اور پیغام دوبارہ بھیجیں۔",
    [T_MALFORMED] = "آپ کا پیغام نہیں پہنچایا گیا: "
                    "اس کی OMEMO خفیہ کاری خراب یا "
                    "نامکمل ہے۔ براہِ کرم اپنی ایپ "
                    "اپ ڈیٹ کریں، یا اس گفتگو کے لیے "
                    "OMEMO بند کر کے دوبارہ آن کریں، "
                    "پھر پیغام دوبارہ بھیجیں۔",
    [T_PGP_MALFORMED] = "آپ کا پیغام نہیں پہنچایا گیا: "
                        "اس کی OpenPGP خفیہ کاری خراب یا "
                        "نامکمل ہے۔ براہِ کرم اس "
                        "گفتگو کے لیے OMEMO خفیہ کاری "
                        "استعمال کریں اور پیغام "
                        "دوبارہ بھیجیں۔",
    [T_SCHEME] = "آپ کا پیغام نہیں پہنچایا گیا: یہ "
                 "سرور اس قسم کی خفیہ کاری قبول "
                 "نہیں کرتا۔ براہِ کرم اس گفتگو کے "
                 "لیے OMEMO خفیہ کاری استعمال کریں "
                 "اور پیغام دوبارہ بھیجیں۔",
    [T_SUBJECT] = "آپ کا پیغام نہیں پہنچایا گیا: اس "
                  "میں عنوان تھا، جو خفیہ نہیں کیا "
                  "جا سکتا۔ براہِ کرم پیغام عنوان "
                  "کے بغیر بھیجیں، اور عنوان کی بات "
                  "خفیہ پیغام میں لکھیں۔",
    [T_XHTML] = "آپ کا پیغام نہیں پہنچایا گیا: اس "
                "میں فارمیٹ شدہ متن تھا جو خفیہ "
                "نہیں تھا۔ براہِ کرم اس گفتگو کے "
                "لیے OMEMO خفیہ کاری آن کریں؛ اگر یہ "
                "آن ہے تو اپنی ایپ میں فارمیٹ شدہ "
                "(رچ ٹیکسٹ) پیغامات بند کریں، پھر "
                "پیغام دوبارہ بھیجیں۔",
    [T_LINK] = "آپ کا پیغام نہیں پہنچایا گیا: اس "
               "میں ایک لنک یا فائل کا حوالہ تھا "
               "جو خفیہ نہیں تھا۔ براہِ کرم اس "
               "گفتگو کے لیے OMEMO خفیہ کاری آن کریں "
               "اور فائل اسی گفتگو میں سے دوبارہ "
               "بھیجیں۔",
    [T_REACTION] = "آپ کا ردِعمل نہیں پہنچایا گیا: "
                   "ردِعمل خفیہ نہیں کیے جا سکتے، "
                   "اور یہ سرور صرف اینڈ ٹو اینڈ "
                   "خفیہ کردہ پیغامات قبول کرتا ہے۔ "
                   "براہِ کرم اپنا ردِعمل خفیہ "
                   "پیغام کی صورت میں بھیجیں۔",
    [T_RETRACT] = "پیغام واپس لینے کی آپ کی درخواست "
                  "نہیں پہنچائی گئی: اس میں پڑھے "
                  "جانے کے قابل متبادل متن تھا، اور "
                  "یہ سرور صرف اینڈ ٹو اینڈ خفیہ "
                  "کردہ پیغامات قبول کرتا ہے۔ "
                  "براہِ کرم اپنی ایپ اپ ڈیٹ کریں "
                  "اور دوبارہ کوشش کریں۔",
    [T_INVITE] = "آپ کا دعوت نامہ نہیں پہنچایا گیا: "
                 "اس کی وجہ خفیہ کاری کے بغیر بھیجی "
                 "جاتی۔ براہِ کرم وجہ لکھے بغیر "
                 "دوبارہ دعوت دیں، اور وجہ خفیہ "
                 "گفتگو میں لکھیں۔",
    [T_COMPLEX] = "آپ کا پیغام نہیں پہنچایا گیا: یہ "
                  "جانچ کے لیے بہت بڑا یا بہت "
                  "پیچیدہ ہے۔ براہِ کرم مختصر "
                  "پیغام بھیجیں۔",
};

const char *so_refusal_text_en(enum so_reason reason)
{
    return refusal_en[text_group_of(reason)];
}

const char *so_refusal_text_ur(enum so_reason reason)
{
    return refusal_ur[text_group_of(reason)];
}

const char *so_warn_text_en(void)
{
    return "Notice: you sent a message without end-to-end encryption. It "
           "was delivered this time, but this server will soon accept only "
           "encrypted messages. Please turn on OMEMO encryption for this "
           "chat.";
}

const char *so_warn_text_ur(void)
{
    return "اطلاع: آپ نے اینڈ ٹو اینڈ خفیہ کاری "
           "کے بغیر پیغام بھیجا۔ اس بار یہ پیغام "
           "پہنچا دیا گیا ہے، لیکن جلد ہی یہ "
           "سرور صرف خفیہ کردہ پیغامات قبول کرے "
           "گا۔ براہِ کرم اس گفتگو کے لیے OMEMO "
           "خفیہ کاری آن کریں۔";
}
