/*
 * so_confline.h - split one "name = value" line of a configuration file.
 *
 * Syntax: '#' starts a comment outside quotes; blank lines are skipped; a
 * value is bare text (cut at a comment, trailing blanks cut) or one
 * double-quoted string in which \" and \\ stand for " and \. A UTF-8 byte
 * order mark may precede the first line. Callers keep their own messages:
 * a bad line is reported as an so_confline_fault for them to word.
 */
#ifndef SO_CONFLINE_H
#define SO_CONFLINE_H

#include <stddef.h>

enum so_confline_kind {
    SO_CONFLINE_BAD = -1, /* *FAULT says why */
    SO_CONFLINE_SKIP = 0, /* blank or comment line */
    SO_CONFLINE_SETTING = 1,
};

enum so_confline_fault {
    SO_CONFLINE_NO_NAME,       /* no option name at the start */
    SO_CONFLINE_NO_EQUALS,     /* a name not followed by '=' */
    SO_CONFLINE_OPEN_QUOTE,    /* a quoted value never closed */
    SO_CONFLINE_BAD_ESCAPE,    /* a backslash before other than " or \ */
    SO_CONFLINE_AFTER_QUOTE,   /* text after the closing quote */
    SO_CONFLINE_QUOTE_IN_BARE, /* a quote inside an unquoted value */
};

/*
 * Cuts trailing newline and carriage-return characters from LINE, whose
 * length is *LEN, and updates *LEN. Returns 0, or -1 when LINE holds a NUL
 * byte before its end.
 */
int so_confline_trim(char *line, size_t *len);

/* The text of the first line after a UTF-8 byte order mark, if any: a
 * pointer into LINE, borrowed. */
char *so_confline_skip_bom(char *line);

/*
 * Splits LINE in place. A name is letters, digits, '_' and any character
 * of NAME_EXTRA (may be NULL). For a setting, *NAME and *VALUE point into
 * LINE (borrowed) with the value unquoted. Returns SO_CONFLINE_SETTING,
 * SO_CONFLINE_SKIP, or SO_CONFLINE_BAD with *FAULT set.
 */
enum so_confline_kind so_confline_split(char *line, const char *name_extra,
                                        char **name, char **value,
                                        enum so_confline_fault *fault);

#endif
