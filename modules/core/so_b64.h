/*
 * so_b64.h - strict base64 validation (RFC 4648 §4), internal to the core.
 */
#ifndef SO_B64_H
#define SO_B64_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when S[0..LEN) is base64 in the RFC 4648 §4 alphabet with correct
 * padding and zero pad bits (§3.5); XML white space is skipped wherever it
 * appears. Text with no base64 characters at all is valid and decodes to
 * zero bytes. When DECODED is not NULL it receives the decoded length.
 */
bool so_b64_valid(const char *s, size_t len, size_t *decoded);

#endif
