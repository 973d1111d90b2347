/*
 * so_omemo.h - the end-to-end encryption policy: classify one message.
 *
 * so_omemo_classify() is a pure function of the view and the policy: no
 * I/O, no locks, no allocation. Every host binding calls it and applies
 * the verdict the same way.
 */
#ifndef SO_OMEMO_H
#define SO_OMEMO_H

#include <stdbool.h>

#include "so_options.h"
#include "so_view.h"

enum so_action {
    SO_ALLOW = 0, /* pass unchanged */
    SO_REWRITE,   /* pass after so_verdict.rewrite is applied */
    SO_REFUSE,    /* do not deliver, store or archive; bounce an error */
};

/* What the judged message is. */
enum so_class {
    SO_CLASS_ENCRYPTED = 0, /* a valid payload of an accepted scheme */
    SO_CLASS_KEY_TRANSPORT, /* OMEMO without payload: keys, heartbeats */
    SO_CLASS_METADATA,      /* no content at all: chat states, receipts */
    SO_CLASS_PLAINTEXT,     /* readable content in the clear */
    SO_CLASS_UNACCEPTED,    /* encrypted with a scheme not accepted */
    SO_CLASS_MALFORMED,     /* an encryption element that does not count */
    SO_CLASS_SERVER,        /* server traffic: errors, PEP, host headlines */
    SO_CLASS_EXEMPT,        /* from or to an exempt JID, domain or room */
    SO_CLASS_UNCHECKED,     /* the policy for this type is off */
    SO_CLASS_COUNT
};

/* Why: the precise rule that decided. Each has an English text for logs
 * and the CLI, and the user-facing error texts in English and Urdu. */
enum so_reason {
    SO_R_OK = 0,              /* nothing to say */
    SO_R_PAYLOAD,             /* valid encrypted payload */
    SO_R_PAYLOAD_FALLBACK,    /* valid payload; body replaced by fallback */
    SO_R_NO_PAYLOAD,          /* OMEMO key transport or heartbeat */
    SO_R_METADATA_ONLY,       /* only metadata elements */
    SO_R_ERROR_STANZA,        /* type error: never answered */
    SO_R_ERROR_CONTENT,       /* type error echoing content: stripped */
    SO_R_HOST_HEADLINE,       /* headline from a served host */
    SO_R_PEP_EVENT,           /* PEP / pubsub event notification */
    SO_R_EXEMPT,              /* exemption matched */
    SO_R_POLICY_OFF,          /* policy off for this message type */
    SO_R_BODY,                /* body in the clear */
    SO_R_SUBJECT,             /* subject text */
    SO_R_XHTML,               /* XHTML-IM */
    SO_R_OOB,                 /* out-of-band data / links */
    SO_R_REFERENCE,           /* references, SIMS, file sharing */
    SO_R_REACTION,            /* reactions, in strict mode */
    SO_R_RETRACT_FALLBACK,    /* retraction fallback body, strict mode */
    SO_R_FORWARDED,           /* a forwarded message with content */
    SO_R_UNKNOWN_TEXT,        /* an unknown element carrying text */
    SO_R_INVITE_REASON,       /* a MUC invitation with a reason */
    SO_R_OTR_PREFIX,          /* a ?OTR body when OTR is not accepted */
    SO_R_SCHEME_NOT_ACCEPTED, /* OpenPGP, legacy PGP or OTR not listed */
    SO_R_OMEMO_NOT_CHILD,     /* an OMEMO element not a child of message */
    SO_R_OMEMO_HEADER,        /* no header, or more than one */
    SO_R_OMEMO_SID,           /* sid missing or out of range */
    SO_R_OMEMO_NO_KEY,        /* no key */
    SO_R_OMEMO_RID,           /* a rid missing or out of range */
    SO_R_OMEMO_KEYS_JID,      /* OMEMO 2 key outside <keys jid=...> */
    SO_R_OMEMO_IV,            /* legacy: iv missing, doubled or bad base64 */
    SO_R_OMEMO_BASE64,        /* a key or payload that is not base64 */
    SO_R_OMEMO_EMPTY_PAYLOAD, /* payload element present but empty */
    SO_R_OMEMO_PAYLOAD_SIZE,  /* OMEMO 2 payload not n * 16 bytes */
    SO_R_OMEMO_DUPLICATE,     /* two encrypted elements of one version */
    SO_R_OMEMO_STRAY_TEXT,    /* text outside key, iv and payload */
    SO_R_PGP_MALFORMED,       /* an empty or non-base64 PGP element */
    SO_R_TOO_COMPLEX,         /* the view builder hit a limit */
    SO_R_COUNT
};

