/*
 * so_b64.c - strict base64 validation without decoding into a buffer.
 */
#include "so_b64.h"

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static bool is_xml_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool so_b64_valid(const char *s, size_t len, size_t *decoded)
{
    size_t i, n = 0, pad = 0;
    int last = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;

        if (is_xml_space(c))
            continue;
        if (c == '=') {
            pad++;
            n++;
            continue;
        }
        v = b64_value(c);
        if (v < 0 || pad > 0) /* data after padding */
            return false;
        last = v;
        n++;
    }
    if (n % 4 != 0 || pad > 2)
        return false;
    /* RFC 4648 §3.5: the bits under the padding must be zero. */
    if (pad == 1 && (last & 0x03) != 0)
        return false;
    if (pad == 2 && (last & 0x0f) != 0)
        return false;
    if (decoded != NULL)
        *decoded = n / 4 * 3 - pad;
    return true;
}
