/*
 * st_directory.h - directory search and entries, in PostgreSQL (libpq).
 *
 * A search runs a parsed query (so_dquery) in tiers, each a single
 * statement on smartoffice.employee's GIN index of terms with the query's
 * words as parameters (never as SQL text). A query word matches an entry
 * by a word of its names, a word of its designation, or a whole word of
 * the name of its unit (or any unit above it) or of its city; every word
 * must match, in any order. Two or more query words in a row that some
 * designation holds as a run of its words (smartoffice.designation, one
 * statement before the tiers; at most 32 designations) match
 * together, by the whole-designation terms ("D:") of those designations,
 * in every tier; the longest such runs are taken left to right, without
 * overlap. A single word always matches by itself:
 *   tier 0  every word matches a whole word ("=w", "d:w", or a unit or
 *           city with the word in its name);
 *   tier 1  every word matches as in tier 0 or by a prefix of a name
 *           word, in the strict or the loose key, and the entry is not in
 *           tier 0;
 *   tier 2  misspellings: each word may also be one of the directory
 *           words nearest to it by trigram similarity or edits
 *           (smartoffice.directory_word), entries of tiers 0 and 1 left
 *           out.
 * Within a tier entries come active first (then on leave, suspended,
 * retired), then by employee number (bytewise): a total order, so that a
 * page ends at a cursor (tier, status_rank, employee_no) and the next
 * page starts strictly after it. Pages never repeat or skip an entry
 * while the data stand still. A page is not sorted by name.
 *
 * Filters narrow every tier: the designation ("D:" when it has two words
 * or more and is a whole designation, else its words, "d:"), grade
 * ("g:"), a unit and everything beneath it ("u:"), a city ("c:").
 */
#ifndef ST_DIRECTORY_H
#define ST_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "so_dquery.h"
#include "st_db.h"

/* Longest cursor text, NUL included. */
#define ST_DIR_CURSOR_MAX 256
/* Most entries one page may hold. */
#define ST_DIR_PAGE_MAX 100

struct st_dir_filter {
    const char *designation; /* NULL or "": any */
    int bps;                 /* 0: any */
    const char *unit;        /* unit code, NULL or "": any */
    const char *city;        /* city code, NULL or "": any */
};

/* One directory entry. Every string is owned by the entry, never NULL
 * ("" where the directory has nothing), UTF-8 as stored. */
struct st_dir_entry {
    char *employee_no;
    char *name_en;
    char *name_ur;
    char *designation;
    int bps;
    char *unit;    /* code */
    char *unit_en; /* the unit's names */
    char *unit_ur;
    char *city; /* code */
    char *city_en;
    char *city_ur;
    char *office_phone;
    char *email;
    char *jid;    /* "" when the person has no account */
    char *status; /* active, on_leave, suspended, retired */
};

struct st_dir_page {
    size_t n;
    struct st_dir_entry entry[ST_DIR_PAGE_MAX];
    bool more; /* entries follow the last one */
    /* opaque cursors of the first and last entries, "" when N is 0 */
    char first[ST_DIR_CURSOR_MAX];
    char last[ST_DIR_CURSOR_MAX];
};

/*
 * Runs query Q with filter F (NULL: none) and fills PAGE (zeroed by the
 * caller or cleared with st_dir_page_clear) with at most MAX entries
 * (1..ST_DIR_PAGE_MAX) that come after cursor AFTER (NULL or "": from the
 * start). A query without words must have a designation filter. Returns
 * ST_OK; ST_EDATA when AFTER is not a cursor of ours, the query has no
 * words and no designation, the designation is not valid text, BPS is
 * not 0..22 or MAX is out of range; ST_ECONNECT when PostgreSQL cannot be
 * reached; ST_EQUERY; ST_ENOMEM. On failure PAGE is empty.
 */
enum st_err st_dir_search(struct st_db *db, const struct so_dquery *q,
                          const struct st_dir_filter *f, const char *after,
                          size_t max, struct st_dir_page *page);

/* Frees the entries of PAGE and empties it. */
void st_dir_page_clear(struct st_dir_page *page);

/*
 * Reads the entry with EMPLOYEE_NO into *E (freed with
 * st_dir_entry_clear). Returns ST_OK, ST_ENOENT when there is none,
 * ST_ECONNECT, ST_EQUERY or ST_ENOMEM.
 */
enum st_err st_dir_entry_get(struct st_db *db, const char *employee_no,
                             struct st_dir_entry *e);
void st_dir_entry_clear(struct st_dir_entry *e);

#endif