/* RFC 6120 §8.3.3 conditions the policy uses. */
enum so_cond {
    SO_COND_NONE = 0,
    SO_COND_POLICY_VIOLATION,
    SO_COND_NOT_ACCEPTABLE,
    SO_COND_BAD_REQUEST,
};

/* What a binding must change for SO_REWRITE. */
enum so_rewrite {
    SO_RW_NONE = 0,
    /* Replace the text of every <body> of the judged message with the
     * policy's fallback text, and drop every urn:xmpp:fallback:0 element
     * (their ranges pointed into the old body). */
    SO_RW_FALLBACK_BODY = 1u << 0,
    /* Remove every child of the judged message (a type='error' message)
     * except its first <error> element in the stanza namespace, text
     * included: the payload it echoed is not passed on. */
    SO_RW_STRIP_TO_ERROR = 1u << 1,
};

struct so_verdict {
    enum so_action action;
    enum so_class cls;
    enum so_reason reason;
    enum so_cond cond; /* SO_COND_NONE unless refused */
    unsigned rewrite;  /* so_rewrite bits */
    unsigned schemes;  /* valid so_scheme bits found */
    bool warn;         /* warn mode: would have been refused; notify */
    bool groupchat;    /* judged under the groupchat policy */
    /* The message that was judged: the stanza itself, or the message
     * forwarded inside a carbon or archive result. Borrowed. */
    const struct so_node *judged;
    /* The element that decided (the body, the bad key...); may be NULL. */
    const struct so_node *culprit;
};

/*
 * Classifies MSG, a <message> element, under POLICY. Always fills OUT;
 * never fails. A non-message is classified SO_CLASS_SERVER / allowed.
 */
void so_omemo_classify(const struct so_policy *policy,
                       const struct so_node *msg, struct so_verdict *out);

/*
 * The attributes so_omemo_classify() reads, by element local name (in any
 * namespace), terminated by an entry whose element is NULL. A host binding
 * may put only these into its views, provided it puts every one of them a
 * stanza has; so_xml.c keeps every attribute. Static.
 */
struct so_attr_read {
    const char *element; /* "message", "key", ... */
    const char *attr;    /* "type", "rid", ... */
};

const struct so_attr_read *so_omemo_attrs_read(void);

/* Short static names for logs, metrics and the CLI. */
const char *so_action_str(enum so_action action); /* "allow", ... */
const char *so_class_str(enum so_class cls);      /* "plaintext", ... */
const char *so_reason_str(enum so_reason reason); /* "body in the clear" */
const char *so_cond_str(enum so_cond cond);       /* "policy-violation" */

/*
 * The text of the error a refused sender receives, in English and Urdu.
 * It says what was refused and what to do; it never quotes the content.
 * Static strings.
 */
const char *so_refusal_text_en(enum so_reason reason);
const char *so_refusal_text_ur(enum so_reason reason);
/* The notice sent in warn mode, in English and Urdu. Static. */
const char *so_warn_text_en(void);
const char *so_warn_text_ur(void);
/*
 * The sentence added to a plaintext refusal when the recipient has no
 * OMEMO device at all ("... has not set up encryption yet"), in English
 * and Urdu. Static. Defined in so_texts_device.c.
 */
const char *so_no_device_text_en(void);
const char *so_no_device_text_ur(void);

#endif
