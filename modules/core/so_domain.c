/*
 * so_domain.c - canonical domain names and zone patterns (libidn2).
 */
#include <idn2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "so_domain.h"

/* Longest input accepted before conversion: a 253-octet A-label name can
 * come from a longer UTF-8 text, but never from one four times as long. */
#define INPUT_MAX (4 * SO_DOMAIN_MAX)

#define IDN_FLAGS                                                              \
    (IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL | IDN2_ALABEL_ROUNDTRIP)

__attribute__((format(printf, 3, 4))) static void
set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errbuf == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

static bool is_ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool is_ascii(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s >= 0x80)
            return false;
    }
    return true;
}

/* Empty labels are checked before conversion: libidn2 passes "a..b". */
static bool has_empty_label(const char *name)
{
    size_t len = strlen(name);

    return name[0] == '.' || name[len - 1] == '.' || strstr(name, "..") != NULL;
}

/* Checks one label of the converted name: NAME[0..LEN). */
static enum so_err check_label(const char *label, size_t len, char *errbuf,
                               size_t errlen)
{
    size_t i;

    if (len > SO_LABEL_MAX) {
        set_err(errbuf, errlen, "label '%.20s...' is longer than %d octets",
                label, SO_LABEL_MAX);
        return SO_EINVAL;
    }
    if (label[0] == '-' || label[len - 1] == '-') {
        set_err(errbuf, errlen, "label '%.*s' starts or ends with a hyphen",
                (int)len, label);
        return SO_EINVAL;
    }
    for (i = 0; i < len; i++) {
        if (!is_ldh(label[i])) {
            set_err(errbuf, errlen,
                    "label '%.*s' has a character other than a letter, "
                    "digit or hyphen",
                    (int)len, label);
            return SO_EINVAL;
        }
    }
    return SO_OK;
}

/* Checks the converted, lower-cased name ACE label by label. */
static enum so_err check_ace(const char *ace, char *errbuf, size_t errlen)
{
    const char *label = ace, *dot;
    size_t len;
    bool digits_only = true;
    enum so_err err;

    if (strlen(ace) > SO_DOMAIN_MAX) {
        set_err(errbuf, errlen, "name is longer than %d octets", SO_DOMAIN_MAX);
        return SO_EINVAL;
    }
    for (;;) {
        dot = strchr(label, '.');
        len = dot != NULL ? (size_t)(dot - label) : strlen(label);
        if (len == 0) {
            set_err(errbuf, errlen, "name has an empty label");
            return SO_EINVAL;
        }
        err = check_label(label, len, errbuf, errlen);
        if (err != SO_OK)
            return err;
        if (dot == NULL)
            break;
        label = dot + 1;
    }
    digits_only = strspn(label, "0123456789") == len;
    if (digits_only) {
        set_err(errbuf, errlen,
                "an IP address is not a domain name (the last label is "
                "all digits)");
        return SO_EINVAL;
    }
    return SO_OK;
}

enum so_err so_domain_normalize(const char *in, char *out, size_t outlen,
                                char *errbuf, size_t errlen)
{
    char name[INPUT_MAX + 1];
    char *ace = NULL, *p;
    size_t len;
    int rc;
    enum so_err err = SO_EINVAL;

    if (outlen > 0)
        out[0] = '\0';
    len = in != NULL ? strlen(in) : 0;
    if (len > INPUT_MAX) {
        set_err(errbuf, errlen, "name is longer than %d octets", SO_DOMAIN_MAX);
        goto out;
    }
    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0) {
        set_err(errbuf, errlen, "empty domain name");
        goto out;
    }
    memcpy(name, in, len);
    name[len] = '\0';
    if (len > SO_DOMAIN_MAX && is_ascii(name)) {
        set_err(errbuf, errlen, "name is longer than %d octets", SO_DOMAIN_MAX);
        goto out;
    }
    if (has_empty_label(name)) {
        set_err(errbuf, errlen, "name has an empty label");
        goto out;
    }
    rc = idn2_lookup_u8((const uint8_t *)name, (uint8_t **)&ace, IDN_FLAGS);
    if (rc != IDN2_OK) {
        set_err(errbuf, errlen, "not a valid internationalised name: %s",
                idn2_strerror(rc));
        goto out;
    }
    for (p = ace; *p != '\0'; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
    err = check_ace(ace, errbuf, errlen);
    if (err != SO_OK)
        goto out_ace;
    if (strlen(ace) >= outlen) {
        set_err(errbuf, errlen, "output buffer too small");
        err = SO_EINVAL;
        goto out_ace;
    }
    memcpy(out, ace, strlen(ace) + 1);
out_ace:
    idn2_free(ace);
out:
    return err;
}

enum so_err so_zone_pattern_normalize(const char *in, char *out, size_t outlen,
                                      char *errbuf, size_t errlen)
{
    const char *domain = in;
    size_t prefix = 0;
    enum so_err err;

    if (outlen > 0)
        out[0] = '\0';
    if (in != NULL && strncmp(in, "*.", 2) == 0) {
        domain = in + 2;
        prefix = 2;
    }
    if (domain != NULL && strchr(domain, '*') != NULL) {
        set_err(errbuf, errlen,
                "'*' is only allowed as the whole first label, as in "
                "'*.example.gov'");
        return SO_EINVAL;
    }
    if (outlen < prefix + 1) {
        set_err(errbuf, errlen, "output buffer too small");
        return SO_EINVAL;
    }
    err = so_domain_normalize(domain, out + prefix, outlen - prefix, errbuf,
                              errlen);
    if (err != SO_OK)
        return err;
    if (prefix > 0)
        memcpy(out, "*.", 2);
    return SO_OK;
}
