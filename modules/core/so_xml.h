/*
 * so_xml.h - build a stanza view from XML text with expat.
 *
 * Used where no host has parsed the stanza already: the CLI's dry run, the
 * corpus tests and the fuzzer. DOCTYPE declarations and entity
 * declarations are refused; depth and node count are capped by the view
 * limits, and input size by SO_XML_MAX_BYTES.
 */
#ifndef SO_XML_H
#define SO_XML_H

#include <stddef.h>

#include "so_view.h"

#define SO_XML_MAX_BYTES (1024 * 1024)

struct so_xml_error {
    unsigned long line;   /* 1-based; 0 when not about a position */
    unsigned long column; /* 1-based */
    char msg[160];        /* one lower-case line */
};

/*
 * Parses BUF[0..LEN) holding exactly one element (a stanza; an XML
 * declaration and surrounding white space are allowed). On success *ROOT
 * is the element, owned by ARENA. On failure returns SO_EPARSE, SO_ELIMIT
 * or SO_ENOMEM, sets *ROOT to NULL and fills ERR.
 */
enum so_err so_xml_parse(struct so_arena *arena, const char *buf, size_t len,
                         const struct so_node **root, struct so_xml_error *err);

#endif
