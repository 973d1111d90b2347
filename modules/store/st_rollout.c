/*
 * st_rollout.c - the rollout's queued writes; see st_rollout.h.
 *
 * A ring of fixed-size slots under one mutex. The host thread copies a
 * write in; the store thread copies the oldest out, runs it without the
 * mutex, and only then removes it, so a write whose connection broke is
 * still at the head for the next run.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st_rollout.h"

#define SLOTS_MAX 65536
#define CODE_MAX 15 /* a city code or a day, without the NUL */

struct slot {
    enum st_rollout_kind kind;
    char text[ST_ROLLOUT_TEXT_MAX + 1];
    char city[CODE_MAX + 1];
    char day[CODE_MAX + 1];
    int64_t n1, n2;
};

struct st_rollout_queue {
    pthread_mutex_t lock;
    struct slot *slots;
    size_t cap, head, len;
    uint64_t written, dropped, failed;
};

static const char activate_sql[] =
    "UPDATE smartoffice.rollout_account SET state = 'active', "
    "activated_at = now(), secret_hash = NULL, secret_expires = NULL "
    "WHERE jid = $1 AND state = 'provisioned'";

static const char count_sql[] =
    "INSERT INTO smartoffice.rollout_counter (day, city, sent, refused) "
    "VALUES ($1::date, $2, $3::bigint, $4::bigint) "
    "ON CONFLICT (day, city) DO UPDATE SET "
    "sent = smartoffice.rollout_counter.sent + EXCLUDED.sent, "
    "refused = smartoffice.rollout_counter.refused + EXCLUDED.refused";

static const char online_sql[] =
    "INSERT INTO smartoffice.rollout_online (host, city, online, at) "
    "VALUES ($1, $2, $3::integer, now()) "
    "ON CONFLICT (host, city) DO UPDATE SET "
    "online = EXCLUDED.online, at = EXCLUDED.at";

struct st_rollout_queue *st_rollout_queue_new(size_t slots)
{
    struct st_rollout_queue *q;

    if (slots == 0 || slots > SLOTS_MAX)
        return NULL;
    q = calloc(1, sizeof(*q));
    if (q == NULL)
        return NULL;
    q->slots = calloc(slots, sizeof(*q->slots));
    if (q->slots == NULL || pthread_mutex_init(&q->lock, NULL) != 0) {
        free(q->slots);
        free(q);
        return NULL;
    }
    q->cap = slots;
    return q;
}

void st_rollout_queue_free(struct st_rollout_queue *q)
{
    if (q == NULL)
        return;
    pthread_mutex_destroy(&q->lock);
    free(q->slots);
    free(q);
}

/* True when S is not NULL, not empty, and has at most MAX bytes. */
static bool fits(const char *s, size_t max)
{
    return s != NULL && s[0] != '\0' && strlen(s) <= max;
}

static bool valid(const struct st_rollout_write *w)
{
    if (!fits(w->text, ST_ROLLOUT_TEXT_MAX))
        return false;
    switch (w->kind) {
    case ST_ROLLOUT_ACTIVATE:
        return true;
    case ST_ROLLOUT_COUNT:
        return fits(w->day, CODE_MAX) && w->n1 >= 0 && w->n2 >= 0;
    case ST_ROLLOUT_ONLINE:
        return fits(w->city, CODE_MAX) && w->n1 >= 0 && w->n1 <= INT32_MAX;
    }
    return false;
}

enum st_rollout_push st_rollout_push(struct st_rollout_queue *q,
                                     const struct st_rollout_write *w)
{
    struct slot *s;

    if (!valid(w))
        return ST_ROLLOUT_INVALID;
    pthread_mutex_lock(&q->lock);
    if (q->len == q->cap) {
        q->dropped++;
        pthread_mutex_unlock(&q->lock);
        return ST_ROLLOUT_FULL;
    }
    s = &q->slots[(q->head + q->len) % q->cap];
    memset(s, 0, sizeof(*s));
    s->kind = w->kind;
    strcpy(s->text, w->text);
    if (w->city != NULL)
        strcpy(s->city, w->city);
    if (w->day != NULL)
        strcpy(s->day, w->day);
    s->n1 = w->n1;
    s->n2 = w->n2;
    q->len++;
    pthread_mutex_unlock(&q->lock);
    return ST_ROLLOUT_QUEUED;
}

/* Runs the write in S on DB. */
static enum st_err run_one(struct st_db *db, const struct slot *s)
{
    char n1[24], n2[24];
    const char *params[4];

    snprintf(n1, sizeof(n1), "%lld", (long long)s->n1);
    snprintf(n2, sizeof(n2), "%lld", (long long)s->n2);
    switch (s->kind) {
    case ST_ROLLOUT_ACTIVATE:
        params[0] = s->text;
        return st_db_exec(db, "recording an activation", activate_sql, 1,
                          params, PGRES_COMMAND_OK, NULL);
    case ST_ROLLOUT_COUNT:
        params[0] = s->day;
        params[1] = s->text;
        params[2] = n1;
        params[3] = n2;
        return st_db_exec(db, "adding to the rollout counters", count_sql, 4,
                          params, PGRES_COMMAND_OK, NULL);
    case ST_ROLLOUT_ONLINE:
        params[0] = s->text;
        params[1] = s->city;
        params[2] = n1;
        return st_db_exec(db, "setting the users online", online_sql, 3, params,
                          PGRES_COMMAND_OK, NULL);
    }
    return ST_EQUERY;
}

enum st_err st_rollout_run(struct st_rollout_queue *q, struct st_db *db)
{
    struct slot s;
    enum st_err err;

    for (;;) {
        pthread_mutex_lock(&q->lock);
        if (q->len == 0) {
            pthread_mutex_unlock(&q->lock);
            return ST_OK;
        }
        s = q->slots[q->head];
        pthread_mutex_unlock(&q->lock);

        err = run_one(db, &s);
        if (err == ST_ECONNECT)
            return err;

        pthread_mutex_lock(&q->lock);
        q->head = (q->head + 1) % q->cap;
        q->len--;
        if (err == ST_OK)
            q->written++;
        else
            q->failed++;
        pthread_mutex_unlock(&q->lock);
    }
}

void st_rollout_counts(struct st_rollout_queue *q,
                       struct st_rollout_counts *out)
{
    pthread_mutex_lock(&q->lock);
    out->queued = q->len;
    out->written = q->written;
    out->dropped = q->dropped;
    out->failed = q->failed;
    pthread_mutex_unlock(&q->lock);
}
