/*
 * dir_service.h - what every interface of the component shares: who may
 * search, the rate limit, the database connection that comes back by
 * itself, and one search call that turns a request into a page or into a
 * reason for refusing it.
 */
#ifndef DIR_SERVICE_H
#define DIR_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dir_config.h"
#include "so_dquery.h"
#include "so_rate.h"
#include "st_directory.h"

/* Why a request got no answer; DIR_OK when it did. */
enum dir_status {
    DIR_OK = 0,
    DIR_EBADREQ,    /* malformed request (bad form, field too long) */
    DIR_EFORBIDDEN, /* the requester's domain may not search */
    DIR_EREFUSED,   /* so_dquery refused the query text */
    DIR_ERATE,      /* rate limit; retry_s says when */
    DIR_EUNAVAIL,   /* PostgreSQL cannot be reached */
    DIR_ECURSOR,    /* an RSM cursor that is not ours */
    DIR_ENOENT,     /* no such entry */
    DIR_EBEFORE,    /* paging backwards, which is not implemented */
    DIR_EINDEX,     /* paging by index, which is not implemented */
    DIR_ENOCOMMAND, /* an ad-hoc command node we do not have */
    DIR_EINTERNAL,  /* a statement failed, or memory ran out */
};

/* The filter a DIR_EBADREQ is about, so that its text can name it. */
enum dir_bad_field {
    DIR_BAD_ANY = 0, /* the request as a whole */
    DIR_BAD_UNIT,    /* the office code: malformed or not in the directory */
    DIR_BAD_CITY,    /* the city code: malformed or not in the directory */
};

struct dir_outcome {
    enum dir_status status;
    enum so_dquery_refusal refusal; /* DIR_EREFUSED */
    unsigned retry_s;               /* DIR_ERATE */
    enum dir_bad_field bad_field;   /* DIR_EBADREQ */
};

/* Longest designation filter, folded, NUL included. */
#define DIR_DESIGNATION_MAX 256

/* A search as the store runs it: folded words and filters, never the
 * text typed (which is neither kept nor logged). */
struct dir_query {
    struct so_dquery q;
    char designation[DIR_DESIGNATION_MAX]; /* folded; "": any */
    int bps;                               /* 0: any */
    char unit[33];                         /* unit code; "": any */
    char city[4];                          /* city code; "": any */
};

/* The text fields of a request, borrowed; NULL or "" where absent. */
struct dir_request {
    const char *q;
    const char *designation;
    const char *grade;
    const char *unit;
    const char *city;
};

/* A city for the search forms, names borrowed from the service. */
struct dir_city {
    char code[4];
    char *name_en; /* owned by the service */
    char *name_ur;
};

#define DIR_CITIES_MAX 200

struct dir_service {
    const struct dir_config *cfg; /* borrowed */
    struct st_db *db;             /* owned; NULL while PostgreSQL is down */
    uint64_t db_retry_ms;         /* no attempt before this time */
    unsigned db_backoff_ms;
    struct so_rate *rate; /* owned */
    size_t ncities;
    struct dir_city city[DIR_CITIES_MAX];
    uint64_t cities_ms; /* when the list was read; 0: never */
    /* counters since the last summary line; failed counts the database's
     * failures only, bad the requests found bad once a search ran (an
     * unknown cursor, office or city) */
    unsigned long searches, refused, limited, bad, failed;
};

/* Monotonic milliseconds. */
uint64_t dir_now_ms(void);

/* Sets up SVC for CFG (borrowed, must outlive SVC). Connects to
 * PostgreSQL now if it can; if not, later requests try again. Returns 0,
 * or -1 when memory ran out. */
int dir_service_init(struct dir_service *svc, const struct dir_config *cfg);
void dir_service_clear(struct dir_service *svc);

/*
 * Checks that FROM (a full or bare JID, borrowed) may use the directory
 * and writes its bare JID, lower-cased, to BARE. Returns DIR_OK,
 * DIR_EBADREQ for a JID that cannot be split or is too long, or
 * DIR_EFORBIDDEN.
 */
enum dir_status dir_service_admit(const struct dir_service *svc,
                                  const char *from, char *bare, size_t barelen);

/* Takes one token of BARE's rate limit. DIR_OK or DIR_ERATE with
 * OUT->retry_s set. */
enum dir_status dir_service_take(struct dir_service *svc, const char *bare,
                                 struct dir_outcome *out);

/*
 * Parses the fields of REQ into *Q. Returns DIR_OK; DIR_EREFUSED with
 * OUT->refusal for a query text so_dquery refuses (including an empty
 * query without a designation); DIR_EBADREQ for a filter that is not
 * valid.
 */
enum dir_status dir_query_parse(const struct dir_request *req,
                                struct dir_query *q, struct dir_outcome *out);

/*
 * Runs Q for the page of at most MAX entries after cursor AFTER (NULL or
 * "": the first page) into PAGE (zeroed or cleared by the caller, cleared
 * with st_dir_page_clear). Counts the search. Returns DIR_OK,
 * DIR_EUNAVAIL, DIR_ECURSOR, DIR_EINTERNAL, or DIR_EBADREQ with
 * OUT->bad_field for an office or city code not in the directory (also
 * in OUT->status).
 */
enum dir_status dir_service_search(struct dir_service *svc,
                                   const struct dir_query *q, const char *after,
                                   size_t max, struct st_dir_page *page,
                                   struct dir_outcome *out);

/* Reads the entry EMPLOYEE_NO into *E. DIR_OK, DIR_ENOENT, DIR_EUNAVAIL
 * or DIR_EINTERNAL. */
enum dir_status dir_service_entry(struct dir_service *svc,
                                  const char *employee_no,
                                  struct st_dir_entry *e,
                                  struct dir_outcome *out);

/* Refreshes the city list when older than five minutes; keeps the old
 * one when PostgreSQL cannot be reached. */
void dir_service_cities(struct dir_service *svc);

/* Logs and resets the counters. */
void dir_service_summary(struct dir_service *svc, unsigned seconds);

/* A result's address: its JID, or EMPLOYEE_NO@COMPONENT (lower-cased,
 * XEP-0106 escaped) for people without one. Writes to OUT; false when
 * it does not fit. */
bool dir_entry_address(const struct dir_service *svc,
                       const struct st_dir_entry *e, char *out, size_t outlen);

/* The employee number an address local part LOCAL stands for (XEP-0106
 * unescaped), into OUT. False when it is not one. */
bool dir_employee_from_local(const char *local, size_t len, char *out,
                             size_t outlen);

#endif
