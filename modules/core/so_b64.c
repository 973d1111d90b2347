/*
 * so_b64.c - strict base64 validation without decoding into a buffer.
 *
 * One table maps every byte to its 6-bit value or to a class (white space,
 * padding, anything else). Runs of alphabet characters, which are
 * nearly all of a key or a payload, are checked four bytes at a time.
 */
#include "so_b64.h"

#include <stdint.h>

enum {
    SPC = 64, /* XML white space: skipped */
    PAD = 65, /* '=' */
    BAD = 255,
};

/* RFC 4648 §4 alphabet: value of each byte, or SPC, PAD or BAD. */
/* clang-format off */
static const uint8_t b64_table[256] = {
    /* 00 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* 08 */ BAD, SPC, SPC, BAD, BAD, SPC, BAD, BAD,
    /* 10 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* 18 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* 20 */ SPC, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* 28 */ BAD, BAD, BAD, 62,  BAD, BAD, BAD, 63,
    /* 30 */ 52,  53,  54,  55,  56,  57,  58,  59,
    /* 38 */ 60,  61,  BAD, BAD, BAD, PAD, BAD, BAD,
    /* 40 */ BAD, 0,   1,   2,   3,   4,   5,   6,
    /* 48 */ 7,   8,   9,   10,  11,  12,  13,  14,
    /* 50 */ 15,  16,  17,  18,  19,  20,  21,  22,
    /* 58 */ 23,  24,  25,  BAD, BAD, BAD, BAD, BAD,
    /* 60 */ BAD, 26,  27,  28,  29,  30,  31,  32,
    /* 68 */ 33,  34,  35,  36,  37,  38,  39,  40,
    /* 70 */ 41,  42,  43,  44,  45,  46,  47,  48,
    /* 78 */ 49,  50,  51,  BAD, BAD, BAD, BAD, BAD,
    /* 80 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* 88 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* 90 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* 98 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* a0 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* a8 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* b0 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* b8 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* c0 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* c8 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* d0 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* d8 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* e0 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* e8 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* f0 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    /* f8 */ BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
};
/* clang-format on */

/* True when the four bytes at P are all alphabet characters: every value
 * is below 64, so their OR is too. */
static bool quad_in_alphabet(const unsigned char *p)
{
    return (b64_table[p[0]] | b64_table[p[1]] | b64_table[p[2]] |
            b64_table[p[3]]) < 64;
}

bool so_b64_valid(const char *s, size_t len, size_t *decoded)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, n = 0, pad = 0;
    unsigned last = 0;

    while (i < len) {
        size_t run = i;
        unsigned v;

        /* A run of alphabet characters: two quads a turn, then one. */
        while (pad == 0 && len - i >= 8 && quad_in_alphabet(p + i) &&
               quad_in_alphabet(p + i + 4))
            i += 8;
        while (pad == 0 && len - i >= 4 && quad_in_alphabet(p + i))
            i += 4;
        if (i > run) {
            last = b64_table[p[i - 1]];
            n += i - run;
            continue;
        }
        v = b64_table[p[i++]];
        if (v == SPC)
            continue;
        if (v == PAD) {
            pad++;
            n++;
            continue;
        }
        if (v == BAD || pad > 0) /* data after padding */
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
